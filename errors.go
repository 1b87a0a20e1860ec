package wixauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/wixauth/wixauth/internal/wire"
)

// APIError is a non-success answer from Wix. It carries what Wix said and the
// request ID that Wix support asks for, never the request's tokens.
type APIError struct {
	// StatusCode is the HTTP status Wix answered with.
	StatusCode int
	// Code is Wix's details.applicationError.code, or the OAuth "error" field
	// (such as "invalid_grant") for the token endpoint.
	Code string
	// Description is the matching description or error_description.
	Description string
	// Message is Wix's top-level message, if any.
	Message string
	// FieldViolations lists the bad fields of a validation error.
	FieldViolations []FieldViolation
	// RequestID is the x-wix-request-id header of the answer.
	RequestID string
	// RetryAfter is the wait Wix asked for with a 429 or 503, if it said.
	RetryAfter time.Duration
	// Endpoint is the path that was called, without query.
	Endpoint string
}

// FieldViolation names one field that Wix refused and why.
type FieldViolation struct {
	Field       string
	Description string
	// Type is data.type, such as "EMAIL".
	Type string
}

// Error says what Wix answered, with the endpoint and the request ID.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "wixauth: %s answered %d %s", e.Endpoint, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		fmt.Fprintf(&b, ": %s", e.Code)
	}
	if d := firstNonEmpty(e.Description, e.Message); d != "" {
		fmt.Fprintf(&b, " (%s)", d)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [x-wix-request-id %s]", e.RequestID)
	}
	return b.String()
}

// LogValue makes slog log the error's fields apart, so that Wix's request ID
// can be searched for.
func (e *APIError) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("msg", e.Error()),
		slog.Int("status", e.StatusCode),
		slog.String("code", e.Code),
		slog.String("endpoint", e.Endpoint),
		slog.String("wix_request_id", e.RequestID),
	)
}

// Temporary reports whether trying again later may succeed: a rate limit or a
// server-side failure, as opposed to a refusal of the request itself.
func (e *APIError) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// ErrNotMember is returned by calls that need a logged-in member.
var ErrNotMember = errors.New("wixauth: the session has no logged-in member")

// newAPIError reads a failed answer. body is what was read of it.
func newAPIError(resp *http.Response, endpoint string, body []byte) *APIError {
	e := &APIError{
		StatusCode: resp.StatusCode,
		RequestID:  resp.Header.Get("x-wix-request-id"),
		Endpoint:   endpoint,
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After")),
	}
	var wb wire.ErrorBody
	if json.Unmarshal(body, &wb) != nil {
		// An HTML error page or a truncated body: the status says enough.
		return e
	}
	e.Message = wb.Message
	e.Code = firstNonEmpty(wb.Details.ApplicationError.Code, wb.Error)
	e.Description = firstNonEmpty(wb.Details.ApplicationError.Description, wb.ErrorDescription)
	for _, v := range wb.Details.ValidationError.FieldViolations {
		e.FieldViolations = append(e.FieldViolations, FieldViolation{Field: v.Field, Description: v.Description, Type: v.Data.Type})
	}
	return e
}

func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	var secs int
	if _, err := fmt.Sscanf(v, "%d", &secs); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
