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
	Key       string    // store key found at load
	Found     bool      // a live session was found under Key
	Legacy    bool      // in an older form: write it back
	Retired   time.Time // the cookie's session was retired then
	Throwaway bool      // the session must never be saved

	ProbeKey string // a key read while choosing among several cookies,
	ProbeVal []byte // and its value: the load reads it from here

	Committed bool  // a save was attempted (by wixauth, or the app's LoadAndSave)
	Refused   bool  // the store refused it: the session was retired meanwhile
	Failed    error // the store failed
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
