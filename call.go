package wixauth

// Calls to Wix with JSON in and out: a session's (Client.Get, Post) and
// those made outside any session (Auth.Post: token grants, token info,
// sign-on).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
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

// maxAnswer bounds what is read of any answer from Wix, so that a broken or
// hostile upstream cannot make the server buffer without limit.
const maxAnswer = 4 << 20

// jsonRequest builds a request to target with in, if not nil, as its JSON
// body.
func jsonRequest(ctx context.Context, method, target string, in any) (*http.Request, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("wixauth: encoding the body for %s: %w", target, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, fmt.Errorf("wixauth: building the request for %s: %w", target, err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// readAnswer reads the whole answer and closes it. A status outside 2xx comes
// back as *APIError.
func readAnswer(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	endpoint := resp.Request.URL.Path
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, fmt.Errorf("wixauth: reading the answer of %s: %w", endpoint, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return body, newAPIError(resp, endpoint, body)
	}
	if len(body) > maxAnswer {
		return nil, fmt.Errorf("wixauth: the answer of %s is larger than %d bytes", endpoint, maxAnswer)
	}
	return body, nil
}

func decodeAnswer(resp *http.Response, out any) error {
	body, err := readAnswer(resp)
	if err != nil || out == nil {
		return err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("wixauth: %s answered a body that is not the JSON expected: %w", resp.Request.URL.Path, err)
	}
	return nil
}

// Post calls POST path on the Wix API outside any session, with
// authorization as the raw Authorization value if not empty, and decodes
// the answer into out, which may be nil. It is for the calls that are not
// a visitor's or member's: token grants, token info, and the external
// login's sign-on (which authorizes with a token and an API key). A
// non-2xx answer is returned as *APIError.
func (a *Auth) Post(ctx context.Context, path, authorization string, in, out any) error {
	return a.postJSON(ctx, path, authorization, in, out)
}

func (a *Auth) postJSON(ctx context.Context, path, authz string, in, out any) error {
	req, err := jsonRequest(ctx, http.MethodPost, a.cfg.APIURL+path, in)
	if err != nil {
		return err
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := a.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("wixauth: calling %s: %w", path, err)
	}
	return decodeAnswer(resp, out)
}
