package redirects

import (
	"context"
	"errors"
	"time"

	"github.com/wixauth/wixauth"
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

// Request is a redirect session to create, as the SDK's
// createRedirectSession() takes it.
type Request struct {
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

// Session is Wix's answer to a redirect session request: a one-time URL
// on one of Wix's pages.
type Session struct {
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

// To creates a one-time URL on one of Wix's own pages, such as checkout,
// with the tokens of c's session. intent names the page and its data (see
// Request) and callbacks say where Wix sends the browser afterwards. Create
// also takes preferences and an origin.
func To(ctx context.Context, c *wixauth.Client, intent map[string]any, callbacks Callbacks) (*Session, error) {
	return Create(ctx, c, Request{Intent: intent, Callbacks: callbacks})
}

// Create creates the redirect session req describes, as the SDK's
// redirects.createRedirectSession().
func Create(ctx context.Context, c *wixauth.Client, req Request) (*Session, error) {
	if c == nil {
		return nil, wixauth.ErrNoClient
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
	return CreateFromBody(ctx, c, body)
}

// SyncURL returns a URL that sets Wix's own session cookie in the browser:
// load it once in a hidden iframe so that later redirects to Wix's pages
// (login, checkout) are faster. SyncToWixPages does the same with the
// SDK's memory of when it last did.
func SyncURL(ctx context.Context, c *wixauth.Client) (string, error) {
	rs, err := CreateFromBody(ctx, c, map[string]any{"login": struct{}{}})
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

// IsSessionSynced reports whether SyncToWixPages gave the session of ctx
// a URL within SyncMemory, as the SDK's sessions.isSessionSynced().
func IsSessionSynced(ctx context.Context, c *wixauth.Client) bool {
	if c == nil {
		return false
	}
	cfg := c.Auth().Config()
	ms, ok := cfg.Sessions.Get(ctx, syncKey).(int64)
	if !ok {
		return false
	}
	age := cfg.Now().Sub(time.UnixMilli(ms))
	return age >= 0 && age < SyncMemory
}

// SyncToWixPages is the SDK's sessions.syncToWixPages(): unless force is set
// or IsSessionSynced, it returns a URL to load in a hidden iframe (see
// SyncURL) and remembers in the session that it did; else it returns "".
// The SDK notes the time once the iframe has loaded; a server cannot see
// that, so the time is noted when the URL is handed out.
func SyncToWixPages(ctx context.Context, c *wixauth.Client, force bool) (string, error) {
	if c == nil {
		return "", wixauth.ErrNoClient
	}
	if !force && IsSessionSynced(ctx, c) {
		return "", nil
	}
	cfg := c.Auth().Config()
	cfg.Sessions.Remove(ctx, syncKey)
	u, err := SyncURL(ctx, c)
	if err != nil {
		return "", err
	}
	cfg.Sessions.Put(ctx, syncKey, cfg.Now().UnixMilli())
	return u, nil
}

// CreateFromBody creates a redirect session from body, a request as Wix's REST
// docs give it, for intents that Create does not build, such as package
// oauth's auth intent.
func CreateFromBody(ctx context.Context, c *wixauth.Client, body any) (*Session, error) {
	if c == nil {
		return nil, wixauth.ErrNoClient
	}
	var resp wire.RedirectSessionResponse
	if err := c.Post(ctx, wire.RedirectSessionPath, body, &resp); err != nil {
		return nil, err
	}
	rs := resp.RedirectSession
	if rs.FullURL == "" {
		return nil, errors.New("wixauth: Wix answered a redirect session without a URL")
	}
	return &Session{ID: rs.ID, FullURL: rs.FullURL, ShortURL: rs.ShortURL,
		AuthorizationEndpoint: rs.URLDetails.Endpoint, SessionToken: rs.SessionToken}, nil
}
