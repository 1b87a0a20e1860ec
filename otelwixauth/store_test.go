package otelwixauth

import (
	"context"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2/memstore"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/trace"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/session"
	"github.com/wixauth/wixauth/stores"
)

// coordinating is a store with the Coordinator's methods, as the Redis
// store of package stores has.
type coordinating struct {
	session.AtomicStore
	claims int
}

func (c *coordinating) Claim(context.Context, string, time.Duration) (bool, error) {
	c.claims++
	return true, nil
}
func (c *coordinating) Publish(context.Context, string, []byte, time.Duration) error { return nil }
func (c *coordinating) Result(context.Context, string) ([]byte, bool, error)         { return nil, false, nil }
func (c *coordinating) Release(context.Context, string) error                        { return nil }
func (c *coordinating) Find(string) ([]byte, bool, error)                            { return nil, false, nil }
func (c *coordinating) Commit(string, []byte, time.Time) error                       { return nil }
func (c *coordinating) Delete(string) error                                          { return nil }

// Wrapping a store never loses what wixauth.New looks for in it: one-step
// saves, and the Coordinator methods that make it coordinate renewals.
func TestWrapKeepsWhatTheStoreCan(t *testing.T) {
	st, err := Store(&coordinating{AtomicStore: session.LockedStore(memstore.New())},
		WithMeterProvider(sdkmetric.NewMeterProvider()), WithTracerProvider(trace.NewTracerProvider()))
	if err != nil {
		t.Fatal(err)
	}
	co, ok := st.(wixauth.Coordinator)
	if !ok {
		t.Fatal("the wrapped store lost its Coordinator methods")
	}
	if _, ok := st.(session.AtomicStore); !ok {
		t.Fatal("the wrapped store lost CommitIf")
	}
	co.Claim(context.Background(), "k", time.Second)
	if st.(coordinatingStore).Coordinator.(*coordinating).claims != 1 {
		t.Fatal("Claim did not reach the store")
	}

	plain, err := Store(memstore.New(), WithMeterProvider(sdkmetric.NewMeterProvider()))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := plain.(wixauth.Coordinator); ok {
		t.Fatal("a store without Coordinator methods became a coordinator")
	}
}

// Wrapping the Redis store keeps the two things a steady request and a
// renewal get from it beyond the contract: FreshReads (the token record is
// read without a copy) and Extend (a renewal's claim lasts a second at a
// time, so a holder that loses Redis frees the others in about a second,
// not TokenTimeout). Both were dropped by the wrapper before.
func TestWrapKeepsRedisStoreExtras(t *testing.T) {
	type canExtend interface {
		Extend(ctx context.Context, key string, ttl time.Duration) (bool, error)
	}
	red, err := stores.Open("redis://127.0.0.1:1/0") // never dialed here
	if err != nil {
		t.Fatal(err)
	}
	defer red.Close()
	st, err := Store(red.Sessions, WithMeterProvider(sdkmetric.NewMeterProvider()), WithTracerProvider(trace.NewTracerProvider()))
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := st.(session.FreshReads); !ok || !f.FreshReads() {
		t.Error("the wrapped Redis store does not report FreshReads")
	}
	if _, ok := st.(canExtend); !ok {
		t.Error("the wrapped Redis store lost Extend")
	}
	if _, ok := st.(wixauth.Coordinator); !ok {
		t.Error("the wrapped Redis store lost its Coordinator methods")
	}

	// A store without them does not gain them.
	plain, err := Store(memstore.New(), WithMeterProvider(sdkmetric.NewMeterProvider()))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := plain.(canExtend); ok {
		t.Error("a plain store gained Extend")
	}
	if f, ok := plain.(session.FreshReads); !ok || !f.FreshReads() {
		t.Error("scs's memstore, wrapped, does not report FreshReads")
	}
	co, err := Store(&coordinating{AtomicStore: session.LockedStore(memstore.New())}, WithMeterProvider(sdkmetric.NewMeterProvider()))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := co.(canExtend); ok {
		t.Error("a Coordinator without Extend gained it")
	}
}
