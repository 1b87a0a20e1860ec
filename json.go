package wixauth

import (
	"context"
	"net/http"
)

// Get calls GET path on the Wix API (for example "/ecom/v1/carts/current")
// and decodes the JSON answer into out, which may be nil. A non-2xx answer is
// returned as *APIError.
func (c *Client) Get(ctx context.Context, path string, out any) error {
	return c.callJSON(ctx, http.MethodGet, path, nil, out)
}

// Post calls POST path on the Wix API with in encoded as JSON and decodes the
// answer into out, which may be nil. A non-2xx answer is returned as
// *APIError.
func (c *Client) Post(ctx context.Context, path string, in, out any) error {
	return c.callJSON(ctx, http.MethodPost, path, in, out)
}

func (c *Client) callJSON(ctx context.Context, method, path string, in, out any) error {
	if c == nil {
		return ErrNoClient
	}
	req, err := jsonRequest(ctx, method, path, in)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	return decodeAnswer(resp, out)
}
