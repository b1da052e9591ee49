package licensekit

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLibraryAndStatuses(t *testing.T) {
	if err := LoadError(); err != nil {
		t.Fatal(err)
	}
	if err := checkLibrary("9.9.9", Version()); !errors.Is(err, ErrLibraryMismatch) || !strings.Contains(err.Error(), "9.9.9") {
		t.Fatalf("a version mismatch gave %v", err)
	}
	// Every lk_status of the header has its Go constant, with the same number.
	header, err := os.ReadFile(filepath.Join(tree, "include", "licensekit.h"))
	if err != nil {
		t.Fatal(err)
	}
	body := strings.SplitN(strings.SplitN(string(header), "enum lk_status", 2)[1], "};", 2)[0]
	found := regexp.MustCompile(`(?m)^\s*(LK_[A-Z0-9_]+) = (\d+),`).FindAllStringSubmatch(body, -1)
	if len(found) < 50 || len(found) != len(statusConstants) {
		t.Fatalf("%d statuses in the header, %d here", len(found), len(statusConstants))
	}
	for _, f := range found {
		var n uint32
		for _, d := range f[2] {
			n = n*10 + uint32(d-'0')
		}
		if statusConstants[Status(n)] != f[1] {
			t.Errorf("%s = %s: here %q", f[1], f[2], statusConstants[Status(n)])
		}
	}
	if StatusNotActivated.String() != "LK_NOT_ACTIVATED" || !strings.Contains(StatusNotActivated.Error(), "activated") {
		t.Error("Status names and messages")
	}
	id, err := ComputerIDFor(server.product)
	if err != nil || len(id) != 20 {
		t.Fatalf("ComputerIDFor: %q, %v", id, err)
	}
	if _, err := ComputerIDFor("not a product"); !errors.Is(err, StatusInvalidProductID) {
		t.Fatalf("a bad product ID gave %v", err)
	}
}

func TestConfigurationErrors(t *testing.T) {
	if _, err := NewClient(Config{ProductID: server.product, StoreDir: t.TempDir()}); !errors.Is(err, StatusNoPublicKey) {
		t.Errorf("no key: %v", err)
	}
	_, err := NewClient(Config{ProductID: server.product, PublicKeys: []string{"00ff"}, StoreDir: t.TempDir()})
	var lkErr *Error
	if !errors.As(err, &lkErr) || lkErr.Status != StatusInvalidPublicKey || lkErr.Detail == "" {
		t.Errorf("bad key: %#v", err)
	}
	if _, err := NewClient(Config{ProductID: "a\x00b"}); !errors.Is(err, StatusInvalidArgument) {
		t.Errorf("NUL: %v", err)
	}
	if _, err := NewClient(Config{ProductID: server.product, PublicKeys: []string{server.key}, Timeout: time.Hour}); !errors.Is(err, StatusInvalidArgument) {
		t.Errorf("timeout: %v", err)
	}
}

func TestActivationRoundTrip(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, func(cfg *Config) { cfg.Timeout = 10 * time.Second; cfg.AppVersion = "3.0" })
	var mu sync.Mutex
	var seen []Status
	if err := c.OnStatusChange(func(s Status) { mu.Lock(); seen = append(seen, s); mu.Unlock() }); err != nil {
		t.Fatal(err)
	}
	seenNow := func() []Status { mu.Lock(); defer mu.Unlock(); return append([]Status(nil), seen...) }
	if c.Status() != StatusNotActivated || c.FeatureEnabled("EXPORT") {
		t.Fatal("a fresh store is not activated")
	}
	err := c.Activate(ctx, "000000000000000000")
	var lkErr *Error
	if !errors.Is(err, StatusInvalidLicenseCode) || !errors.As(err, &lkErr) || lkErr.Detail == "" {
		t.Fatalf("an unknown code gave %v", err)
	}
	if err := c.Activate(ctx, server.code); err != nil {
		t.Fatal(err)
	}
	if c.Status() != StatusOK || !c.FeatureEnabled("EXPORT") || c.FeatureStatus("NOPE") != StatusFeatureUnknown {
		t.Fatal("activated license")
	}
	if got := seenNow(); len(got) != 1 || got[0] != StatusOK {
		t.Fatalf("callback saw %v", got)
	}
	if v, ok, err := c.UDF("EDITION"); v != "pro" || !ok || err != nil {
		t.Fatalf("UDF: %q %v %v", v, ok, err)
	}
	if _, ok, err := c.UDF("NOPE"); ok || err != nil {
		t.Fatalf("missing UDF: %v %v", ok, err)
	}
	info, err := c.Info()
	if err != nil || info["status"] != "LK_OK" || info["product_id"] != server.product {
		t.Fatalf("Info: %v %v", info, err)
	}
	id, _ := c.ComputerID()
	if want, _ := ComputerIDFor(server.product); id != want {
		t.Fatalf("ComputerID %q, want %q", id, want)
	}
	if grace, err := c.GraceRemaining(); err != nil || grace < 29*24*time.Hour || grace > 30*24*time.Hour {
		t.Fatalf("GraceRemaining: %v %v", grace, err)
	}
	if end, ok, err := c.Expiry(ExpiryGrace); !ok || err != nil || !end.After(time.Now()) {
		t.Fatalf("Expiry(grace): %v %v %v", end, ok, err)
	}
	if _, ok, err := c.Expiry(ExpiryLicense); ok || err != nil {
		t.Fatalf("a perpetual license has no expiry: %v %v", ok, err)
	}
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Deactivate(ctx); err != nil || c.Status() != StatusDeactivated {
		t.Fatalf("Deactivate: %v, %v", err, c.Status())
	}
	if got := seenNow(); len(got) != 2 || got[1] != StatusDeactivated {
		t.Fatalf("callback saw %v", got)
	}
	if err := c.Refresh(ctx); !errors.Is(err, StatusNoLicense) {
		t.Fatalf("refresh without a license: %v", err)
	}
	c.Close()
	if err := c.Refresh(ctx); err != ErrClosed {
		t.Fatalf("after Close: %v", err)
	}
	c.Close()
}

func TestCallbackPanicIsContained(t *testing.T) {
	c := newClient(t, nil)
	c.OnStatusChange(func(Status) { panic("not for the library") })
	if err := c.Activate(context.Background(), server.code); err != nil || c.Status() != StatusOK {
		t.Fatal(err)
	}
	c.OnStatusChange(nil)
	c.Deactivate(context.Background())
}

func TestCapacity(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, nil)
	if err := c.Activate(ctx, server.capacity); err != nil {
		t.Fatal(err)
	}
	seat, err := c.FloatingSeat(ctx, "SOLVER")
	if err != nil || !c.FeatureEnabled("SOLVER") {
		t.Fatalf("FloatingSeat: %v", err)
	}
	if err := seat.Release(ctx); err != nil || c.FeatureStatus("SOLVER") != StatusNoSeat {
		t.Fatalf("Release: %v", err)
	}
	if err := seat.Release(ctx); err != nil {
		t.Fatalf("a second Release: %v", err)
	}
	for i := 0; i < 2; i++ {
		all, err := c.PoolElements(ctx, "MESH", 1000)
		if err != nil {
			t.Fatalf("pool, round %d: %v", i, err)
		}
		if _, err := c.PoolElements(ctx, "MESH", 1); !errors.Is(err, StatusPoolExhausted) {
			t.Fatalf("an empty pool gave %v", err)
		}
		all.Release(ctx)
	}
	session, err := c.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := session.Release(ctx); err != nil {
		t.Fatal(err)
	}
	left, err := c.ConsumeTokens(ctx, "RENDER", 1)
	if err != nil {
		t.Fatal(err)
	}
	if now, err := c.ConsumeTokens(ctx, "RENDER", 2); err != nil || now != left-2 {
		t.Fatalf("tokens: %d then %d (%v)", left, now, err)
	}
	if _, err := c.ConsumeTokens(ctx, "RENDER", 1000000); !errors.Is(err, StatusTokensExhausted) {
		t.Fatalf("too many tokens: %v", err)
	}
	if err := c.FloatingCheckoutLongTerm(ctx, "SOLVER", 1); !errors.Is(err, StatusLongTermCheckoutRefused) {
		t.Fatalf("LTCO: %v", err)
	}
	c.Deactivate(ctx)
}

func TestAirGappedRoundTrip(t *testing.T) {
	c := newClient(t, func(cfg *Config) { cfg.ServerURL = "" })
	if err := c.Activate(context.Background(), server.code); !errors.Is(err, StatusNoServer) {
		t.Fatalf("no server: %v", err)
	}
	request, err := c.OfflineActivationRequest(server.code)
	if err != nil || !strings.Contains(request, "ACTIVATION REQUEST") {
		t.Fatalf("request: %v", err)
	}
	file := filepath.Join(t.TempDir(), "request.txt")
	os.WriteFile(file, []byte(request), 0o600)
	certificate, err := exec.Command(server.binary, "offline", "activate", "--data-dir", server.dataDir, "--request", file).Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ImportCertificate("garbage"); !errors.Is(err, StatusMalformedEnvelope) {
		t.Fatalf("garbage: %v", err)
	}
	if err := c.ImportCertificate(string(certificate)); err != nil || !c.FeatureEnabled("EXPORT") {
		t.Fatalf("import: %v", err)
	}
	if text, err := c.OfflineDeactivationCertificate(); err != nil || !strings.Contains(text, "DEACTIVATION") {
		t.Fatalf("deactivation: %v", err)
	}
	if c.Status() != StatusDeactivated {
		t.Fatal(c.Status())
	}
}

func TestContext(t *testing.T) {
	c := newClient(t, func(cfg *Config) { cfg.ServerURL = "http://127.0.0.1:9"; cfg.Timeout = 2 * time.Second })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Activate(ctx, server.code); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled context: %v", err)
	}
	if err := c.Activate(context.Background(), server.code); !errors.Is(err, StatusNetwork) {
		t.Fatalf("an unreachable server: %v", err)
	}
	// A server that accepts and never answers: the context ends the wait long before the
	// C timeout, and Close waits for the call still running.
	silent := newSilentServer(t)
	slow := newClient(t, func(cfg *Config) { cfg.ServerURL = silent; cfg.Timeout = 3 * time.Second })
	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	started := time.Now()
	if err := slow.Activate(ctx, server.code); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a deadline: %v", err)
	}
	if waited := time.Since(started); waited > 2*time.Second {
		t.Fatalf("the context was not honoured: %v", waited)
	}
	slow.Close()
	if waited := time.Since(started); waited < 2*time.Second {
		t.Fatalf("Close did not wait for the running call: %v", waited)
	}
}

func TestConcurrentUseAndClose(t *testing.T) {
	c := newClient(t, nil)
	if err := c.Activate(context.Background(), server.code); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 2000; j++ {
				if c.FeatureEnabled("EXPORT") {
					mu.Lock()
					granted++
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(5 * time.Millisecond)
	c.Close()
	wg.Wait()
	if granted == 0 || c.FeatureEnabled("EXPORT") {
		t.Fatalf("granted %d before Close, and after: %v", granted, c.FeatureEnabled("EXPORT"))
	}
}
