package wixauth_test

// Hostile or stale input that reaches the middleware: session cookies and
// the session data behind them. Complements middleware_test.go (garbage
// cookie values, tampered records, undecodable store bytes): each case here
// gets a 200 (a safe fallback) or a clear 4xx, and leaves every existing
// session exactly as it was.

import (
	"bytes"
	"crypto/rand"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/session"
)

// rawGet sends GET / with a hand-made Cookie header and no jar.
func rawGet(t *testing.T, h *harness, cookie string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", h.app.URL+"/", nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// storedBytes is what the store holds for a session token.
func storedBytes(h *harness, token string) []byte {
	return h.store.raw(token)
}

// Two well-formed session cookies (a browser holding a cookie for a parent
// domain and one for the host): the first that names a live session is
// used, and neither session is written or replaced.
func TestDuplicateValidSessionCookies(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.seed(h.memberTokens(time.Now().Add(4 * time.Hour)))
	member := sessionCookie(t, h).Value
	unknown := strings.Repeat("A", 43) // well-formed, no such session
	before := storedBytes(h, member)
	h.resetCounts()
	name := h.sm.Cookie.Name
	resp := rawGet(t, h, name+"="+member+"; "+name+"="+unknown)
	if resp.StatusCode != 200 || resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("member cookie first: %d, Set-Cookie %q; want 200 and no new cookie", resp.StatusCode, resp.Header.Get("Set-Cookie"))
	}
	if h.lastSeen().Role() != wixauth.RoleMember {
		t.Errorf("the first cookie's session was not used")
	}
	if h.store.commits.Load() != 0 || !bytes.Equal(storedBytes(h, member), before) {
		t.Errorf("the member's session was written")
	}
}

// A garbage cookie in front of the real one (a stale cookie of another
// path or domain) must not hide the session: the first well-formed value
// is used. Otherwise every request of that browser starts a new visitor
// and its Set-Cookie cannot replace a cookie of another path or domain,
// so the member is logged out for good.
func TestGarbageCookieBeforeRealOne(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.seed(h.memberTokens(time.Now().Add(4 * time.Hour)))
	member := sessionCookie(t, h).Value
	for _, junk := range []string{"x", "not-a-session", strings.Repeat("A", 44), "%zz"} {
		h.resetCounts()
		resp := rawGet(t, h, h.sm.Cookie.Name+"="+junk+"; "+h.sm.Cookie.Name+"="+member)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if got := h.lastSeen().Role(); got != wixauth.RoleMember || h.wix.TokenCalls("anonymous") != 0 {
			t.Errorf("junk %q before the session cookie: served as %q with %d new visitor tokens; want the member's session",
				junk, got, h.wix.TokenCalls("anonymous"))
		}
	}
}

// A huge Cookie header (many cookies of other apps on the same host) is
// served as a new visitor when it has no session, and never reaches the
// store with junk. Past net/http's 1 MB header limit the server answers
// 431 itself.
func TestOversizedCookieHeader(t *testing.T) {
	h := newHarness(t, nil, nil)
	var b strings.Builder
	for i := 0; b.Len() < 200<<10; i++ {
		b.WriteString("other")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString("=value; ")
	}
	if resp := rawGet(t, h, b.String()); resp.StatusCode != 200 {
		t.Errorf("200 KB of other cookies: status %d, want 200", resp.StatusCode)
	}
	if resp := rawGet(t, h, "session="+strings.Repeat("A", 2<<20)); resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a 2 MB cookie: status %d, want 431", resp.StatusCode)
	}
	if n := h.store.finds.Load(); n != 0 {
		t.Errorf("%d store reads for cookies that hold no session", n)
	}
}

// Sessions written with scs's default gob codec by scs's own store (before
// an app switched to wixauth) keep their member: read once, with no
// renewal, and written back in the new form by the same request; from then
// on a request writes nothing. With keys (added in the same switch), the
// value written back is sealed.
func TestSessionWrittenByOlderCodec(t *testing.T) {
	for _, keyed := range []bool{false, true} {
		h := newHarnessWith(t, func(o *session.Options) {
			o.MigrateUntil = time.Now().Add(time.Hour) // the operator's migration
			if keyed {
				o.Keys = [][]byte{bytes.Repeat([]byte{7}, 32)}
			}
		}, nil, nil)
		h.seed(h.memberTokens(time.Now().Add(4 * time.Hour)))
		token := sessionCookie(t, h).Value
		var key []byte
		if keyed {
			key = bytes.Repeat([]byte{7}, 32)
		}
		values := map[string]interface{}{"wixauth.tokens": h.storedValues(token, key)["wixauth.tokens"], "app.cart": "3 items"}
		old, err := scs.GobCodec{}.Encode(time.Now().Add(time.Hour), values)
		if err != nil {
			t.Fatal(err)
		}
		h.store.put(token, old)
		h.resetCounts()
		if code, body := h.get("/"); code != 200 || body != "member" {
			t.Fatalf("keys %v: got %d %q, want the member", keyed, code, body)
		}
		if h.wix.TokenCalls("") != 0 || h.store.commits.Load() != 1 {
			t.Errorf("keys %v: %d token calls, %d writes for an older session; want 0 and 1 (written back)", keyed, h.wix.TokenCalls(""), h.store.commits.Load())
		}
		raw := h.store.raw(token)
		if want := byte(0xB1 + boolInt(keyed)); len(raw) == 0 || raw[0] != want {
			t.Errorf("keys %v: written back as % x..., want frame %x", keyed, raw[:min(len(raw), 4)], want)
		}
		if keyed && bytes.Contains(raw, []byte("3 items")) {
			t.Error("written back in the clear with keys set")
		}
		h.resetCounts()
		if code, body := h.get("/"); code != 200 || body != "member" || h.store.commits.Load() != 0 {
			t.Errorf("keys %v: the next request: %d %q with %d writes; want the member and none", keyed, code, body, h.store.commits.Load())
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Encrypted sessions tampered with in the store (one bit, truncation,
// another key's data, plain data) are no session: a new visitor, never a
// 500, and the browser keeps working.
func TestTamperedEncryptedSession(t *testing.T) {
	key := make([]byte, 32)
	rand.Read(key)
	otherKey := make([]byte, 32)
	rand.Read(otherKey)
	for name, tamper := range map[string]func([]byte) []byte{
		"bit flipped": func(b []byte) []byte { b[len(b)/2] ^= 1; return b },
		"truncated":   func(b []byte) []byte { return b[:len(b)/2] },
		"empty":       func([]byte) []byte { return []byte{} },
		"other key": func(b []byte) []byte {
			c, _ := session.NewCodec(otherKey)
			out, _ := c.Encode(time.Now().Add(time.Hour), map[string]interface{}{"wixauth.tokens": []byte{1}})
			return out
		},
		"plain data": func(b []byte) []byte {
			c, _ := session.NewCodec()
			out, _ := c.Encode(time.Now().Add(time.Hour), map[string]interface{}{"wixauth.tokens": []byte{1}})
			return out
		},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarnessWith(t, func(o *session.Options) { o.Keys = [][]byte{key} }, nil, nil)
			h.seed(h.memberTokens(time.Now().Add(4 * time.Hour)))
			token := sessionCookie(t, h).Value
			h.store.put(token, tamper(storedBytes(h, token)))
			h.resetCounts()
			if code, body := h.get("/"); code != 200 || body != "visitor" {
				t.Fatalf("got %d %q, want 200 visitor", code, body)
			}
			if code, body := h.get("/"); code != 200 || body != "visitor" || h.wix.TokenCalls("") != 1 {
				t.Errorf("the next request: %d %q after %d token calls; want the same visitor", code, body, h.wix.TokenCalls(""))
			}
		})
	}
}
