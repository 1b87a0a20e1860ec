package otelwixauth

import (
	"context"
	"time"

	"github.com/alexedwards/scs/v2"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/session"
)

// store times every call of a session store. It keeps what the store it
// wraps can do: a store that checks and writes in one step (the Redis store)
// stays one, so that wrapping it never weakens retirements to a lock that
// holds within one process only.
type store struct {
	next session.AtomicStore
	dur  metric.Float64Histogram
}

// coordinatingStore is a store that also coordinates renewals across
// instances (the Redis store of package stores), so that wixauth.New still
// finds its Coordinator.
type coordinatingStore struct {
	*store
	wixauth.Coordinator
}

// extender is the optional method of a Coordinator whose claims can be
// extended while their holder renews (stores.RedisCoordinator): wixauth
// then holds a claim for a second at a time instead of TokenTimeout, so a
// holder that dies frees the others within about a second.
type extender interface {
	Extend(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// extendingStore is a coordinatingStore whose Coordinator extends claims.
type extendingStore struct {
	coordinatingStore
	ext extender
}

func (s extendingStore) Extend(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return s.ext.Extend(ctx, key, ttl)
}

// wrapStore returns s timed, keeping its Coordinator methods (and Extend) if
// it has them. A store that is not a session.AtomicStore is made one with a
// lock first, as session.New would.
func (in *instruments) wrapStore(s scs.Store) scs.Store {
	atomic, ok := s.(session.AtomicStore)
	if !ok {
		atomic = session.LockedStore(s)
	}
	st := &store{next: atomic, dur: in.storeTime}
	co, ok := s.(wixauth.Coordinator)
	if !ok {
		return st
	}
	if ext, ok := co.(extender); ok {
		return extendingStore{coordinatingStore{st, co}, ext}
	}
	return coordinatingStore{st, co}
}

// FreshReads passes on what the wrapped store says (session.FreshReads):
// the timing changes nothing in the bytes it finds, so the session's token
// record is still read without a copy.
func (s *store) FreshReads() bool {
	f, ok := s.next.(session.FreshReads)
	return ok && f.FreshReads()
}

func (s *store) record(ctx context.Context, op string, start time.Time, err error) {
	attrs := []attribute.KeyValue{attribute.String("wixauth.store.operation", op)}
	if err != nil {
		attrs = append(attrs, attribute.String("error.type", errorType(err)))
	}
	s.dur.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(attrs...))
}

func (s *store) FindCtx(ctx context.Context, key string) ([]byte, bool, error) {
	start := time.Now()
	b, found, err := s.next.FindCtx(ctx, key)
	s.record(ctx, "find", start, err)
	return b, found, err
}

func (s *store) CommitIf(ctx context.Context, key string, b []byte, expiry time.Time, cond session.CommitCondition) (bool, error) {
	start := time.Now()
	ok, err := s.next.CommitIf(ctx, key, b, expiry, cond)
	s.record(ctx, "commit", start, err)
	return ok, err
}

func (s *store) CommitRetiring(ctx context.Context, key string, b []byte, expiry time.Time, cond session.CommitCondition, r session.Retire) (bool, error) {
	start := time.Now()
	ok, err := s.next.CommitRetiring(ctx, key, b, expiry, cond, r)
	s.record(ctx, "commit", start, err)
	return ok, err
}

func (s *store) CommitCtx(ctx context.Context, key string, b []byte, expiry time.Time) error {
	start := time.Now()
	err := s.next.CommitCtx(ctx, key, b, expiry)
	s.record(ctx, "commit", start, err)
	return err
}

func (s *store) DeleteCtx(ctx context.Context, key string) error {
	start := time.Now()
	err := s.next.DeleteCtx(ctx, key)
	s.record(ctx, "delete", start, err)
	return err
}

// Find, Commit and Delete serve scs callers without a context.
func (s *store) Find(key string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), key)
}

func (s *store) Commit(key string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), key, b, expiry)
}

func (s *store) Delete(key string) error { return s.DeleteCtx(context.Background(), key) }
