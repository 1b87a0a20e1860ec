package redirects_test

import (
	"net/http"
	"net/url"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wixauth/wixauth/internal/flowtest"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/redirects"
	"github.com/wixauth/wixauth/wixtest"
)

// Every callback, the preferences and the origin reach Wix in the SDK's
// shape, and the intents the SDK added are accepted.
func TestCreateRedirectSession(t *testing.T) {
	f := flowtest.NewFixture(t, nil)
	no := false
	cb := redirects.Callbacks{
		PostFlowURL: "https://app.example/done", ThankYouPageURL: "https://app.example/thanks",
		CartPageURL: "https://app.example/cart", LoginURL: "https://app.example/login",
		BookingsServiceListURL: "https://app.example/services", PlanListURL: "https://app.example/plans",
	}
	f.Run(func(c *wixauth.Client, r *http.Request) {
		rs, err := redirects.Create(r.Context(), c, redirects.Request{
			Intent:    map[string]any{"bookingsBook": map[string]any{"resourceId": "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed"}},
			Callbacks: cb,
			Preferences: &redirects.Preferences{UseGenericWixPages: &no, MaintainIdentity: &no,
				AdditionalQueryParameters: map[string]string{"lang": "fr", "utm_source": "app"}},
			Origin: "https://app.example",
		})
		if err != nil {
			t.Fatalf("CreateRedirectSession: %v", err)
		}
		u, _ := url.Parse(rs.FullURL)
		if u.Query().Get("lang") != "fr" || rs.AuthorizationEndpoint == "" || rs.SessionToken == "" {
			t.Errorf("redirect session %+v: Wix's URL lacks the additional parameters", rs)
		}
	})
	want := map[string]any{
		"bookingsBook": map[string]any{"resourceId": "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed"},
		"callbacks": map[string]any{"postFlowUrl": cb.PostFlowURL, "thankYouPageUrl": cb.ThankYouPageURL, "cartPageUrl": cb.CartPageURL,
			"loginUrl": cb.LoginURL, "bookingsServiceListUrl": cb.BookingsServiceListURL, "planListUrl": cb.PlanListURL},
		"preferences": map[string]any{"useGenericWixPages": false, "maintainIdentity": false,
			"additionalQueryParameters": map[string]any{"lang": "fr", "utm_source": "app"}},
		"origin": "https://app.example",
	}
	if body := f.LastBody(wixtest.EndpointRedirectSession); !reflect.DeepEqual(body, want) {
		t.Errorf("body = %v\nwant %v", body, want)
	}
	f.Run(func(c *wixauth.Client, r *http.Request) {
		if _, err := redirects.Create(r.Context(), c, redirects.Request{
			Intent: map[string]any{"ecomOrderPaymentRequest": map[string]any{"paymentRequestId": "2c1b5e4a-7f0d-4c3e-8a9b-6d5e4f3a2b1c"}},
		}); err != nil {
			t.Errorf("ecomOrderPaymentRequest: %v", err)
		}
		// Wix's GUID fields hold GUIDs.
		if _, err := redirects.Create(r.Context(), c, redirects.Request{
			Intent: map[string]any{"ecomOrderPaymentRequest": map[string]any{"paymentRequestId": "pr-1"}},
		}); err == nil {
			t.Errorf("a payment request ID that is no GUID was accepted")
		}
	})
}

// SyncToWixPages keeps the SDK's 7-day memory in the session: one URL, then
// none until the week is over or force is set.
func TestSyncToWixPages(t *testing.T) {
	var skew atomic.Int64
	f := flowtest.NewFixture(t, func(c *wixauth.Config) {
		c.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	})
	sync := func(force bool) (u string, synced bool) {
		f.Run(func(c *wixauth.Client, r *http.Request) {
			var err error
			if u, err = redirects.SyncToWixPages(r.Context(), c, force); err != nil {
				t.Fatalf("SyncToWixPages: %v", err)
			}
			synced = redirects.IsSessionSynced(r.Context(), c)
		})
		return u, synced
	}
	f.Run(func(c *wixauth.Client, r *http.Request) {
		if redirects.IsSessionSynced(r.Context(), c) {
			t.Errorf("a new session is synced")
		}
	})
	if u, synced := sync(false); u == "" || !synced {
		t.Fatalf("first sync: %q, synced %v", u, synced)
	}
	if body := f.LastBody(wixtest.EndpointRedirectSession); !reflect.DeepEqual(body, map[string]any{"login": map[string]any{}}) {
		t.Errorf("warm-up body = %v, want {\"login\": {}}", body)
	}
	skew.Store(int64(6 * 24 * time.Hour))
	if u, synced := sync(false); u != "" || !synced {
		t.Errorf("6 days later: %q, synced %v; want no URL", u, synced)
	}
	if u, _ := sync(true); u == "" {
		t.Errorf("force: no URL")
	}
	skew.Store(int64(6*24*time.Hour + redirects.SyncMemory))
	f.Run(func(c *wixauth.Client, r *http.Request) {
		if redirects.IsSessionSynced(r.Context(), c) {
			t.Errorf("synced more than 7 days after the last sync")
		}
	})
	if u, _ := sync(false); u == "" {
		t.Errorf("after a week: no URL")
	}
	if n := f.Wix.Count(wixtest.EndpointRedirectSession); n != 3 {
		t.Errorf("%d warm-up sessions, want 3", n)
	}

	// A failed call leaves the session unsynced, as the SDK does.
	f.Wix.Fail(wixtest.EndpointRedirectSession, wixtest.Fault{Status: http.StatusServiceUnavailable})
	f.Run(func(c *wixauth.Client, r *http.Request) {
		if _, err := redirects.SyncToWixPages(r.Context(), c, true); err == nil {
			t.Errorf("a failed sync reported no error")
		}
		if redirects.IsSessionSynced(r.Context(), c) {
			t.Errorf("synced after a failed sync")
		}
	})
}
