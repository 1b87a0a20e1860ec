package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/wixauth/wixauth/handlers"
)

type verdict string

const (
	confirmed    verdict = "CONFIRMED"
	notConfirmed verdict = "NOT CONFIRMED"
	skipped      verdict = "SKIPPED"
	// notChecked: no HTTP client can check it (it needs a browser, or
	// would change the site); the detail says why.
	notChecked verdict = "NOT CHECKED"
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
	{"A14", "customFields must be a list; an object is refused", nil, because("it would create a member on the site")},
	{"A15", "GUID and Required fields of redirect-session intents are validated when the session is created", nil, because("it needs real bookings, plans and orders of the site")},
	{"A16", "the web_message page reaches its postMessage by HTTP redirects only, on origins the frame policy allows", needsMember, checkFrameOrigins},
	{"A17", "the 7-day sync memory may be noted when the URL is handed out", nil, because("only a browser sees whether the hidden iframe loaded")},
	{"A18", "session tokens and authorization codes are single use and short-lived", nil, because("their lifetimes would take minutes of waiting to bound, and Wix documents none")},
	{"A19", "expires_in and token-info exp/iat are JSON numbers, or strings of digits (wixauth reads both)", nil, checkNumberTypes},
}

// because is the run of a check that cannot be made without a browser or
// without changing the site: it says so, and why.
func because(why string) func(context.Context, *config) (verdict, string, error) {
	return func(context.Context, *config) (verdict, string, error) {
		return notChecked, "not checked, because " + why, nil
	}
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
	f, err := follow(ctx, newBrowser(), next, c.RedirectURI)
	if err != nil {
		return "", p, "", err
	}
	switch {
	case f.to == nil && f.last.Location == "":
		return "", p, fmt.Sprintf("Wix's page answered without redirecting (it may need a browser): %v", f.last), nil
	case f.to == nil:
		return "", p, "more than 10 redirects without reaching the redirect URI", nil
	}
	q := f.to.Query()
	if q.Get("code") == "" || q.Get("state") != p.state {
		return "", p, "back at the redirect URI without a code for the state: " + f.to.String(), nil
	}
	return q.Get("code"), p, "", nil
}

// followed is where a chain of redirects ended.
type followed struct {
	last    answer   // the last page loaded
	to      *url.URL // the redirect to stop at, if reached
	origins []string // every origin loaded, in order, without repeats
}

// follow loads start and its redirects with b (its cookies kept), up to
// 10, and stops before loading a URL under stop ("" never stops).
func follow(ctx context.Context, b *browser, start, stop string) (followed, error) {
	var f followed
	next := start
	for hop := 0; hop < 10; hop++ {
		u, err := url.Parse(next)
		if err != nil {
			return f, err
		}
		if o := u.Scheme + "://" + u.Host; !slices.Contains(f.origins, o) {
			f.origins = append(f.origins, o)
		}
		if f.last, err = b.get(ctx, next); err != nil {
			return f, err
		}
		if f.last.Location == "" {
			return f, nil
		}
		to, err := u.Parse(f.last.Location)
		if err != nil {
			return f, err
		}
		if stop != "" && strings.HasPrefix(to.String(), stop) {
			f.to = to
			return f, nil
		}
		next = to.String()
	}
	return f, nil
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
	rs, p, err := c.directLoginSession(ctx)
	if err != nil {
		return "", "", err
	}
	if rs.Status != http.StatusOK {
		return notConfirmed, "the redirect session without redirectUri was refused: " + rs.String(), nil
	}
	f, err := follow(ctx, newBrowser(), rs.str("redirectSession.fullUrl"), "")
	if err != nil {
		return "", "", err
	}
	page := f.last
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

// checkFrameOrigins loads the SDK's direct-login frame (web_message, no
// redirectUri) as far as HTTP goes, and names the origins it passed
// through: the frame policy (frame-src) of /auth/direct-login must allow
// each. What the page's script does, and whether the app's listener takes
// its message, only a browser shows: run the e2e test for that.
func checkFrameOrigins(ctx context.Context, c *config) (verdict, string, error) {
	rs, p, err := c.directLoginSession(ctx)
	if err != nil {
		return "", "", err
	}
	if rs.Status != http.StatusOK {
		return notConfirmed, "the web_message redirect session was refused: " + rs.String(), nil
	}
	full := rs.str("redirectSession.fullUrl")
	f, err := follow(ctx, newBrowser(), full, "")
	if err != nil {
		return "", "", err
	}
	origins := strings.Join(f.origins, ", ")
	if !strings.Contains(f.last.Raw, "postMessage") || !strings.Contains(f.last.Raw, p.state) {
		return notChecked, "not checked, because the page needs a browser past " + origins + " (no postMessage with the state in its HTML): run the e2e test against the site", nil
	}
	u, _ := url.Parse(full)
	if len(f.origins) > 1 {
		var outside []string
		for _, o := range f.origins {
			if !handlers.FrameOriginAllowed(append([]string{strings.ToLower(u.Scheme + "://" + u.Host)}, handlers.DefaultFrameOrigins...), o) {
				outside = append(outside, o)
			}
		}
		msg := fmt.Sprintf("the frame moved from %s://%s to other origins (%s): the frame policy must allow them all", u.Scheme, u.Host, origins)
		if len(outside) > 0 {
			msg += "; outside handlers.DefaultFrameOrigins: " + strings.Join(outside, ", ") + " (add them to handlers.Config.FrameOrigins)"
		}
		return confirmed, msg, nil
	}
	return confirmed, "the frame stayed on " + origins, nil
}

// checkNumberTypes reads the JSON types of expires_in (a new visitor) and
// of token-info's exp and iat (that visitor's access token).
func checkNumberTypes(ctx context.Context, c *config) (verdict, string, error) {
	tok, err := c.call(ctx, "/oauth2/token", "", map[string]string{"clientId": c.ClientID, "grantType": "anonymous"})
	if err != nil {
		return "", "", err
	}
	if tok.Status != http.StatusOK {
		return notConfirmed, "the anonymous grant failed: " + tok.String(), nil
	}
	info, err := c.call(ctx, "/oauth2/token-info", "", map[string]string{"token": tok.str("access_token")})
	if err != nil {
		return "", "", err
	}
	if info.Status != http.StatusOK {
		return notConfirmed, "token-info failed: " + info.String(), nil
	}
	var forms []string
	ok := true
	for _, f := range []struct {
		name string
		v    any
	}{{"expires_in", tok.Body["expires_in"]}, {"exp", info.Body["exp"]}, {"iat", info.Body["iat"]}} {
		form := jsonForm(f.v)
		ok = ok && (form == "number" || form == "string of digits")
		forms = append(forms, f.name+": "+form)
	}
	if ok {
		return confirmed, strings.Join(forms, ", "), nil
	}
	return notConfirmed, strings.Join(forms, ", ") + ": wixauth refuses such a token answer", nil
}

// jsonForm names how a decoded JSON value spells a number.
func jsonForm(v any) string {
	switch v := v.(type) {
	case float64:
		return "number"
	case string:
		var n json.Number
		if v != "" && json.Unmarshal([]byte(v), &n) == nil && strings.Trim(v, "0123456789") == "" {
			return "string of digits"
		}
		return fmt.Sprintf("string %q", v)
	case nil:
		return "missing"
	}
	return fmt.Sprintf("%T", v)
}

// directLoginSession asks, as a new visitor, for the SDK's direct-login
// redirect session: the sign-on's session token, responseMode web_message,
// prompt none and no redirectUri. It returns the answer and the PKCE pair
// the session was asked with.
func (c *config) directLoginSession(ctx context.Context) (answer, pkce, error) {
	p := newPKCE()
	access, _, err := c.visitor(ctx)
	if err != nil {
		return answer{}, p, err
	}
	st, err := c.sessionToken(ctx, access)
	if err != nil {
		return answer{}, p, err
	}
	rs, err := c.authSession(ctx, access, p, "", "web_message", "none", st)
	return rs, p, err
}
