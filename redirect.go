package wixauth

import (
	"context"
	"errors"

	"github.com/wixauth/wixauth/internal/wire"
)

// Callbacks are the URLs a Wix page sends the browser back to.
type Callbacks struct {
	PostFlowURL     string `json:"postFlowUrl,omitempty"`
	ThankYouPageURL string `json:"thankYouPageUrl,omitempty"`
	CartPageURL     string `json:"cartPageUrl,omitempty"`
	LoginURL        string `json:"loginUrl,omitempty"`
}

// RedirectSession is Wix's answer to a redirect session request.
type RedirectSession struct {
	ID string
	// FullURL is where to send the browser.
	FullURL  string
	ShortURL string
}

// RedirectSession creates a one-time URL on one of Wix's own pages, such as
// checkout, with the session's tokens. intent names the page and its data,
// as Wix's REST docs give it, for example
//
//	map[string]any{"ecomCheckout": map[string]any{"checkoutId": id}}
//
// and callbacks say where Wix sends the browser afterwards. Only ever pass
// callback URLs of your own app.
func (c *Client) RedirectSession(ctx context.Context, intent map[string]any, callbacks Callbacks) (*RedirectSession, error) {
	if c == nil {
		return nil, ErrNoClient
	}
	if len(intent) != 1 {
		return nil, errors.New("wixauth: RedirectSession takes exactly one intent, such as {\"ecomCheckout\": {...}}")
	}
	body := make(map[string]any, 2)
	for k, v := range intent {
		body[k] = v
	}
	if callbacks != (Callbacks{}) {
		body["callbacks"] = callbacks
	}
	return c.redirect(ctx, body)
}

// SyncURL returns a URL that sets Wix's own session cookie in the browser,
// the server-side counterpart of the SDK's sessions.syncWithWixPages(). Load
// it once in a hidden iframe so that later redirects to Wix's pages (login,
// checkout) are faster.
func (c *Client) SyncURL(ctx context.Context) (string, error) {
	return c.redirectURL(ctx, map[string]any{"login": struct{}{}})
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
	return &RedirectSession{ID: rs.ID, FullURL: rs.FullURL, ShortURL: rs.ShortURL}, nil
}

// redirectURL is redirect's full URL.
func (c *Client) redirectURL(ctx context.Context, body any) (string, error) {
	rs, err := c.redirect(ctx, body)
	if err != nil {
		return "", err
	}
	return rs.FullURL, nil
}
