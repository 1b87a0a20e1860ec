package otelwixauth

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// tokenPath is Wix's one token endpoint, for every grant.
const tokenPath = "/oauth2/token"

// transport records each call to Wix: a client span, its duration and, for
// the token endpoint, the grant and its outcome.
type transport struct {
	base http.RoundTripper
	in   *instruments
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	endpoint := template(req.URL.Path)
	attrs := []attribute.KeyValue{
		attribute.String("http.request.method", req.Method),
		attribute.String("wix.endpoint", endpoint),
	}
	grant := ""
	if endpoint == tokenPath {
		grant = grantOf(req)
		attrs = append(attrs, attribute.String("wixauth.grant", grant))
	}
	ctx, span := t.in.tracer.Start(req.Context(), "Wix "+req.Method+" "+endpoint,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attrs...),
		trace.WithAttributes(attribute.String("server.address", req.URL.Hostname())))
	defer span.End()

	start := time.Now()
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	elapsed := time.Since(start).Seconds()

	outcome := "ok"
	switch {
	case err != nil:
		outcome = "failed"
		attrs = append(attrs, attribute.String("error.type", errorType(err)))
		span.RecordError(err)
		span.SetStatus(codes.Error, "no answer from Wix")
	default:
		attrs = append(attrs, attribute.Int("http.response.status_code", resp.StatusCode))
		span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
		if id := resp.Header.Get("x-wix-request-id"); id != "" {
			span.SetAttributes(attribute.String("wix.request_id", id))
		}
		switch {
		case resp.StatusCode >= 500:
			outcome = "failed"
			span.SetStatus(codes.Error, "Wix answered "+strconv.Itoa(resp.StatusCode))
		case resp.StatusCode >= 400:
			outcome = "refused"
		}
	}
	t.in.callTime.Record(ctx, elapsed, metric.WithAttributes(attrs...))
	if endpoint == tokenPath {
		t.in.tokenCalls.Add(ctx, 1, metric.WithAttributes(
			attribute.String("wixauth.grant", grant),
			attribute.String("wixauth.outcome", outcome)))
	}
	return resp, err
}

// grantOf reads the grant type of a token request from a copy of its body
// (wixauth's requests can always be copied: GetBody is set). Nothing else of
// the body is kept: it holds refresh tokens, codes and verifiers.
func grantOf(req *http.Request) string {
	if req.GetBody == nil {
		return "unknown"
	}
	body, err := req.GetBody()
	if err != nil {
		return "unknown"
	}
	defer body.Close()
	var g struct {
		GrantType  string `json:"grantType"`  // the SDK's camelCase grants
		GrantType2 string `json:"grant_type"` // authorized_client, in snake_case
	}
	if json.NewDecoder(io.LimitReader(body, 64<<10)).Decode(&g) != nil {
		return "unknown"
	}
	switch g := g.GrantType + g.GrantType2; g {
	case "anonymous", "refresh_token", "authorization_code", "authorized_client":
		return g
	}
	return "other" // never an attacker-chosen string as a metric attribute
}

// template replaces the ID-like segments of path (GUIDs, long tokens with
// digits) by "{id}", so that endpoints such as /ecom/v1/carts/{id} make one
// metric series, not one per cart.
func template(path string) string {
	if !strings.ContainsAny(path, "0123456789") {
		return path
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if len(s) >= 16 && strings.ContainsAny(s, "0123456789") {
			segs[i] = "{id}"
		}
	}
	return strings.Join(segs, "/")
}

// errorType names a transport failure without its message, which may hold
// an address: "timeout" or the error's Go type.
func errorType(err error) string {
	if te, ok := err.(interface{ Timeout() bool }); ok && te.Timeout() {
		return "timeout"
	}
	return fmt.Sprintf("%T", err)
}
