package wixauth_test

import (
	"testing"
	"time"

	"github.com/wixauth/wixauth/wixtest"
)

// A token endpoint that writes expires_in as a JSON string
// (wixtest.WithNumbersAsStrings; the SDK reads Number(expires_in), A19)
// serves new visitors and renews members as one that writes a number.
func TestNumbersAsStringsServeTheSession(t *testing.T) {
	h := newHarnessWix(t, []wixtest.Option{wixtest.WithNumbersAsStrings()}, nil, nil)
	if code, body := h.get("/"); code != 200 || body != "visitor" {
		t.Fatalf("new visitor: %d %q", code, body)
	}
	if exp := h.lastSeen().Expiry(); time.Until(exp) < 4*time.Hour-time.Minute || time.Until(exp) > 4*time.Hour+time.Minute {
		t.Errorf("expiry %v, want now + 4h", exp)
	}
	h.seed(h.memberTokens(time.Now().Add(-time.Minute)))
	if code, body := h.get("/"); code != 200 || body != "member" {
		t.Fatalf("renewal: %d %q", code, body)
	}
	if exp := h.lastSeen().Expiry(); time.Until(exp) < 4*time.Hour-time.Minute {
		t.Errorf("renewed expiry %v, want now + 4h", exp)
	}
	if n := h.wix.TokenCalls("refresh_token"); n != 1 {
		t.Errorf("%d refresh calls, want 1", n)
	}
}
