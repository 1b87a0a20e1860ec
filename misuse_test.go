package wixauth_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/wixtest"
)

// A background job that calls ClientFor with a context of its own gets a
// Client whose calls fail with ErrNoClient, which names Auth.NewClient, and
// an Error line saying the same; before, scs panicked with "no session
// data in context" (issue #22, item 2).
func TestClientForOutsideARequest(t *testing.T) {
	wix := wixtest.NewServer()
	t.Cleanup(wix.Close)
	var logs bytes.Buffer
	a, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var c *wixauth.Client
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("ClientFor(context.Background()) panicked: %v", p)
			}
		}()
		c = a.ClientFor(context.Background())
	}()
	err = c.Get(context.Background(), "/members/v1/members/my", nil)
	if !errors.Is(err, wixauth.ErrNoClient) || !strings.Contains(err.Error(), "Auth.NewClient") {
		t.Errorf("a call of that Client: %v, want ErrNoClient naming Auth.NewClient", err)
	}
	if l := logs.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "Auth.ClientFor") || !strings.Contains(l, "Auth.NewClient") {
		t.Errorf("log: %q, want an Error line naming Auth.ClientFor and Auth.NewClient", l)
	}
	if n := wix.TokenCalls(""); n != 0 {
		t.Errorf("%d token calls, want none", n)
	}
	t.Logf("error: %v\nlog: %s", err, logs.String())
}
