package wixauth_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/internal/redistest"
	"github.com/wixauth/wixauth/internal/testutil"
	"github.com/wixauth/wixauth/stores"
	"github.com/wixauth/wixauth/wixtest"
)

// Over https the cookie keeps "__Host-" whatever its name: a manager whose
// cookie was renamed after NewSessions (which silently dropped the prefix)
// is refused by New with what to do; the near misses, a name given to
// NewSessions (prefixed) and NoHostPrefix (the documented opt-out), pass
// (issue #20, finding 8).
func TestHostPrefixKeptWhateverTheName(t *testing.T) {
	wix := wixtest.NewServer()
	defer wix.Close()
	base := "https://shop.example.com"
	build := func(o wixauth.SessionOptions, rename string) error {
		o.BaseURL = base
		sm, err := wixauth.NewSessions(o)
		if err != nil {
			t.Fatal(err)
		}
		if rename != "" {
			sm.Cookie.Name = rename
		}
		_, err = wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, BaseURL: base, Sessions: sm})
		return err
	}
	if err := build(wixauth.SessionOptions{}, "shop_session"); err == nil || !strings.Contains(err.Error(), "__Host-") || !strings.Contains(err.Error(), "CookieName") {
		t.Errorf("renamed after NewSessions: %v, want refused, naming CookieName", err)
	}
	if err := build(wixauth.SessionOptions{CookieName: "shop_session"}, ""); err != nil {
		t.Errorf("named by NewSessions: %v", err)
	}
	if err := build(wixauth.SessionOptions{NoHostPrefix: true}, "shop_session"); err != nil {
		t.Errorf("NoHostPrefix, renamed: %v", err)
	}
	if err := build(wixauth.SessionOptions{}, "__Host-shop_session"); err != nil {
		t.Errorf("renamed keeping the prefix: %v", err)
	}
}

// A store outside the process without Keys is a Warn at start-up (refresh
// tokens in the clear for whoever reads Redis); with Keys, or in memory,
// nothing.
func TestWarnRedisWithoutKeys(t *testing.T) {
	rs := redistest.Start(t)
	st, err := stores.Open(rs.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tc := range []struct {
		name string
		o    wixauth.SessionOptions
		warn bool
	}{
		{"redis without keys", wixauth.SessionOptions{Store: st.Sessions}, true},
		{"redis with keys", wixauth.SessionOptions{Store: st.Sessions, Keys: [][]byte{bytes.Repeat([]byte{1}, 32)}}, false},
		{"memory", wixauth.SessionOptions{}, false},
	} {
		logs := &testutil.LockedBuffer{}
		tc.o.Logger = slog.New(slog.NewTextHandler(logs, nil))
		if _, err := wixauth.NewSessions(tc.o); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(logs.String(), "without SessionOptions.Keys"); got != tc.warn {
			t.Errorf("%s: warned %v, want %v; logs: %s", tc.name, got, tc.warn, logs.String())
		}
	}
}
