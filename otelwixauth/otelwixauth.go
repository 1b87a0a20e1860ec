package otelwixauth

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/wixauth/wixauth"
)

// scope names the instrumentation library in every meter and tracer.
const scope = "github.com/wixauth/wixauth/otelwixauth"

// Option configures Instrument.
type Option func(*options)

type options struct {
	mp metric.MeterProvider
	tp trace.TracerProvider
}

// WithMeterProvider records metrics with mp instead of the global provider.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(o *options) { o.mp = mp }
}

// WithTracerProvider records spans with tp instead of the global provider.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) { o.tp = tp }
}

// instruments are the metrics of one instrumented Config.
type instruments struct {
	tracer     trace.Tracer
	callTime   metric.Float64Histogram
	tokenCalls metric.Int64Counter
	events     metric.Int64Counter
	refused    metric.Int64Counter
	storeTime  metric.Float64Histogram
}

// Instrument returns a copy of cfg that reports to OpenTelemetry; pass it to
// wixauth.New. It chains what cfg already has: its OnEvent is still called,
// and its HTTPClient is copied with the transport wrapped, never changed in
// place. A nil HTTPClient is replaced by one like wixauth's default (a 15
// second timeout, up to 64 idle connections to Wix). Config.Store (in
// memory when nil) is wrapped to time the store's calls; when the app
// builds the manager itself (Config.Sessions), the store is not reached:
// wrap it with Store before passing it to session.New.
func Instrument(cfg wixauth.Config, opts ...Option) (wixauth.Config, error) {
	in, err := newInstruments(opts)
	if err != nil {
		return cfg, err
	}
	cfg.HTTPClient = in.client(cfg.HTTPClient)
	if cfg.Sessions == nil {
		if cfg.Store == nil {
			cfg.Store = memstore.New() // wixauth's default store
		}
		cfg.Store = in.wrapStore(cfg.Store)
	}
	next := cfg.OnEvent
	cfg.OnEvent = func(ctx context.Context, e wixauth.Event) {
		in.event(ctx, e)
		if next != nil {
			next(ctx, e)
		}
	}
	return cfg, nil
}

// newInstruments makes the instruments with the providers opts name, the
// global ones by default.
func newInstruments(opts []Option) (*instruments, error) {
	o := options{mp: otel.GetMeterProvider(), tp: otel.GetTracerProvider()}
	for _, opt := range opts {
		opt(&o)
	}
	m := o.mp.Meter(scope)
	in := &instruments{tracer: o.tp.Tracer(scope)}
	var err error
	if in.callTime, err = m.Float64Histogram("wixauth.wix.call.duration",
		metric.WithUnit("s"),
		metric.WithDescription("Duration of the calls wixauth makes to Wix."),
		metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)); err != nil {
		return nil, err
	}
	if in.tokenCalls, err = m.Int64Counter("wixauth.token.calls",
		metric.WithUnit("{call}"),
		metric.WithDescription("Calls to Wix's token endpoint, by grant and outcome.")); err != nil {
		return nil, err
	}
	if in.events, err = m.Int64Counter("wixauth.events",
		metric.WithUnit("{event}"),
		metric.WithDescription("Token events of wixauth sessions (new visitors, renewals, sessions ended, logins, logouts, failures).")); err != nil {
		return nil, err
	}
	if in.refused, err = m.Int64Counter("wixauth.requests.refused",
		metric.WithUnit("{request}"),
		metric.WithDescription("Requests answered by Config.ErrorHandler instead of the app's handler, by reason.")); err != nil {
		return nil, err
	}
	if in.storeTime, err = m.Float64Histogram("wixauth.store.duration",
		metric.WithUnit("s"),
		metric.WithDescription("Duration of the session store's calls, by operation; failed calls carry error.type."),
		metric.WithExplicitBucketBoundaries(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5)); err != nil {
		return nil, err
	}
	return in, nil
}

// client returns a copy of c (or of wixauth's default) whose transport
// records every call.
func (in *instruments) client(c *http.Client) *http.Client {
	var cp http.Client
	if c != nil {
		cp = *c
	} else {
		// As wixauth's default: http.DefaultTransport keeps 2 idle
		// connections per host, which a burst of new visitors outgrows.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		cp = http.Client{Timeout: 15 * time.Second, Transport: t}
	}
	base := cp.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cp.Transport = &transport{base: base, in: in}
	return &cp
}

// event counts e. Events carry no token; only the kind and role are kept.
func (in *instruments) event(ctx context.Context, e wixauth.Event) {
	if e.Kind == wixauth.EventRequestRefused {
		in.refused.Add(ctx, 1, metric.WithAttributes(attribute.String("wixauth.reason", refusalReason(e.Err))))
		return
	}
	in.events.Add(ctx, 1, metric.WithAttributes(
		attribute.String("wixauth.event", string(e.Kind)),
		attribute.String("wixauth.role", string(e.Role))))
}

// refusalReason names why the middleware turned a request away.
func refusalReason(err error) string {
	var limit *wixauth.NewVisitorLimitError
	var store *wixauth.StoreError
	switch {
	case errors.As(err, &limit):
		return "new_visitor_limit"
	case errors.As(err, &store):
		return "store"
	}
	return "wix"
}

// Store returns st with its calls timed into wixauth.store.duration, for an
// app that builds the session manager itself with session.New (Instrument
// wraps Config.Store). It keeps st's one-step saves, its Coordinator methods
// with Extend (short renewal claims) and FreshReads (no copy of the token
// record per request). Options name the providers as for Instrument.
func Store(st scs.Store, opts ...Option) (scs.Store, error) {
	in, err := newInstruments(opts)
	if err != nil {
		return nil, err
	}
	return in.wrapStore(st), nil
}
