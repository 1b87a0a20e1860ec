package wixauth_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/redisstore"
	"github.com/alexedwards/scs/v2"
	"github.com/gomodule/redigo/redis"
	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/internal/redistest"
	"github.com/wixauth/wixauth/session"
	"github.com/wixauth/wixauth/stores"
	"github.com/wixauth/wixauth/wixtest"
)

// An app that kept its sessions with plain scs and redisstore (keys that
// are the cookies, scs:session:<cookie>, gob values) moves to wixauth's
// manager. With MigrateUnhashedKeys during a migration, the first request
// of each old cookie finds the app's values, the session moves to its
// hashed key and the old key is deleted; without it (the default), the
// app's values are gone and the old key stays until it expires.
func TestMigrateUnhashedKeysFromRedisstore(t *testing.T) {
	rs := redistest.Start(t)
	pool := &redis.Pool{Dial: func() (redis.Conn, error) { return redis.Dial("tcp", rs.Addr) }}
	t.Cleanup(func() { pool.Close() })
	conn := func() redis.Conn { c := pool.Get(); t.Cleanup(func() { c.Close() }); return c }

	// The app before: plain scs on redisstore, as its README sets it up.
	old := scs.New()
	old.Store = redisstore.New(pool)
	oldCookie := func(userID int) string {
		w := httptest.NewRecorder()
		old.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			old.Put(r.Context(), "user_id", userID)
		})).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		for _, c := range w.Result().Cookies() {
			if c.Name == "session" {
				return c.Value
			}
		}
		t.Fatal("plain scs set no session cookie")
		return ""
	}

	wix := wixtest.NewServer()
	t.Cleanup(wix.Close)
	st, err := stores.Open(rs.URL + "?prefix=scs:session:") // the old manager's prefix
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	app := func(o session.Options) (*scs.SessionManager, http.Handler) {
		o.Store, o.CookieName, o.Logger = st.Sessions, "session", quietLogger()
		sm, err := session.New(o)
		if err != nil {
			t.Fatal(err)
		}
		auth, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, BaseURL: "http://app.test", Sessions: sm, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		return sm, auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(strconv.Itoa(sm.GetInt(r.Context(), "user_id")) + " " + string(wixauth.FromRequest(r).Tokens().Role())))
		}))
	}
	get := func(h http.Handler, cookie string) string {
		r := httptest.NewRequest(http.MethodGet, "http://app.test/", nil)
		r.AddCookie(&http.Cookie{Name: "session", Value: cookie})
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Body.String()
	}
	exists := func(key string) bool {
		n, err := redis.Int(conn().Do("EXISTS", key))
		if err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	// retired: the key holds a tombstone, no session.
	retired := func(key string) bool {
		v, err := redis.Bytes(conn().Do("GET", key))
		return err == nil && len(v) > 0 && v[0] == session.TombstoneByte
	}

	t.Run("default: the app's values are not found", func(t *testing.T) {
		cookie := oldCookie(42)
		_, h := app(session.Options{MigrateUntil: time.Now().Add(time.Hour)})
		if got := get(h, cookie); got != "0 visitor" {
			t.Errorf("first request: %q, want a new visitor (0 visitor)", got)
		}
		if !exists("scs:session:" + cookie) {
			t.Errorf("the old key was deleted without the option")
		}
	})

	t.Run("MigrateUnhashedKeys: moved on the first request", func(t *testing.T) {
		cookie := oldCookie(42)
		_, h := app(session.Options{MigrateUntil: time.Now().Add(time.Hour), MigrateUnhashedKeys: true})
		if got := get(h, cookie); got != "42 visitor" {
			t.Fatalf("first request: %q, want the app's user_id (42 visitor)", got)
		}
		if !retired("scs:session:" + cookie) {
			t.Errorf("the old key, a live cookie, still holds the session after the move")
		}
		if !exists("scs:session:"+session.Key(cookie)) || retired("scs:session:"+session.Key(cookie)) {
			t.Errorf("the session is not under its hashed key")
		}
		if got := get(h, cookie); got != "42 visitor" {
			t.Errorf("second request: %q, want 42 visitor from the hashed key", got)
		}
		tokenCalls := wix.TokenCalls("anonymous")
		get(h, cookie)
		if n := wix.TokenCalls("anonymous"); n != tokenCalls {
			t.Errorf("the moved session minted visitor tokens again (%d -> %d): its tokens were not saved", tokenCalls, n)
		}
	})

	t.Run("a login on the old cookie retires both keys", func(t *testing.T) {
		cookie := oldCookie(42)
		sm, _ := app(session.Options{MigrateUntil: time.Now().Add(time.Hour), MigrateUnhashedKeys: true})
		auth, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, BaseURL: "http://app.test", Sessions: sm, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		login := auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := auth.RenewSession(r.Context()); err != nil {
				t.Error(err)
			}
		}))
		get(login, cookie)
		if !retired("scs:session:" + cookie) {
			t.Errorf("the old key, a live cookie, still holds the session after a renewal")
		}
		if !retired("scs:session:" + session.Key(cookie)) {
			t.Errorf("the hashed key after the renewal is not a tombstone")
		}
	})

	t.Run("a value in wixauth's own form under a cookie is refused", func(t *testing.T) {
		cookie := oldCookie(7)
		if _, err := conn().Do("SET", "scs:session:"+cookie, "\xb1planted"); err != nil {
			t.Fatal(err)
		}
		_, h := app(session.Options{MigrateUntil: time.Now().Add(time.Hour), MigrateUnhashedKeys: true})
		if got := get(h, cookie); !strings.HasPrefix(got, "0 ") {
			t.Errorf("planted framed value: %q, want a new session", got)
		}
	})

	t.Run("the migration ends by itself", func(t *testing.T) {
		cookie := oldCookie(42)
		_, h := app(session.Options{MigrateUntil: time.Now().Add(300 * time.Millisecond), MigrateUnhashedKeys: true})
		time.Sleep(400 * time.Millisecond)
		if got := get(h, cookie); got != "0 visitor" {
			t.Errorf("after the migration: %q, want a new visitor", got)
		}
	})

	if _, err := session.New(session.Options{MigrateUnhashedKeys: true}); err == nil || !strings.Contains(err.Error(), "MigrateUntil") {
		t.Errorf("MigrateUnhashedKeys without a migration: %v, want an error naming MigrateUntil", err)
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
