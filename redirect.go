package wixauth

import (
	"context"
	"errors"
	"time"

	"github.com/wixauth/wixauth/internal/wire"
)

// Callbacks are the URLs a Wix page sends the browser back to. Only ever
// give URLs of your own app.
type Callbacks struct {
	// PostFlowURL is where the browser lands when the flow ends, completed
	// or abandoned.
	PostFlowURL string `json:"postFlowUrl,omitempty"`
	// ThankYouPageURL replaces Wix's thank-you page after a checkout.
	ThankYouPageURL string `json:"thankYouPageUrl,omitempty"`
	// CartPageURL replaces Wix's cart page.
	CartPageURL string `json:"cartPageUrl,omitempty"`
	// LoginURL replaces Wix's login page.
	LoginURL string `json:"loginUrl,omitempty"`
	// BookingsServiceListURL replaces Wix's list of bookable services.
	BookingsServiceListURL string `json:"bookingsServiceListUrl,omitempty"`
	// PlanListURL replaces Wix's pricing plans page; Wix adds planIds and
	// checkoutData to it.
	PlanListURL string `json:"planListUrl,omitempty"`
}

// Preferences tune the Wix page of a redirect session. Nil fields keep
// Wix's defaults.
type Preferences struct {
	// UseGenericWixPages uses Wix's standard templates (Wix's default,
	// true); false uses the connected site's own pages.
	UseGenericWixPages *bool `json:"useGenericWixPages,omitempty"`
	// MaintainIdentity keeps the visitor or member on the Wix page (Wix's
	// default, true); false uses a new visitor. Not used by auth and logout.
	MaintainIdentity *bool `json:"maintainIdentity,omitempty"`
	// AdditionalQueryParameters are added to the Wix URL, such as UTM
	// parameters or "lang".
	AdditionalQueryParameters map[string]string `json:"additionalQueryParameters,omitempty"`
	// CheckIfPublish uses the site's published page for the intent when
	// there is one (Wix's default, false).
	CheckIfPublish *bool `json:"checkIfPublish,omitempty"`
}

// RedirectRequest is a redirect session to create, as the SDK's
// createRedirectSession() takes it.
type RedirectRequest struct {
	// Intent names the page and its data, exactly one, as Wix's REST docs
	// give it, for example
	//
	//	map[string]any{"ecomCheckout": map[string]any{"checkoutId": id}}
	Intent      map[string]any
	Callbacks   Callbacks
	Preferences *Preferences
	// Origin is the origin of the request, such as "https://shop.example".
	Origin string
}

// RedirectSession is Wix's answer to a redirect session request.
type RedirectSession struct {
	ID string
	// FullURL is where to send the browser.
	FullURL  string
	ShortURL string
	// AuthorizationEndpoint is FullURL's endpoint without its parameters
	// (Wix's urlDetails.endpoint).
	AuthorizationEndpoint string
	// SessionToken is the redirect session's own token.
	SessionToken string
}

// RedirectSession creates a one-time URL on one of Wix's own pages, such as
// checkout, with the session's tokens. intent names the page and its data
// (see RedirectRequest) and callbacks say where Wix sends the browser
// afterwards. CreateRedirectSession also takes preferences and an origin.
func (c *Client) RedirectSession(ctx context.Context, intent map[string]any, callbacks Callbacks) (*RedirectSession, error) {
	return c.CreateRedirectSession(ctx, RedirectRequest{Intent: intent, Callbacks: callbacks})
}

// CreateRedirectSession creates the redirect session req describes, as the
// SDK's redirects.createRedirectSession().
func (c *Client) CreateRedirectSession(ctx context.Context, req RedirectRequest) (*RedirectSession, error) {
	if c == nil {
		return nil, ErrNoClient
	}
	if len(req.Intent) != 1 {
		return nil, errors.New("wixauth: a redirect session takes exactly one intent, such as {\"ecomCheckout\": {...}}")
	}
	body := make(map[string]any, 4)
	for k, v := range req.Intent {
		body[k] = v
	}
	if req.Callbacks != (Callbacks{}) {
		body["callbacks"] = req.Callbacks
	}
	if req.Preferences != nil {
		body["preferences"] = req.Preferences
	}
	if req.Origin != "" {
		body["origin"] = req.Origin
	}
	return c.redirect(ctx, body)
}

// SyncURL returns a URL that sets Wix's own session cookie in the browser:
// load it once in a hidden iframe so that later redirects to Wix's pages
// (login, checkout) are faster. SyncToWixPages does the same with the
// SDK's memory of when it last did.
func (c *Client) SyncURL(ctx context.Context) (string, error) {
	rs, err := c.redirect(ctx, map[string]any{"login": struct{}{}})
	if err != nil {
		return "", err
	}
	return rs.FullURL, nil
}

// SyncMemory is how long a sync to Wix's pages counts, as in the SDK.
const SyncMemory = 7 * 24 * time.Hour

// syncKey holds, in the session, when SyncToWixPages last handed out a URL
// (Unix milliseconds): the SDK keeps it in localStorage, which a server has
// not.
const syncKey = "wixauth.wixPagesSynced"

// IsSessionSynced reports whether SyncToWixPages gave this session a URL
// within SyncMemory, as the SDK's sessions.isSessionSynced().
func (c *Client) IsSessionSynced() bool {
	if c == nil {
		return false
	}
	ms, ok := c.a.cfg.Sessions.Get(c.ctx, syncKey).(int64)
	if !ok {
		return false
	}
	age := c.a.cfg.Now().Sub(time.UnixMilli(ms))
	return age >= 0 && age < SyncMemory
}

// SyncToWixPages is the SDK's sessions.syncToWixPages(): unless force is set
// or IsSessionSynced, it returns a URL to load in a hidden iframe (see
// SyncURL) and remembers in the session that it did; else it returns "".
// The SDK notes the time once the iframe has loaded; a server cannot see
// that, so the time is noted when the URL is handed out.
func (c *Client) SyncToWixPages(ctx context.Context, force bool) (string, error) {
	if c == nil {
		return "", ErrNoClient
	}
	if !force && c.IsSessionSynced() {
		return "", nil
	}
	c.a.cfg.Sessions.Remove(c.ctx, syncKey)
	u, err := c.SyncURL(ctx)
	if err != nil {
		return "", err
	}
	c.a.cfg.Sessions.Put(c.ctx, syncKey, c.a.cfg.Now().UnixMilli())
	return u, nil
}

// redirect creates a redirect session from body.
func (c *Client) redirect(ctx context.Context, body any) (*RedirectSession, error) {
	if c == nil {
		return nil, ErrNoClient
	}
	var resp wire.RedirectSessionResponse
	if err := c.Post(ctx, wire.RedirectSessionPath, body, &resp); err != nil {
		return nil, err
	}
	rs := resp.RedirectSession
	if rs.FullURL == "" {
		return nil, errors.New("wixauth: Wix answered a redirect session without a URL")
	}
	return &RedirectSession{ID: rs.ID, FullURL: rs.FullURL, ShortURL: rs.ShortURL,
		AuthorizationEndpoint: rs.URLDetails.Endpoint, SessionToken: rs.SessionToken}, nil
}
