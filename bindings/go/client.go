// Package licensekit is the Go binding of the licensekit licensing library (cgo over its C
// ABI): activate a license code, keep its lease, check features locally, hold floating seats,
// work offline.
//
// It links the library installed by licensekit's scripts/install, found with pkg-config
// (PKG_CONFIG_PATH=PREFIX/lib/pkgconfig), shared by default or static with
// -tags licensekit_static. Failures are *Error values carrying the Status:
//
//	if errors.Is(err, licensekit.StatusActivationLimit) { ... }
//
// Network calls take a context.Context: the call returns ctx.Err() as soon as the context is
// done, while the C call (bounded by Config.Timeout) finishes in the background; Close waits
// for it.
package licensekit

// #include <stdlib.h>
// #include <licensekit.h>
// extern void licensekitGoStatus(lk_status status, void *user_data);
import "C"

import (
	"context"
	"encoding/json"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// Config configures a Client. Only ProductID and PublicKeys are required.
type Config struct {
	ProductID string
	// PublicKeys are the vendor's keys (64 hex characters each) to trust.
	PublicKeys []string
	// ServerURL is the license server; empty for offline use only.
	ServerURL string
	// StoreDir keeps the license store there instead of the per-user default.
	StoreDir string
	// Timeout bounds every network call (1 ms to 10 min; the library's 10 s when zero).
	Timeout time.Duration
	// Proxy is an HTTP proxy URL (http://[user:pass@]host:port), crossed with CONNECT.
	Proxy string
	// CAFile is a PEM file of CA certificates to trust besides the system's.
	CAFile string
	// ClientID binds passive licenses to this ID instead of the computer's.
	ClientID string
	// AppVersion, AppBuild and AppEdition are reported to the server.
	AppVersion, AppBuild, AppEdition string
}

// Client is a licensing client for one product; safe for concurrent use.
type Client struct {
	// mu is held for reading by every call and for writing by Close, which so waits for
	// calls still running (the C library must not free a client in use).
	mu       sync.RWMutex
	ptr      *C.lk_client
	listener *statusListener
}

// cstr is a C copy of s, freed by the caller; a string with a NUL is refused.
func cstr(s string) (*C.char, error) {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return nil, &Error{Status: StatusInvalidArgument, Detail: "a string argument contains a NUL byte"}
		}
	}
	return C.CString(s), nil
}

// lastError is the C library's detail of the last failure on this OS thread: call it on the
// thread of the failed call (see call).
func lastError() string {
	var needed C.size_t
	if Status(C.lk_last_error_message(nil, 0, &needed)) != StatusBufferTooSmall {
		return ""
	}
	buf := (*C.char)(C.malloc(needed))
	defer C.free(unsafe.Pointer(buf))
	C.lk_last_error_message(buf, needed, nil)
	return C.GoString(buf)
}

// call runs a C call and turns its status into an error, reading the detail on the same
// OS thread (the C library keeps it per thread).
func call(f func() C.lk_status) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	status := Status(f())
	if status == StatusOK {
		return nil
	}
	return &Error{Status: status, Detail: lastError()}
}

// textOut calls a C function with the size-query convention and returns its text.
func textOut(f func(buf *C.char, n C.size_t, needed *C.size_t) C.lk_status) (string, error) {
	var needed C.size_t
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for {
		status := Status(f(nil, 0, &needed))
		if status != StatusBufferTooSmall {
			return "", errorOf(status)
		}
		buf := (*C.char)(C.malloc(needed))
		status = Status(f(buf, needed, &needed))
		text := C.GoString(buf)
		C.free(unsafe.Pointer(buf))
		// The text may have grown between the two calls (a refresh meanwhile): ask again.
		if status != StatusBufferTooSmall {
			return text, errorOf(status)
		}
	}
}

func errorOf(status Status) error {
	if status == StatusOK {
		return nil
	}
	return &Error{Status: status, Detail: lastError()}
}

// NewClient creates a client: loads the product's store and verifies the stored license.
func NewClient(cfg Config) (*Client, error) {
	if loadErr != nil {
		return nil, loadErr
	}
	product, err := cstr(cfg.ProductID)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(product))
	var config *C.lk_config
	if err := call(func() C.lk_status { return C.lk_config_new(product, &config) }); err != nil {
		return nil, err
	}
	defer C.lk_config_free(config)
	set := func(value string, setter func(*C.lk_config, *C.char) C.lk_status) error {
		if value == "" {
			return nil
		}
		v, err := cstr(value)
		if err != nil {
			return err
		}
		defer C.free(unsafe.Pointer(v))
		return call(func() C.lk_status { return setter(config, v) })
	}
	setters := []struct {
		value  string
		setter func(*C.lk_config, *C.char) C.lk_status
	}{
		{cfg.ServerURL, func(c *C.lk_config, v *C.char) C.lk_status { return C.lk_config_set_server_url(c, v) }},
		{cfg.StoreDir, func(c *C.lk_config, v *C.char) C.lk_status { return C.lk_config_set_store_dir(c, v) }},
		{cfg.Proxy, func(c *C.lk_config, v *C.char) C.lk_status { return C.lk_config_set_proxy(c, v) }},
		{cfg.CAFile, func(c *C.lk_config, v *C.char) C.lk_status { return C.lk_config_set_ca_file(c, v) }},
		{cfg.ClientID, func(c *C.lk_config, v *C.char) C.lk_status { return C.lk_config_set_client_id(c, v) }},
	}
	for _, key := range cfg.PublicKeys {
		setters = append(setters, struct {
			value  string
			setter func(*C.lk_config, *C.char) C.lk_status
		}{key, func(c *C.lk_config, v *C.char) C.lk_status { return C.lk_config_add_public_key(c, v) }})
	}
	for _, s := range setters {
		if err := set(s.value, s.setter); err != nil {
			return nil, err
		}
	}
	if cfg.Timeout != 0 {
		ms := cfg.Timeout.Milliseconds()
		if ms < 1 || ms > 600000 {
			return nil, &Error{Status: StatusInvalidArgument, Detail: "Timeout must be 1 ms to 10 min"}
		}
		if err := call(func() C.lk_status { return C.lk_config_set_timeout_ms(config, C.uint32_t(ms)) }); err != nil {
			return nil, err
		}
	}
	if cfg.AppVersion != "" || cfg.AppBuild != "" || cfg.AppEdition != "" {
		parts := make([]*C.char, 3)
		for i, v := range []string{cfg.AppVersion, cfg.AppBuild, cfg.AppEdition} {
			if parts[i], err = cstr(v); err != nil {
				return nil, err
			}
			defer C.free(unsafe.Pointer(parts[i]))
		}
		if err := call(func() C.lk_status { return C.lk_config_set_app_version(config, parts[0], parts[1], parts[2]) }); err != nil {
			return nil, err
		}
	}
	c := &Client{}
	if err := call(func() C.lk_status { return C.lk_client_new(config, &c.ptr) }); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(c, func(c *Client) { _ = c.Close() })
	return c, nil
}

// Close unregisters the callback and frees the client, after the calls still running on it
// (a network call whose context ended included). It must not be called from the client's
// own status callback. Closing twice is harmless.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ptr == nil {
		return nil
	}
	if c.listener != nil {
		C.lk_set_status_callback(c.ptr, nil, nil)
	}
	// Joins the client's background thread: no callback runs after this.
	C.lk_client_free(c.ptr)
	c.ptr = nil
	if c.listener != nil {
		c.listener.free()
		c.listener = nil
	}
	runtime.SetFinalizer(c, nil)
	return nil
}

// with runs f with the C client, holding the read lock.
func (c *Client) with(f func(*C.lk_client) error) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.ptr == nil {
		return ErrClosed
	}
	return f(c.ptr)
}

// withCode is with, and code as a C string.
func (c *Client) withCode(code string, f func(*C.lk_client, *C.char) error) error {
	s, err := cstr(code)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(s))
	return c.with(func(p *C.lk_client) error { return f(p, s) })
}

// online runs a network call under ctx: it returns ctx.Err() when ctx ends first, the C
// call going on in the background until its own timeout (the read lock held meanwhile).
func (c *Client) online(ctx context.Context, code *string, f func(*C.lk_client, *C.char) C.lk_status) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var s *C.char
	if code != nil {
		var err error
		if s, err = cstr(*code); err != nil {
			return err
		}
	}
	c.mu.RLock()
	if c.ptr == nil {
		c.mu.RUnlock()
		C.free(unsafe.Pointer(s))
		return ErrClosed
	}
	done := make(chan error, 1)
	go func(p *C.lk_client) {
		defer c.mu.RUnlock()
		defer C.free(unsafe.Pointer(s))
		done <- call(func() C.lk_status { return f(p, s) })
	}(c.ptr)
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Status is whether the product is licensed now (StatusOK), or why not. Local. A closed
// client answers StatusNoLicense.
func (c *Client) Status() Status {
	status := StatusOK
	err := c.with(func(p *C.lk_client) error {
		status = Status(C.lk_license_status(p))
		return nil
	})
	if err != nil {
		return StatusNoLicense
	}
	return status
}

// FeatureStatus is StatusOK when the feature is granted and on (a floating one: while this
// client holds a seat), else why not (StatusFeatureUnknown, StatusNoSeat, ...). Local. A
// closed client, or a code with a NUL byte, answers StatusFeatureUnknown.
func (c *Client) FeatureStatus(code string) Status {
	status := StatusOK
	err := c.withCode(code, func(p *C.lk_client, s *C.char) error {
		status = Status(C.lk_feature_enabled(p, s))
		return nil
	})
	if err != nil {
		return StatusFeatureUnknown
	}
	return status
}

// FeatureEnabled reports whether FeatureStatus is StatusOK.
func (c *Client) FeatureEnabled(code string) bool { return c.FeatureStatus(code) == StatusOK }

// UDF is the value of the license's user-defined field name; ok is false when it has none.
func (c *Client) UDF(name string) (value string, ok bool, err error) {
	err = c.withCode(name, func(p *C.lk_client, s *C.char) error {
		var e error
		value, e = textOut(func(b *C.char, n C.size_t, needed *C.size_t) C.lk_status {
			return C.lk_udf_value(p, s, b, n, needed)
		})
		return e
	})
	if err != nil && errorsIsStatus(err, StatusInvalidArgument) {
		return "", false, nil
	}
	return value, err == nil, err
}

func errorsIsStatus(err error, status Status) bool {
	e, ok := err.(*Error)
	return ok && e.Status == status
}

func (c *Client) text(f func(p *C.lk_client, b *C.char, n C.size_t, needed *C.size_t) C.lk_status) (string, error) {
	var out string
	err := c.with(func(p *C.lk_client) error {
		var e error
		out, e = textOut(func(b *C.char, n C.size_t, needed *C.size_t) C.lk_status { return f(p, b, n, needed) })
		return e
	})
	return out, err
}

// Info is the license as JSON fields: status, product_id, features, udfs, expires, ...
func (c *Client) Info() (map[string]any, error) {
	text, err := c.text(func(p *C.lk_client, b *C.char, n C.size_t, needed *C.size_t) C.lk_status {
		return C.lk_license_info_json(p, b, n, needed)
	})
	if err != nil {
		return nil, err
	}
	var info map[string]any
	return info, json.Unmarshal([]byte(text), &info)
}

// ComputerID is this computer's ID for the product, as sent to the server.
func (c *Client) ComputerID() (string, error) {
	return c.text(func(p *C.lk_client, b *C.char, n C.size_t, needed *C.size_t) C.lk_status {
		return C.lk_client_computer_id(p, b, n, needed)
	})
}

// GraceRemaining is how long the license keeps working offline without a refresh.
func (c *Client) GraceRemaining() (time.Duration, error) {
	var seconds C.int64_t
	err := c.with(func(p *C.lk_client) error {
		return call(func() C.lk_status { return C.lk_grace_remaining(p, &seconds) })
	})
	return time.Duration(seconds) * time.Second, err
}

// ExpiryKind says which date Expiry reports.
type ExpiryKind uint32

// The dates of a license.
const (
	ExpiryLicense     ExpiryKind = C.LK_EXPIRY_LICENSE
	ExpiryMaintenance ExpiryKind = C.LK_EXPIRY_MAINTENANCE
	ExpiryLease       ExpiryKind = C.LK_EXPIRY_LEASE
	ExpiryGrace       ExpiryKind = C.LK_EXPIRY_GRACE
)

// Expiry is a date of the current license; ok is false when it has no such date.
func (c *Client) Expiry(kind ExpiryKind) (t time.Time, ok bool, err error) {
	var seconds C.int64_t
	err = c.with(func(p *C.lk_client) error {
		return call(func() C.lk_status { return C.lk_expiry(p, C.uint32_t(kind), &seconds) })
	})
	if err != nil || seconds == 0 {
		return time.Time{}, false, err
	}
	return time.Unix(int64(seconds), 0), true, nil
}

// Activate activates code on this computer (errors.Is StatusActivationLimit,
// StatusInvalidLicenseCode, StatusNetwork, ... on refusal).
func (c *Client) Activate(ctx context.Context, code string) error {
	return c.online(ctx, &code, func(p *C.lk_client, s *C.char) C.lk_status { return C.lk_activate(p, s) })
}

// Refresh renews the lease now (a background thread also does it before it ends).
func (c *Client) Refresh(ctx context.Context) error {
	return c.online(ctx, nil, func(p *C.lk_client, _ *C.char) C.lk_status { return C.lk_refresh(p) })
}

// Deactivate gives this computer's seat back.
func (c *Client) Deactivate(ctx context.Context) error {
	return c.online(ctx, nil, func(p *C.lk_client, _ *C.char) C.lk_status { return C.lk_deactivate(p) })
}

// StartTrial starts (or resumes) the product's trial on this computer.
func (c *Client) StartTrial(ctx context.Context) error {
	return c.online(ctx, nil, func(p *C.lk_client, _ *C.char) C.lk_status { return C.lk_start_trial(p) })
}

// OnStatusChange calls callback with the new status whenever the license status changes
// (background refresh, lease running out offline, an online call), on the thread that
// noticed it; nil removes it. A panic in it is dropped. It must not Close the client.
func (c *Client) OnStatusChange(callback func(Status)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ptr == nil {
		return ErrClosed
	}
	if c.listener == nil {
		if callback == nil {
			return nil
		}
		c.listener = newStatusListener()
		c.listener.set(callback)
		return call(func() C.lk_status {
			return C.lk_set_status_callback(c.ptr, C.lk_status_callback(C.licensekitGoStatus), unsafe.Pointer(c.listener.cell))
		})
	}
	c.listener.set(callback)
	return nil
}

// ComputerIDFor is this computer's 20-character ID for a product.
func ComputerIDFor(productID string) (string, error) {
	if loadErr != nil {
		return "", loadErr
	}
	s, err := cstr(productID)
	if err != nil {
		return "", err
	}
	defer C.free(unsafe.Pointer(s))
	return textOut(func(b *C.char, n C.size_t, needed *C.size_t) C.lk_status { return C.lk_computer_id(s, b, n, needed) })
}

// Version is the C library's version.
func Version() string { return C.GoString(C.lk_version()) }
