package wixauth_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/wixtest"
)

// Every answer through ErrorHandler is reported as EventRequestRefused with
// its cause, also when the default handler answers, so that metrics count
// 503s and 429s without replacing it.
func TestRequestRefusedIsAnEvent(t *testing.T) {
	var mu sync.Mutex
	var refused []error
	h := newHarness(t, func(c *wixauth.Config) {
		c.RetryBackoff = time.Millisecond
		c.OnEvent = func(_ context.Context, e wixauth.Event) {
			if e.Kind == wixauth.EventRequestRefused {
				mu.Lock()
				refused = append(refused, e.Err)
				mu.Unlock()
			}
		}
	}, nil)

	h.wix.Fail(wixtest.EndpointToken, wixtest.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	if code, _ := h.get("/"); code != http.StatusServiceUnavailable {
		t.Fatalf("status %d while Wix fails, want the default handler's 503", code)
	}
	h.wix.ClearFaults()
	time.Sleep(20 * time.Millisecond) // past RetryBackoff
	if code, _ := h.get("/"); code != http.StatusOK {
		t.Fatalf("status %d once Wix answers again", code)
	}
	mu.Lock()
	defer mu.Unlock()
	var ae *wixauth.APIError
	if len(refused) != 1 || !errors.As(refused[0], &ae) || ae.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("refusals reported: %v, want exactly one, carrying Wix's 503", refused)
	}
}
