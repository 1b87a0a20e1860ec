package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

type verdict string

const (
	confirmed    verdict = "CONFIRMED"
	notConfirmed verdict = "NOT CONFIRMED"
	skipped      verdict = "SKIPPED"
)

// check is one assumption of docs/protocol.md and how to test it. needs
// says what the check cannot run without.
type check struct {
	ID, Assumption string
	needs          func(*config) string
	run            func(context.Context, *config) (verdict, string, error)
}

type result struct {
	ID, Assumption string
	Verdict        verdict
	Detail         string
}

func needsMember(c *config) string {
	if c.Email == "" || c.Password == "" {
		return "needs -email and -password of a member"
	}
	return ""
}

func needsAPIKey(c *config) string {
	if c.APIKey == "" || c.Email == "" {
		return "needs -api-key and -email"
	}
	return ""
}

// checks are in the order of docs/protocol.md's list of assumptions.
var checks = []check{
	{"A1", "a direct login with prompt=none and responseMode=query redirects to the redirect URI with a code", needsMember, checkQueryDirectLogin},
	{"A2", "a web_message auth request may leave out redirectUri; its code is exchanged without one", needsMember, checkWebMessageNoRedirect},
	{"A3", "a code exchange without its auth request's redirectUri is refused", needsMember, checkExchangeNeedsRedirect},
	{"A4", "a redirect URI not on the OAuth app's list is refused when the redirect session is created", nil, checkAllowList},
	{"A5", "the token endpoint refuses a JSON body sent without a Content-Type", nil, checkContentType},
	{"A6", "an unknown refresh token is refused with HTTP 400 invalid_grant", nil, checkBadRefresh},
	{"A7", "a renewal keeps the refresh token (no rotation)", nil, checkNoRotation},
	{"A8", "redirect sessions accept prompt consent and select_account", nil, checkPrompts},
	{"A9", "preferences.additionalQueryParameters are added to the redirect session's fullUrl", nil, checkQueryParameters},
	{"A10", "token-info answers 200 {\"active\": false} for an unknown token", nil, checkTokenInfo},
	{"A11", "the password-reset email refuses a relative redirect URL", needsMember, checkRelativeReset},
	{"A12", "sign-on answers sessionToken and identity.id, and the grant takes member_id and session_token without scope", needsAPIKey, checkSignOn},
	{"A13", "the authorized_client grant refuses a member_id that is not a GUID", needsAPIKey, checkMemberIDFormat},
}

func runChecks(ctx context.Context, c *config) []result {
	var out []result
	for _, ch := range checks {
		r := result{ID: ch.ID, Assumption: ch.Assumption}
		if ch.needs != nil {
			if why := ch.needs(c); why != "" {
				r.Verdict, r.Detail = skipped, why
				out = append(out, r)
				continue
			}
		}
		v, detail, err := ch.run(ctx, c)
		if err != nil {
			v, detail = notConfirmed, "could not run: "+err.Error()
		}
		r.Verdict, r.Detail = v, detail
		out = append(out, r)
	}
	return out
}

func verdictOf(ok bool, detail string) (verdict, string, error) {
	if ok {
		return confirmed, "", nil
	}
	return notConfirmed, detail, nil
}

// directLoginCode logs the member in and follows a query-mode direct
// login's redirects (on Wix's side only) to the redirect URI.
func directLoginCode(ctx context.Context, c *config) (code string, p pkce, detail string, err error) {
	access, _, err := c.visitor(ctx)
	if err != nil {
		return "", p, "", err
	}
	st, err := c.sessionToken(ctx, access)
	if err != nil {
		return "", p, "", err
	}
	p = newPKCE()
	rs, err := c.authSession(ctx, access, p, c.RedirectURI, "query", "none", st)
	if err != nil {
		return "", p, "", err
	}
	next := rs.str("redirectSession.fullUrl")
	if rs.Status != http.StatusOK || next == "" {
		return "", p, "the redirect session was refused: " + rs.String(), nil
	}
	for hop := 0; hop < 10; hop++ {
		page, err := get(ctx, next)
		if err != nil {
			return "", p, "", err
		}
		loc := page.Location
		if loc == "" {
			return "", p, fmt.Sprintf("Wix's page answered without redirecting (it may need a browser): %v", page), nil
		}
		u, err := url.Parse(next)
		if err != nil {
			return "", p, "", err
		}
		to, err := u.Parse(loc)
		if err != nil {
			return "", p, "", err
		}
		if strings.HasPrefix(to.String(), c.RedirectURI) {
			q := to.Query()
			if q.Get("code") == "" || q.Get("state") != p.state {
				return "", p, "back at the redirect URI without a code for the state: " + to.String(), nil
			}
			return q.Get("code"), p, "", nil
		}
		next = to.String()
	}
	return "", p, "more than 10 redirects without reaching the redirect URI", nil
}

func checkQueryDirectLogin(ctx context.Context, c *config) (verdict, string, error) {
	code, p, detail, err := directLoginCode(ctx, c)
	if err != nil || code == "" {
		return notConfirmed, detail, err
	}
	ex, err := c.exchange(ctx, code, p.verifier, c.RedirectURI)
	if err != nil {
		return "", "", err
	}
	return verdictOf(ex.Status == http.StatusOK && ex.str("refresh_token") != "", "the code exchange failed: "+ex.String())
}

var postedCode = regexp.MustCompile(`"code"\s*:\s*"([^"]+)"`)

func checkWebMessageNoRedirect(ctx context.Context, c *config) (verdict, string, error) {
	access, _, err := c.visitor(ctx)
	if err != nil {
		return "", "", err
	}
	st, err := c.sessionToken(ctx, access)
	if err != nil {
		return "", "", err
	}
	p := newPKCE()
	rs, err := c.authSession(ctx, access, p, "", "web_message", "none", st)
	if err != nil {
		return "", "", err
	}
	if rs.Status != http.StatusOK {
		return notConfirmed, "the redirect session without redirectUri was refused: " + rs.String(), nil
	}
	page, err := get(ctx, rs.str("redirectSession.fullUrl"))
	if err != nil {
		return "", "", err
	}
	m := postedCode.FindStringSubmatch(page.Raw)
	if m == nil || !strings.Contains(page.Raw, p.state) {
		return notConfirmed, "no code for the state in Wix's web_message page (it may need a browser): " + page.String(), nil
	}
	ex, err := c.exchange(ctx, m[1], p.verifier, "")
	if err != nil {
		return "", "", err
	}
	return verdictOf(ex.Status == http.StatusOK, "the exchange without redirectUri failed: "+ex.String())
}

func checkExchangeNeedsRedirect(ctx context.Context, c *config) (verdict, string, error) {
	code, p, detail, err := directLoginCode(ctx, c)
	if err != nil || code == "" {
		return notConfirmed, "no code to test with: " + detail, err
	}
	ex, err := c.exchange(ctx, code, p.verifier, "")
	if err != nil {
		return "", "", err
	}
	return verdictOf(ex.Status == http.StatusBadRequest, "Wix exchanged the code without its redirectUri: "+ex.String())
}

func checkAllowList(ctx context.Context, c *config) (verdict, string, error) {
	access, _, err := c.visitor(ctx)
	if err != nil {
		return "", "", err
	}
	rs, err := c.authSession(ctx, access, newPKCE(), "https://wixcheck.invalid/not-on-the-list", "query", "login", "")
	if err != nil {
		return "", "", err
	}
	return verdictOf(rs.Status >= 400 && rs.Status < 500, "Wix made a redirect session for an unlisted redirect URI (it may refuse it on its page instead): "+rs.String())
}

func checkContentType(ctx context.Context, c *config) (verdict, string, error) {
	a, err := c.call(ctx, "/oauth2/token", "", []byte(`{"clientId":"`+c.ClientID+`","grantType":"anonymous"}`))
	if err != nil {
		return "", "", err
	}
	return verdictOf(a.Status >= 400 && a.Status < 500, "Wix accepted it: "+a.String())
}

func checkBadRefresh(ctx context.Context, c *config) (verdict, string, error) {
	a, err := c.call(ctx, "/oauth2/token", "", map[string]string{"clientId": c.ClientID, "grantType": "refresh_token", "refreshToken": "JWS.wixcheck-unknown"})
	if err != nil {
		return "", "", err
	}
	return verdictOf(a.Status == http.StatusBadRequest && a.str("error") == "invalid_grant", "Wix answered "+a.String())
}

func checkNoRotation(ctx context.Context, c *config) (verdict, string, error) {
	_, refresh, err := c.visitor(ctx)
	if err != nil {
		return "", "", err
	}
	a, err := c.call(ctx, "/oauth2/token", "", map[string]string{"clientId": c.ClientID, "grantType": "refresh_token", "refreshToken": refresh})
	if err != nil {
		return "", "", err
	}
	if a.Status != http.StatusOK {
		return notConfirmed, "the renewal failed: " + a.String(), nil
	}
	got := a.str("refresh_token")
	return verdictOf(got == "" || got == refresh, "Wix answered a new refresh token: keep it (the SDK drops it)")
}

func checkPrompts(ctx context.Context, c *config) (verdict, string, error) {
	access, _, err := c.visitor(ctx)
	if err != nil {
		return "", "", err
	}
	for _, prompt := range []string{"consent", "select_account"} {
		rs, err := c.authSession(ctx, access, newPKCE(), c.RedirectURI, "query", prompt, "")
		if err != nil {
			return "", "", err
		}
		if rs.Status != http.StatusOK {
			return notConfirmed, "prompt " + prompt + ": " + rs.String(), nil
		}
	}
	return confirmed, "", nil
}

func checkQueryParameters(ctx context.Context, c *config) (verdict, string, error) {
	access, _, err := c.visitor(ctx)
	if err != nil {
		return "", "", err
	}
	rs, err := c.call(ctx, "/_api/redirects-api/v1/redirect-session", access,
		map[string]any{"login": map[string]any{}, "preferences": map[string]any{"additionalQueryParameters": map[string]string{"utm_source": "wixcheck"}}})
	if err != nil {
		return "", "", err
	}
	u, _ := url.Parse(rs.str("redirectSession.fullUrl"))
	return verdictOf(u != nil && u.Query().Get("utm_source") == "wixcheck", "fullUrl lacks the parameter: "+rs.String())
}

func checkTokenInfo(ctx context.Context, c *config) (verdict, string, error) {
	a, err := c.call(ctx, "/oauth2/token-info", "", map[string]string{"token": "OauthNG.JWS.wixcheck-unknown"})
	if err != nil {
		return "", "", err
	}
	return verdictOf(a.Status == http.StatusOK && a.Body["active"] == false, "Wix answered "+a.String())
}

func checkRelativeReset(ctx context.Context, c *config) (verdict, string, error) {
	access, _, err := c.visitor(ctx)
	if err != nil {
		return "", "", err
	}
	a, err := c.call(ctx, "/_api/iam/recovery/v1/send-email", access,
		map[string]any{"email": c.Email, "redirect": map[string]string{"url": "/wixcheck-reset", "clientId": c.ClientID}})
	if err != nil {
		return "", "", err
	}
	return verdictOf(a.Status >= 400 && a.Status < 500, "Wix accepted it (and may have emailed "+c.Email+"): "+a.String())
}

func checkSignOn(ctx context.Context, c *config) (verdict, string, error) {
	access, _, err := c.visitor(ctx)
	if err != nil {
		return "", "", err
	}
	authz := access + "," + c.APIKey
	so, err := c.call(ctx, "/_api/iam/authentication/v2/sign-on", authz, map[string]any{"loginId": map[string]string{"email": c.Email}})
	if err != nil {
		return "", "", err
	}
	if so.str("sessionToken") == "" || so.str("identity.id") == "" {
		return notConfirmed, "sign-on answered " + so.String(), nil
	}
	g, err := c.call(ctx, "/oauth2/token", authz, map[string]string{"grant_type": "authorized_client", "member_id": so.str("identity.id"), "session_token": so.str("sessionToken")})
	if err != nil {
		return "", "", err
	}
	return verdictOf(g.Status == http.StatusOK && g.str("refresh_token") != "", "the grant answered "+g.String())
}

func checkMemberIDFormat(ctx context.Context, c *config) (verdict, string, error) {
	access, _, err := c.visitor(ctx)
	if err != nil {
		return "", "", err
	}
	g, err := c.call(ctx, "/oauth2/token", access+","+c.APIKey, map[string]string{"grant_type": "authorized_client", "scope": "offline_access", "member_id": "wixcheck-not-a-guid"})
	if err != nil {
		return "", "", err
	}
	return verdictOf(g.Status >= 400 && g.Status < 500, "Wix answered "+g.String())
}
