package wixtest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// testRedirectURIs are the callbacks the tests' auth requests use.
var testRedirectURIs = []string{"https://app.example/callback", "https://app.example/other"}

// newTestServer is NewServer with the tests' callbacks registered, as an
// app registers its own in the Wix dashboard.
func newTestServer(opts ...Option) *Server {
	return NewServer(append([]Option{WithRedirectURIs(testRedirectURIs...)}, opts...)...)
}

// resp is a finished HTTP exchange.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not JSON (%d): %s", r.Status, r.Body)
	}
	return m
}

// field digs a value out of a decoded JSON object by dotted path.
func field(m map[string]any, path string) any {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		o, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = o[k]
	}
	return v
}

func str(m map[string]any, path string) string {
	s, _ := field(m, path).(string)
	return s
}

func do(t *testing.T, method, u string, header http.Header, body string) resp {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, b}
}

func postJSON(t *testing.T, u, auth string, body any) resp {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Content-Type": {"application/json"}}
	if auth != "" {
		h.Set("Authorization", auth)
	}
	return do(t, http.MethodPost, u, h, string(b))
}

func postForm(t *testing.T, u string, v url.Values) resp {
	t.Helper()
	return do(t, http.MethodPost, u, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, v.Encode())
}

func get(t *testing.T, u, auth string) resp {
	t.Helper()
	h := http.Header{}
	if auth != "" {
		h.Set("Authorization", auth)
	}
	return do(t, http.MethodGet, u, h, "")
}

// expectStatus fails unless r has the status.
func expectStatus(t *testing.T, r resp, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
}

// expectOAuthError checks an RFC 6749 error answer.
func expectOAuthError(t *testing.T, r resp, code string) {
	t.Helper()
	expectStatus(t, r, http.StatusBadRequest)
	if got := str(r.json(t), "error"); got != code {
		t.Fatalf("error %q, want %q; body %s", got, code, r.Body)
	}
}

// expectAppError checks a Wix error answer.
func expectAppError(t *testing.T, r resp, status int, code string) {
	t.Helper()
	expectStatus(t, r, status)
	m := r.json(t)
	if got := str(m, "details.applicationError.code"); got != code {
		t.Fatalf("applicationError.code %q, want %q; body %s", got, code, r.Body)
	}
	if str(m, "message") == "" {
		t.Fatalf("error without message: %s", r.Body)
	}
}

func anonymous(t *testing.T, s *Server) (access, refresh string) {
	t.Helper()
	r := postJSON(t, s.URL+"/oauth2/token", "", map[string]string{"clientId": s.ClientID, "grantType": "anonymous"})
	expectStatus(t, r, http.StatusOK)
	m := r.json(t)
	return str(m, "access_token"), str(m, "refresh_token")
}

// pkce returns a verifier and its S256 challenge, computed here independently.
func pkce() (verifier, challenge string) {
	verifier = base64.RawURLEncoding.EncodeToString(randomBytes(32))
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

type authOpts struct {
	prompt       string // default "login"
	mode         string // default "query"
	sessionToken string
	redirectURI  string // default https://app.example/callback
	noRedirect   bool   // send no redirectUri at all, as the SDK's direct login

	verifier, state string // filled in by authBody
}

// authSession creates an auth redirect session and returns its fullUrl, the
// verifier and the state.
func authSession(t *testing.T, s *Server, access string, o authOpts) (fullURL, verifier, state string) {
	t.Helper()
	r := postJSON(t, s.URL+"/_api/redirects-api/v1/redirect-session", access, authBody(s, &o))
	expectStatus(t, r, http.StatusOK)
	return str(r.json(t), "redirectSession.fullUrl"), o.verifier, o.state
}

func authBody(s *Server, o *authOpts) map[string]any {
	if o.prompt == "" {
		o.prompt = "login"
	}
	if o.mode == "" {
		o.mode = "query"
	}
	if o.redirectURI == "" {
		o.redirectURI = "https://app.example/callback"
	}
	v, c := pkce()
	o.verifier, o.state = v, "st-"+randomB64(8)
	ar := map[string]any{
		"clientId": s.ClientID, "redirectUri": o.redirectURI, "codeChallenge": c,
		"codeChallengeMethod": "S256", "responseMode": o.mode, "responseType": "code",
		"scope": "offline_access", "state": o.state,
	}
	if o.sessionToken != "" {
		ar["sessionToken"] = o.sessionToken
	}
	if o.noRedirect {
		delete(ar, "redirectUri")
	}
	return map[string]any{"auth": map[string]any{"authRequest": ar, "prompt": o.prompt}}
}

// callbackParams follows the fullUrl once (no redirects) and returns the
// parameters of the redirect to the callback.
func callbackParams(t *testing.T, fullURL string) url.Values {
	t.Helper()
	r := get(t, fullURL, "")
	expectStatus(t, r, http.StatusFound)
	u, err := url.Parse(r.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

func exchange(t *testing.T, s *Server, code, verifier string) resp {
	t.Helper()
	return postJSON(t, s.URL+"/oauth2/token", "", map[string]string{
		"clientId": s.ClientID, "grantType": "authorization_code", "redirectUri": "https://app.example/callback",
		"code": code, "codeVerifier": verifier,
	})
}
