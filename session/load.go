package session

import (
	"context"
	"time"
)

// Load is what the store learnt while loading one request's session and
// what became of its save. The middleware puts it in the context (see
// NewContext) before scs loads the session, so that scs hands it back with
// every store call of the request.
type Load struct {
	Token     string    // the session token looked up (the cookie's value)
	Key       string    // its store key, Key(Token), hashed once per request
	Found     bool      // a live session was found under Key
	Legacy    bool      // in an older form: write it back
	Unhashed  bool      // found under Token itself (Options.MigrateUnhashedKeys): that key is retired with the first save under Key
	Retired   time.Time // the cookie's session was retired then
	Throwaway bool      // the session must never be saved

	// Probed says that Key was read already, while choosing among several
	// cookies (Store.Probe), and ProbeVal is what it held (nil: nothing):
	// the load reads it from here instead of reading the store again.
	Probed   bool
	ProbeVal []byte

	Committed bool  // a save was attempted (by wixauth, or the app's LoadAndSave)
	Refused   bool  // the store refused it: the session was retired meanwhile
	Failed    error // the store failed

	looked bool // the request's own lookup ran; any later one (scs's MergeSession) is another session's

	// renewing: scs's RenewToken runs (Store.Renew), so its delete of the
	// old token only records the key in retire, which the next save of
	// the renewed session retires in the same step (CommitRetiring).
	renewing bool
	retire   []string
}

// keyOf returns the store key of token, from l when l holds it already.
func (l *Load) keyOf(token string) string {
	if l != nil && l.Key != "" && l.Token == token {
		return l.Key
	}
	return Key(token)
}

// Carrier is a context value that carries a request's Load: the
// middleware's per-request state, so that one context value serves both
// the request's client and its load record. SessionLoad returns nil when
// there is none.
type Carrier interface {
	SessionLoad() *Load
}

type carrierKey struct{}

// NewContext returns a copy of ctx that carries v.
func NewContext(ctx context.Context, v Carrier) context.Context {
	return context.WithValue(ctx, carrierKey{}, v)
}

// CarrierContext is a context that carries a Carrier, as NewContext makes,
// for a caller that keeps it inside a per-request value it allocates anyway
// (the middleware's request state), so that carrying costs no allocation
// of its own on every request. Context is the parent; Carrier what
// FromContext returns.
type CarrierContext struct {
	context.Context
	Carrier Carrier
}

// Value answers FromContext's key with c.Carrier and every other key from
// the parent.
func (c *CarrierContext) Value(key any) any {
	if key == (carrierKey{}) {
		return c.Carrier
	}
	return c.Context.Value(key)
}

// FromContext returns what NewContext put in ctx, or nil.
func FromContext(ctx context.Context) Carrier {
	v, _ := ctx.Value(carrierKey{}).(Carrier)
	return v
}

// loadOf returns the load record of the request that ctx belongs to.
func loadOf(ctx context.Context) *Load {
	if v := FromContext(ctx); v != nil {
		return v.SessionLoad()
	}
	return nil
}
