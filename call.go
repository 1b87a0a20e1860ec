package wixauth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

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

// postJSON posts in to path on the API host, with authz as the raw
// Authorization value if not empty, and decodes the answer into out. It is
// for calls made outside a session's Client, such as token grants.
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
