package wixauth

import (
	"testing"
	"time"
)

// The margin adapts to the lifetime Wix gives: a token is used for half of
// a short life, and RenewBefore bounds it for a long one.
func TestMarginAdaptsToLifetime(t *testing.T) {
	a := &Auth{cfg: Config{RenewBefore: 5 * time.Minute}}
	issued := time.Date(2026, 1, 1, 12, 0, 0, 700e6, time.UTC)
	for _, c := range []struct {
		lifetime, notDueAt, dueAt time.Duration
	}{
		{time.Second, 499 * time.Millisecond, 500 * time.Millisecond},
		{time.Minute, 29 * time.Second, 30 * time.Second},
		{4 * time.Hour, 4*time.Hour - 5*time.Minute - time.Millisecond, 4*time.Hour - 5*time.Minute},
	} {
		tok := Tokens{AccessToken: AccessToken{Value: "a", ExpiresAt: issued.Unix() + int64(c.lifetime/time.Second), issued: issued.UnixMilli()}}
		if a.due(tok, issued) {
			t.Errorf("lifetime %v: due the moment it was issued", c.lifetime)
		}
		if a.due(tok, issued.Add(c.notDueAt)) || !a.due(tok, issued.Add(c.dueAt)) {
			t.Errorf("lifetime %v: want due from %v after issue, not at %v", c.lifetime, c.dueAt, c.notDueAt)
		}
	}
	// Unknown arrival (tokens from the SDK's JSON): RenewBefore, from ExpiresAt.
	tok := Tokens{AccessToken: AccessToken{Value: "a", ExpiresAt: issued.Unix() + 60}}
	if !a.due(tok, issued) {
		t.Error("a token of unknown lifetime expiring within RenewBefore is not due")
	}
}
