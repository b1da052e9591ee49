package licensekit

// #include <stdlib.h>
// #include <licensekit.h>
import "C"

import (
	"context"
	"sync"
)

// Checkout is capacity held on the server for a client: a floating seat, element-pool
// elements or the process's concurrency session. Release gives it back (defer it).
type Checkout struct {
	once     sync.Once
	err      error
	giveBack func(context.Context) error
}

// Release gives the capacity back; later calls return the first call's result.
func (h *Checkout) Release(ctx context.Context) error {
	h.once.Do(func() { h.err = h.giveBack(ctx) })
	return h.err
}

// FloatingSeat takes a seat of a floating feature (kept by heartbeats until Release;
// errors.Is StatusSeatsExhausted when every seat is in use).
func (c *Client) FloatingSeat(ctx context.Context, code string) (*Checkout, error) {
	if err := c.FloatingCheckout(ctx, code); err != nil {
		return nil, err
	}
	return &Checkout{giveBack: func(ctx context.Context) error { return c.FloatingCheckin(ctx, code) }}, nil
}

// PoolElements draws n elements from an element pool until Release.
func (c *Client) PoolElements(ctx context.Context, code string, n uint32) (*Checkout, error) {
	err := c.online(ctx, &code, func(p *C.lk_client, s *C.char) C.lk_status { return C.lk_pool_checkout(p, s, C.uint32_t(n)) })
	if err != nil {
		return nil, err
	}
	return &Checkout{giveBack: func(ctx context.Context) error {
		return c.online(ctx, &code, func(p *C.lk_client, s *C.char) C.lk_status { return C.lk_pool_checkin(p, s, C.uint32_t(n)) })
	}}, nil
}

// Session opens this process's cloud-concurrency session until Release
// (StatusConcurrencyLimit when the allowed number of processes already run).
func (c *Client) Session(ctx context.Context) (*Checkout, error) {
	if err := c.online(ctx, nil, func(p *C.lk_client, _ *C.char) C.lk_status { return C.lk_session_open(p) }); err != nil {
		return nil, err
	}
	return &Checkout{giveBack: func(ctx context.Context) error {
		return c.online(ctx, nil, func(p *C.lk_client, _ *C.char) C.lk_status { return C.lk_session_close(p) })
	}}, nil
}

// FloatingCheckout takes a seat without a Checkout (see FloatingSeat).
func (c *Client) FloatingCheckout(ctx context.Context, code string) error {
	return c.online(ctx, &code, func(p *C.lk_client, s *C.char) C.lk_status { return C.lk_floating_checkout(p, s) })
}

// FloatingCheckoutLongTerm checks a seat out for days days, kept offline (server function
// LTCO; StatusLongTermCheckoutRefused otherwise).
func (c *Client) FloatingCheckoutLongTerm(ctx context.Context, code string, days uint32) error {
	return c.online(ctx, &code, func(p *C.lk_client, s *C.char) C.lk_status {
		return C.lk_floating_checkout_long_term(p, s, C.uint32_t(days))
	})
}

// FloatingCheckin gives a seat back (ends a long-term check-out early too).
func (c *Client) FloatingCheckin(ctx context.Context, code string) error {
	return c.online(ctx, &code, func(p *C.lk_client, s *C.char) C.lk_status { return C.lk_floating_checkin(p, s) })
}

// ConsumeTokens spends n consumption tokens exactly once and returns the tokens left
// (StatusTokensExhausted, nothing spent, when fewer are left).
func (c *Client) ConsumeTokens(ctx context.Context, code string, n uint32) (uint64, error) {
	var remaining C.uint64_t
	err := c.online(ctx, &code, func(p *C.lk_client, s *C.char) C.lk_status {
		return C.lk_consume_tokens(p, s, C.uint32_t(n), &remaining)
	})
	if err != nil {
		return 0, err
	}
	return uint64(remaining), nil
}

// OfflineActivationRequest is an activation request (armoured text) to carry to a connected
// computer, where the vendor turns it into a certificate.
func (c *Client) OfflineActivationRequest(code string) (string, error) {
	var out string
	err := c.withCode(code, func(p *C.lk_client, s *C.char) error {
		var e error
		out, e = textOut(func(b *C.char, n C.size_t, needed *C.size_t) C.lk_status {
			return C.lk_offline_activation_request(p, s, b, n, needed)
		})
		return e
	})
	return out, err
}

// ImportCertificate imports an activation certificate or a passive license; a refusal
// writes nothing.
func (c *Client) ImportCertificate(text string) error {
	return c.withCode(text, func(p *C.lk_client, s *C.char) error {
		return call(func() C.lk_status { return C.lk_import_certificate(p, s) })
	})
}

// OfflineDeactivationCertificate removes the license and returns the deactivation
// certificate for the vendor.
func (c *Client) OfflineDeactivationCertificate() (string, error) {
	return c.text(func(p *C.lk_client, b *C.char, n C.size_t, needed *C.size_t) C.lk_status {
		return C.lk_offline_deactivation_certificate(p, b, n, needed)
	})
}
