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
	b, _, _ := h.store.Store.Find(token)
	return b
}

// Two well-formed session cookies (a browser holding a cookie for a parent
// domain and one for the host): the first is used, as net/http and
// browsers order them, and neither session is written or replaced.
func TestDuplicateValidSessionCookies(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.seed(h.memberTokens(time.Now().Add(4 * time.Hour)))
	member := sessionCookie(t, h).Value
	unknown := strings.Repeat("A", 43) // well-formed, no such session
	before := storedBytes(h, member)
	h.resetCounts()
	resp := rawGet(t, h, "session="+member+"; session="+unknown)
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
		resp := rawGet(t, h, "session="+junk+"; session="+member)
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

// Sessions written with scs's default gob codec (before an app switched to
// wixauth.Codec) keep their member: read, no renewal, no write.
func TestSessionWrittenByOlderCodec(t *testing.T) {
	h := newHarness(t, func(c *wixauth.Config) {
		codec, _ := wixauth.NewCodec()
		c.Sessions.Codec = codec
	}, nil)
	h.seed(h.memberTokens(time.Now().Add(4 * time.Hour)))
	token := sessionCookie(t, h).Value
	// Re-encode the stored values as the older codec wrote them.
	_, values, err := h.sm.Codec.Decode(storedBytes(h, token))
	if err != nil {
		t.Fatal(err)
	}
	old, err := scs.GobCodec{}.Encode(time.Now().Add(time.Hour), values)
	if err != nil {
		t.Fatal(err)
	}
	h.store.Store.Commit(token, old, time.Now().Add(time.Hour))
	h.resetCounts()
	if code, body := h.get("/"); code != 200 || body != "member" {
		t.Fatalf("got %d %q, want the member", code, body)
	}
	if h.wix.TokenCalls("") != 0 || h.store.commits.Load() != 0 {
		t.Errorf("%d token calls, %d writes for a readable older session", h.wix.TokenCalls(""), h.store.commits.Load())
	}
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
			c, _ := wixauth.NewCodec(otherKey)
			out, _ := c.Encode(time.Now().Add(time.Hour), map[string]interface{}{"wixauth.tokens": []byte{1}})
			return out
		},
		"plain data": func(b []byte) []byte {
			c, _ := wixauth.NewCodec()
			out, _ := c.Encode(time.Now().Add(time.Hour), map[string]interface{}{"wixauth.tokens": []byte{1}})
			return out
		},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, func(c *wixauth.Config) {
				codec, _ := wixauth.NewCodec(key)
				c.Sessions.Codec = codec
			}, nil)
			h.seed(h.memberTokens(time.Now().Add(4 * time.Hour)))
			token := sessionCookie(t, h).Value
			h.store.Store.Commit(token, tamper(storedBytes(h, token)), time.Now().Add(time.Hour))
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
