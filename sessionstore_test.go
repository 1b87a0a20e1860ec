package wixauth_test

import (
	"bytes"
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/session"
)

// New takes the caller's manager as it is or refuses it at start-up with
// what to change; it never changes it.
func TestNewRequiresSessionsFromNewSessions(t *testing.T) {
	good := func() *scs.SessionManager {
		sm, err := session.New(session.Options{BaseURL: "https://shop.example"})
		if err != nil {
			t.Fatal(err)
		}
		return sm
	}
	for name, tc := range map[string]struct {
		sm   func() *scs.SessionManager
		want string
	}{
		"plain scs manager":   {func() *scs.SessionManager { return scs.New() }, "session.New"},
		"store replaced":      {func() *scs.SessionManager { sm := good(); sm.Store = scs.New().Store; return sm }, "session.New"},
		"codec replaced":      {func() *scs.SessionManager { sm := good(); sm.Codec = scs.GobCodec{}; return sm }, "session.New"},
		"keys hashed twice":   {func() *scs.SessionManager { sm := good(); sm.HashTokenInStore = true; return sm }, "HashTokenInStore"},
		"SameSite Strict":     {func() *scs.SessionManager { sm := good(); sm.Cookie.SameSite = http.SameSiteStrictMode; return sm }, "SameSite=Lax"},
		"not Secure on https": {func() *scs.SessionManager { sm := good(); sm.Cookie.Secure = false; return sm }, "Secure"},
		"__Host- with Domain": {func() *scs.SessionManager { sm := good(); sm.Cookie.Domain = "example"; return sm }, "__Host-"},
	} {
		_, err := wixauth.New(wixauth.Config{ClientID: "id", BaseURL: "https://shop.example", Sessions: tc.sm()})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: New = %v, want an error naming %q", name, err, tc.want)
		}
	}

	sm := good()
	before := *sm
	if _, err := wixauth.New(wixauth.Config{ClientID: "id", BaseURL: "https://shop.example", Sessions: sm}); err != nil {
		t.Fatal(err)
	}
	if sm.Store != before.Store || !reflect.DeepEqual(sm.Cookie, before.Cookie) || sm.Codec != before.Codec ||
		sm.Lifetime != before.Lifetime || sm.HashTokenInStore != before.HashTokenInStore {
		t.Error("New changed the caller's session manager")
	}
}

// The default manager: hashed keys, HttpOnly, SameSite=Lax; over https
// Secure and "__Host-".
func TestDefaultSessions(t *testing.T) {
	for base, want := range map[string]string{"": "wixauth_session", "http://localhost:8080": "wixauth_session", "https://shop.example": "__Host-wixauth_session"} {
		a, err := wixauth.New(wixauth.Config{ClientID: "id", BaseURL: base})
		if err != nil {
			t.Fatal(err)
		}
		c := a.Config().Sessions.Cookie
		if c.Name != want || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != strings.HasPrefix(base, "https") {
			t.Errorf("BaseURL %q: cookie %+v", base, c)
		}
		if !storesHashedKeys(t, a.Config().Sessions) {
			t.Errorf("BaseURL %q: the session is stored under its cookie, not its hash", base)
		}
	}
}

// storesHashedKeys saves a session with sm and reports whether its store
// holds it under the hash of its cookie (session.Key) and not under the
// cookie itself.
func storesHashedKeys(t *testing.T, sm *scs.SessionManager) bool {
	t.Helper()
	ctx, err := sm.Load(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	sm.Put(ctx, "k", "v")
	token, _, err := sm.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	backend := sm.Store.(*session.Store).Backend()
	_, hashed, _ := backend.FindCtx(context.Background(), session.Key(token))
	_, plain, _ := backend.FindCtx(context.Background(), token)
	return hashed && !plain
}

// Sessions sealed by an older wixauth (sealed, not bound to their key)
// survive the upgrade during a migration: read once, written back sealed
// to their key. Without one (MigrateUntil), such values are refused.
func TestOlderSealedSessionsAreMigrated(t *testing.T) {
	key := bytes.Repeat([]byte{3}, 32)
	for _, strict := range []bool{false, true} {
		h := newHarnessWith(t, func(o *session.Options) {
			o.Keys = [][]byte{key}
			if !strict {
				o.MigrateUntil = time.Now().Add(time.Hour)
			}
		}, nil, nil)
		h.seed(h.memberTokens(time.Now().Add(4 * time.Hour)))
		token := sessionCookie(t, h).Value
		values := h.storedValues(token, key)
		older, _ := session.NewCodec(key)
		old, err := older.Encode(time.Now().Add(time.Hour), values)
		if err != nil {
			t.Fatal(err)
		}
		h.store.put(token, old)
		h.resetCounts()
		_, body := h.get("/")
		if strict {
			if body == "member" {
				t.Error("outside a migration: an older sealed value was accepted")
			}
			continue
		}
		if body != "member" || h.store.commits.Load() != 1 {
			t.Fatalf("older sealed session: %q with %d writes; want the member, written back once", body, h.store.commits.Load())
		}
		if raw := h.store.raw(token); raw[0] != 0xB2 {
			t.Errorf("written back as % x..., want sealed to its key", raw[:4])
		}
		h.storedValues(token, key) // opens under its own key
	}
}

// The store is given once: to Config (Store, Keys), which makes the
// manager, or to session.New for a manager the app shares; both at once is
// an error that says so, and a bad key is refused at start-up.
func TestStoreGivenOnce(t *testing.T) {
	key := bytes.Repeat([]byte{9}, 32)
	a, err := wixauth.New(wixauth.Config{ClientID: "id", BaseURL: "https://shop.example", Store: memstore.New(), Keys: [][]byte{key}})
	if err != nil {
		t.Fatal(err)
	}
	if sm := a.Config().Sessions; sm.Cookie.Name != "__Host-wixauth_session" || !storesHashedKeys(t, sm) {
		t.Errorf("the manager made from Config.Store: cookie %q, or keys not hashed", sm.Cookie.Name)
	}
	sm, err := session.New(session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wixauth.New(wixauth.Config{ClientID: "id", Sessions: sm, Store: memstore.New()}); err == nil || !strings.Contains(err.Error(), "both set") {
		t.Errorf("Sessions and Store: %v, want refused", err)
	}
	if _, err := wixauth.New(wixauth.Config{ClientID: "id", Sessions: sm, Keys: [][]byte{key}}); err == nil || !strings.Contains(err.Error(), "both set") {
		t.Errorf("Sessions and Keys: %v, want refused", err)
	}
	if _, err := wixauth.New(wixauth.Config{ClientID: "id", Keys: [][]byte{[]byte("short")}}); err == nil || !strings.Contains(err.Error(), "32 random bytes") {
		t.Errorf("a short key: %v, want refused", err)
	}
}
