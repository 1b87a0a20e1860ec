package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
)

// config is what the checks need to reach a Wix site.
type config struct {
	ClientID, APIURL, RedirectURI string
	Email, Password, APIKey       string
}

// answer is one HTTP exchange with Wix, its JSON body decoded when it has
// one.
type answer struct {
	Status   int
	Body     map[string]any
	Raw      string
	Location string // of a redirect
}

// str digs a string out of the body by dotted path.
func (a answer) str(path string) string {
	var v any = a.Body
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

// String is what a check shows of a surprising answer.
func (a answer) String() string {
	raw := a.Raw
	if len(raw) > 300 {
		raw = raw[:300] + "…"
	}
	return fmt.Sprintf("HTTP %d %s", a.Status, raw)
}

// call posts body (JSON unless it is url.Values, raw bytes with no
// content type when it is []byte) to path with authz.
func (c *config) call(ctx context.Context, path, authz string, body any) (answer, error) {
	var rd io.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case url.Values:
		rd, contentType = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	case []byte:
		rd, contentType = bytes.NewReader(b), ""
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return answer{}, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.APIURL+path, rd)
	if err != nil {
		return answer{}, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	return do(req)
}

// browser loads pages as a browser without JavaScript would: one cookie
// jar for the whole flow (Wix's pages may set a cookie and redirect to
// themselves), redirects followed one at a time by the caller, so that it
// sees where each one goes.
type browser struct{ c *http.Client }

func newBrowser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{&http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// get loads a page without following its redirect.
func (b *browser) get(ctx context.Context, u string) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return answer{}, err
	}
	return doWith(b.c, req)
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func do(req *http.Request) (answer, error) { return doWith(noRedirects, req) }

func doWith(c *http.Client, req *http.Request) (answer, error) {
	resp, err := c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return answer{}, err
	}
	a := answer{Status: resp.StatusCode, Raw: string(b), Location: resp.Header.Get("Location")}
	_ = json.Unmarshal(b, &a.Body)
	return a, nil
}

// visitor mints visitor tokens with the anonymous grant.
func (c *config) visitor(ctx context.Context) (access, refresh string, err error) {
	a, err := c.call(ctx, "/oauth2/token", "", map[string]string{"clientId": c.ClientID, "grantType": "anonymous"})
	if err != nil {
		return "", "", err
	}
	if a.Status != http.StatusOK || a.str("access_token") == "" {
		return "", "", fmt.Errorf("the anonymous grant failed: %v", a)
	}
	return a.str("access_token"), a.str("refresh_token"), nil
}

// sessionToken logs the member in with the custom-login call.
func (c *config) sessionToken(ctx context.Context, access string) (string, error) {
	a, err := c.call(ctx, "/_api/iam/authentication/v2/login", access,
		map[string]any{"loginId": map[string]string{"email": c.Email}, "password": c.Password})
	if err != nil {
		return "", err
	}
	if a.str("state") != "SUCCESS" || a.str("sessionToken") == "" {
		return "", fmt.Errorf("login of %s did not succeed (it must need no captcha and no verification): %v", c.Email, a)
	}
	return a.str("sessionToken"), nil
}

// pkce is one login's state and PKCE pair.
type pkce struct{ state, verifier, challenge string }

func newPKCE() pkce {
	b := make([]byte, 48)
	rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(v))
	rand.Read(b[:24])
	return pkce{state: base64.RawURLEncoding.EncodeToString(b[:24]), verifier: v, challenge: base64.RawURLEncoding.EncodeToString(sum[:])}
}

// authSession creates an auth redirect session; redirectURI "" leaves it out.
func (c *config) authSession(ctx context.Context, access string, p pkce, redirectURI, mode, prompt, sessionToken string) (answer, error) {
	ar := map[string]any{"clientId": c.ClientID, "codeChallenge": p.challenge, "codeChallengeMethod": "S256",
		"responseMode": mode, "responseType": "code", "scope": "offline_access", "state": p.state}
	if redirectURI != "" {
		ar["redirectUri"] = redirectURI
	}
	if sessionToken != "" {
		ar["sessionToken"] = sessionToken
	}
	return c.call(ctx, "/_api/redirects-api/v1/redirect-session", access, map[string]any{"auth": map[string]any{"authRequest": ar, "prompt": prompt}})
}

// exchange trades a code for tokens; redirectURI "" leaves it out.
func (c *config) exchange(ctx context.Context, code, verifier, redirectURI string) (answer, error) {
	body := map[string]string{"clientId": c.ClientID, "grantType": "authorization_code", "code": code, "codeVerifier": verifier}
	if redirectURI != "" {
		body["redirectUri"] = redirectURI
	}
	return c.call(ctx, "/oauth2/token", "", body)
}
