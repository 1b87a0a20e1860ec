// Package otelwixauth reports what wixauth does to OpenTelemetry: the calls
// it makes to Wix (a span each, with Wix's request ID), token calls by grant
// and outcome, every token event (new visitors, renewals, sessions ended,
// logins, logouts, failures), and the requests it turned away.
//
// It is a module of its own, so that an app that does not use OpenTelemetry
// does not build it: wixauth itself depends on the standard library, scs and
// redigo only.
//
//	cfg, err := otelwixauth.Instrument(wixauth.Config{ClientID: id, BaseURL: base})
//	if err != nil { ... }
//	auth, err := wixauth.New(cfg)
//
// With no options it uses the global providers (otel.GetMeterProvider,
// otel.GetTracerProvider), as the contrib instrumentation packages do.
//
// # What is recorded
//
// Metrics (the attribute names follow OpenTelemetry's HTTP conventions where
// one applies):
//
//   - wixauth.wix.call.duration (histogram, seconds): every call to Wix, by
//     http.request.method, wix.endpoint, http.response.status_code, and
//     error.type when no answer came;
//   - wixauth.token.calls (counter): calls to the token endpoint, by
//     wixauth.grant (anonymous, refresh_token, authorization_code,
//     authorized_client) and wixauth.outcome (ok, refused for a 4xx answer,
//     failed for a 5xx answer or no answer);
//   - wixauth.events (counter): each wixauth.Event, by wixauth.event (its
//     Kind) and wixauth.role. One token call shared by many requests is one
//     event, so the ratio of requests to renewal events shows how much
//     sharing saves;
//   - wixauth.requests.refused (counter): requests the middleware answered
//     through Config.ErrorHandler instead of the app's handler, by
//     wixauth.reason: new_visitor_limit (429 by default), store (the session
//     store failed: 503) or wix (Wix failed: 503).
//
// Spans: one client span per call to Wix, named "Wix " + method + " " +
// endpoint, child of the request's span when the request context has one.
// They carry the method, the endpoint, the status code and wix.request_id,
// the x-wix-request-id header that Wix support asks for.
//
// Nothing recorded ever holds a token, a code, a password or an API key:
// only the grant type is read from a token request's body, and endpoints
// have their ID-like path segments replaced by "{id}", which also keeps the
// number of metric series bounded.
package otelwixauth
