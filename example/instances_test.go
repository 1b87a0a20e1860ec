package main

import (
	"net/http"
	"testing"

	"github.com/wixauth/wixauth/internal/redistest"
)

// Several instances behind a load balancer share one Redis and one fake Wix
// (README, "Running several instances": one wixtest command, WIX_API_URL
// pointing every instance at it): a visitor hopping between them keeps one
// session, one set of visitor tokens and one cart.
func TestCartAcrossInstancesOnSharedFake(t *testing.T) {
	rs := redistest.Start(t)
	e := newEnvWithStore(t, rs.URL)
	other := e.startInstance() // same fake, same Redis
	b := e.browser()

	hops := []struct {
		instance string
		add      bool
		want     int
	}{
		{e.appURL, true, 1},
		{other, false, 1},
		{other, true, 2},
		{e.appURL, false, 2},
		{other, true, 3},
		{e.appURL, false, 3},
	}
	var cookie string
	for i, h := range hops {
		var p page
		if h.add {
			p = b.post(h.instance+"/api/cart", nil, "")
		} else {
			p = b.get(h.instance + "/api/cart")
		}
		if p.StatusCode != http.StatusOK {
			t.Fatalf("hop %d (%s): %d %s", i, h.instance, p.StatusCode, p.Body)
		}
		items := cartItems(t, p.Body)
		if len(items) != 1 || items[0].Quantity != h.want {
			t.Fatalf("hop %d (%s): cart %s, want one item of quantity %d", i, h.instance, p.Body, h.want)
		}
		c := b.sessionCookie()
		if c == nil {
			t.Fatalf("hop %d: no session cookie", i)
		}
		if cookie != "" && c.Value != cookie {
			t.Fatalf("hop %d (%s): the session cookie changed: the instances do not share the session", i, h.instance)
		}
		cookie = c.Value
	}
	if n := e.fake.TokenCalls("anonymous"); n != 1 {
		t.Errorf("%d anonymous token calls over the hops, want 1 (one visitor, one shared fake)", n)
	}
}
