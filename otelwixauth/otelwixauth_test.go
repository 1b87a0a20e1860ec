package otelwixauth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/otelwixauth"
	"github.com/wixauth/wixauth/wixauthtest"
	"github.com/wixauth/wixauth/wixtest"
)

// telemetry is an instrumented wixauthtest.Env with in-memory exporters.
type telemetry struct {
	env    *wixauthtest.Env
	reader *sdkmetric.ManualReader
	spans  *tracetest.SpanRecorder
}

func newTelemetry(t *testing.T, opts ...wixauthtest.Option) *telemetry {
	t.Helper()
	tel := &telemetry{reader: sdkmetric.NewManualReader(), spans: tracetest.NewSpanRecorder()}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.reader))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tel.spans))
	opts = append(opts, wixauthtest.WithConfig(func(c *wixauth.Config) {
		cfg, err := otelwixauth.Instrument(*c, otelwixauth.WithMeterProvider(mp), otelwixauth.WithTracerProvider(tp))
		if err != nil {
			t.Fatal(err)
		}
		*c = cfg
	}))
	tel.env = wixauthtest.New(t, opts...)
	return tel
}

// serve runs one request through the middleware and returns the session
// cookie it set, if any.
func (tel *telemetry) serve(t *testing.T, cookie *http.Cookie) (*httptest.ResponseRecorder, *http.Cookie) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, wixauthtest.BaseURL+"/", nil)
	if cookie != nil {
		r.AddCookie(cookie)
	}
	w := tel.env.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	}), r)
	for _, c := range w.Result().Cookies() {
		return w, c
	}
	return w, cookie
}

// sum returns the value of the counter name for the data point whose
// attributes include all of want.
func (tel *telemetry) sum(t *testing.T, name string, want ...attribute.KeyValue) int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			data, ok := m.Data.(metricdata.Sum[int64])
			if !ok {
				t.Fatalf("%s is %T, not an int64 sum", name, m.Data)
			}
			for _, dp := range data.DataPoints {
				if hasAll(dp.Attributes, want) {
					total += dp.Value
				}
			}
		}
	}
	return total
}

func hasAll(set attribute.Set, want []attribute.KeyValue) bool {
	for _, kv := range want {
		v, ok := set.Value(kv.Key)
		if !ok || v != kv.Value {
			return false
		}
	}
	return true
}

func TestNewVisitorAndRenewalAreCounted(t *testing.T) {
	tel := newTelemetry(t)
	_, cookie := tel.serve(t, nil)
	if cookie == nil {
		t.Fatal("the first request set no session cookie")
	}
	anon := []attribute.KeyValue{attribute.String("wixauth.grant", "anonymous"), attribute.String("wixauth.outcome", "ok")}
	if n := tel.sum(t, "wixauth.token.calls", anon...); n != 1 {
		t.Fatalf("anonymous token calls = %d, want 1", n)
	}
	if n := tel.sum(t, "wixauth.events", attribute.String("wixauth.event", "new_visitor"), attribute.String("wixauth.role", "visitor")); n != 1 {
		t.Fatalf("new_visitor events = %d, want 1", n)
	}

	// Steady requests call nobody.
	tel.serve(t, cookie)
	if n := tel.sum(t, "wixauth.token.calls"); n != 1 {
		t.Fatalf("token calls after a steady request = %d, want 1", n)
	}

	tel.env.Advance(tel.env.Wix.AccessTokenLifetime())
	tel.serve(t, cookie)
	if n := tel.sum(t, "wixauth.token.calls", attribute.String("wixauth.grant", "refresh_token"), attribute.String("wixauth.outcome", "ok")); n != 1 {
		t.Fatalf("refresh_token calls = %d, want 1", n)
	}
	if n := tel.sum(t, "wixauth.events", attribute.String("wixauth.event", "renewal")); n != 1 {
		t.Fatalf("renewal events = %d, want 1", n)
	}

	spans := tel.spans.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2 (one per token call)", len(spans))
	}
	for _, s := range spans {
		if s.Name() != "Wix POST /oauth2/token" {
			t.Errorf("span name %q", s.Name())
		}
		attrs := attribute.NewSet(s.Attributes()...)
		if v, ok := attrs.Value("wix.request_id"); !ok || v.AsString() == "" {
			t.Errorf("span %q has no wix.request_id: %v", s.Name(), s.Attributes())
		}
		if v, _ := attrs.Value("http.response.status_code"); v.AsInt64() != http.StatusOK {
			t.Errorf("span status code %v, want 200", v.AsInt64())
		}
	}
}

func TestFailedTokenCallIsAnErrorSpanAndRefusal(t *testing.T) {
	tel := newTelemetry(t)
	tel.env.Wix.Fail(wixtest.EndpointToken, wixtest.Fault{Status: http.StatusServiceUnavailable})
	w, _ := tel.serve(t, nil)
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503 while Wix fails", w.Code)
	}
	if n := tel.sum(t, "wixauth.token.calls", attribute.String("wixauth.grant", "anonymous"), attribute.String("wixauth.outcome", "failed")); n != 1 {
		t.Fatalf("failed anonymous calls = %d, want 1", n)
	}
	if n := tel.sum(t, "wixauth.events", attribute.String("wixauth.event", "error")); n != 1 {
		t.Fatalf("error events = %d, want 1", n)
	}
	spans := tel.spans.Ended()
	if len(spans) != 1 || spans[0].Status().Code != codes.Error {
		t.Fatalf("want one error span, got %d spans", len(spans))
	}
}

func TestClientErrorIsRefusedNotFailed(t *testing.T) {
	tel := newTelemetry(t)
	tel.env.Wix.Fail(wixtest.EndpointToken, wixtest.Fault{Status: http.StatusBadRequest, Body: `{"error":"invalid_request"}`})
	tel.serve(t, nil)
	if n := tel.sum(t, "wixauth.token.calls", attribute.String("wixauth.outcome", "refused")); n != 1 {
		t.Fatalf("refused token calls = %d, want 1", n)
	}
	if spans := tel.spans.Ended(); len(spans) != 1 || spans[0].Status().Code == codes.Error {
		t.Fatal("a 4xx answer is Wix's answer, not a span error")
	}
}

func TestNothingRecordedHoldsATokenOrKey(t *testing.T) {
	tel := newTelemetry(t)
	sess := tel.env.Member(t, wixtest.DemoEmail)
	tel.env.Advance(tel.env.Wix.AccessTokenLifetime()) // forces a refresh_token call, whose body holds the refresh token
	before := sess.Tokens(t)
	tel.serve(t, sess.Cookie())
	after := sess.Tokens(t)
	if after.AccessToken.Value == before.AccessToken.Value {
		t.Fatal("the token was not renewed; the test proves nothing")
	}
	secrets := []string{before.AccessToken.Value, before.RefreshToken.Value, after.AccessToken.Value, after.RefreshToken.Value, tel.env.Wix.APIKey}

	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					seen = append(seen, dp.Attributes.Encoded(attribute.DefaultEncoder()))
				}
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					seen = append(seen, dp.Attributes.Encoded(attribute.DefaultEncoder()))
				}
			}
		}
	}
	for _, s := range tel.spans.Ended() {
		set := attribute.NewSet(s.Attributes()...)
		seen = append(seen, s.Name(), set.Encoded(attribute.DefaultEncoder()))
	}
	if len(seen) < 3 {
		t.Fatalf("only %d recorded items: the test proves nothing", len(seen))
	}
	for _, v := range seen {
		for _, secret := range secrets {
			if secret != "" && strings.Contains(v, secret) {
				t.Fatalf("a token or key was recorded: %q", v)
			}
		}
	}
}

func TestInstrumentChainsAndCopies(t *testing.T) {
	var events []wixauth.EventKind
	orig := &http.Client{Timeout: 7 * time.Second}
	cfg, err := otelwixauth.Instrument(wixauth.Config{
		HTTPClient: orig,
		OnEvent:    func(_ context.Context, e wixauth.Event) { events = append(events, e.Kind) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if orig.Transport != nil {
		t.Fatal("Instrument changed the app's http.Client in place")
	}
	if cfg.HTTPClient == orig || cfg.HTTPClient.Timeout != 7*time.Second {
		t.Fatal("the instrumented client is not a copy of the app's")
	}
	cfg.OnEvent(context.Background(), wixauth.Event{Kind: wixauth.EventLogin})
	if len(events) != 1 || events[0] != wixauth.EventLogin {
		t.Fatalf("the app's OnEvent got %v", events)
	}

	def, err := otelwixauth.Instrument(wixauth.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if def.HTTPClient == nil || def.HTTPClient.Timeout != 15*time.Second {
		t.Fatal("a nil HTTPClient is not replaced by one like wixauth's default")
	}
}

// histCount returns how many values the histogram name recorded for data
// points whose attributes include all of want.
func (tel *telemetry) histCount(t *testing.T, name string, want ...attribute.KeyValue) uint64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if d, ok := m.Data.(metricdata.Histogram[float64]); ok && m.Name == name {
				for _, dp := range d.DataPoints {
					if hasAll(dp.Attributes, want) {
						n += dp.Count
					}
				}
			}
		}
	}
	return n
}

func TestStoreCallsAreTimed(t *testing.T) {
	tel := newTelemetry(t)
	_, cookie := tel.serve(t, nil) // a new session: saved once
	tel.serve(t, cookie)           // a steady request: read once, not saved
	if n := tel.histCount(t, "wixauth.store.duration", attribute.String("wixauth.store.operation", "commit")); n != 1 {
		t.Fatalf("store commits timed = %d, want 1", n)
	}
	if n := tel.histCount(t, "wixauth.store.duration", attribute.String("wixauth.store.operation", "find")); n != 1 {
		t.Fatalf("store finds timed = %d, want 1 (the second request's load)", n)
	}
}

func TestRefusalsAreCountedByReason(t *testing.T) {
	tel := newTelemetry(t, wixauthtest.WithConfig(func(c *wixauth.Config) {
		c.NewVisitorsPerMinute = 1
		c.TrustedAddrHeader = "X-Real-IP"
	}))
	serveFrom := func() int {
		r := httptest.NewRequest(http.MethodGet, wixauthtest.BaseURL+"/", nil)
		r.Header.Set("X-Real-IP", "203.0.113.7")
		return tel.env.Serve(http.NotFoundHandler(), r).Code
	}
	serveFrom()
	if code := serveFrom(); code != http.StatusTooManyRequests {
		t.Fatalf("second new visitor from one address: %d, want 429", code)
	}
	if n := tel.sum(t, "wixauth.requests.refused", attribute.String("wixauth.reason", "new_visitor_limit")); n != 1 {
		t.Fatalf("new_visitor_limit refusals = %d, want 1", n)
	}
	tel.env.Wix.Fail(wixtest.EndpointToken, wixtest.Fault{Status: http.StatusServiceUnavailable})
	tel.serve(t, nil)
	if n := tel.sum(t, "wixauth.requests.refused", attribute.String("wixauth.reason", "wix")); n != 1 {
		t.Fatalf("wix refusals = %d, want 1", n)
	}
}
