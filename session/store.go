package session

import (
	"context"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
)

// The contract between the sessions and a store: one conditional write.

// TombstoneByte starts every tombstone: the value that replaces a retired
// session, so that no late save can bring it back. An AtomicStore checks for
// it in CommitIf.
const TombstoneByte = 0xB3

// CommitCondition says when AtomicStore.CommitIf may write.
type CommitCondition int

// The conditions, checked and acted on in one step.
const (
	// CommitAlways writes whatever the key holds (tombstones).
	CommitAlways CommitCondition = iota
	// CommitUnlessRetired writes unless the key holds a tombstone (a new
	// session, or one loaded outside wixauth's middleware).
	CommitUnlessRetired
	// CommitIfLive writes only if the key holds a value that is not a
	// tombstone (a session saved back by the request that loaded it).
	CommitIfLive
)

// AtomicStore is an scs store that can check a key and write it in one
// step, which is what makes retiring a session final across instances.
// stores.Open's Redis store implements it with a Lua script; New makes any
// other scs.Store one with a lock, which is atomic within one process
// (enough for the memory store, not for a store shared by instances).
type AtomicStore interface {
	scs.CtxStore
	// CommitIf writes b under key until expiry if cond allows it, and
	// reports whether it wrote.
	CommitIf(ctx context.Context, key string, b []byte, expiry time.Time, cond CommitCondition) (bool, error)
	// CommitRetiring is CommitIf that, when it writes, also writes r's
	// tombstone under each of r.Keys, in the same step: a renewed
	// session's first save retires the old ID with it, so that a store
	// failing at that instant leaves the old session or the new one,
	// never a browser whose only cookie leads to a tombstone. A store
	// that cannot tell whether the step happened must make sure it never
	// happens later: Redis refuses a script that runs after the client's
	// read timeout (a paused server answering what was queued).
	CommitRetiring(ctx context.Context, key string, b []byte, expiry time.Time, cond CommitCondition, r Retire) (bool, error)
}

// Retire is what CommitRetiring writes besides the session: Tomb under
// each of Keys until Expiry.
type Retire struct {
	Keys   []string
	Tomb   []byte
	Expiry time.Time
}

// FreshReads is implemented by an AtomicStore whose FindCtx hands out
// bytes that nothing changes afterwards: a new slice for every call (a
// Redis reply), or the very slice a commit stored (an in-memory map).
// The sessions it finds are then decoded without copying their token
// record. A store that reuses a buffer between calls must not implement
// it (or must report false).
type FreshReads interface {
	FreshReads() bool
}

// LockedStore makes any scs.Store an AtomicStore: each CommitIf checks and
// writes under one lock, which is atomic for every request of this process
// (enough for an in-memory store, not for one shared by instances). New
// uses it for stores that are not AtomicStores.
func LockedStore(s scs.Store) AtomicStore { return &lockedStore{Store: s} }

type lockedStore struct {
	scs.Store
	mu sync.Mutex
}

// FreshReads reports whether the store is scs's memstore, which hands out
// the slice each commit stored; this package never changes a slice it
// committed.
func (s *lockedStore) FreshReads() bool {
	_, isMem := s.Store.(*memstore.MemStore)
	return isMem
}

func (s *lockedStore) FindCtx(ctx context.Context, key string) ([]byte, bool, error) {
	if cs, ok := s.Store.(scs.CtxStore); ok {
		return cs.FindCtx(ctx, key)
	}
	return s.Store.Find(key)
}

func (s *lockedStore) CommitCtx(ctx context.Context, key string, b []byte, expiry time.Time) error {
	_, err := s.CommitIf(ctx, key, b, expiry, CommitAlways)
	return err
}

func (s *lockedStore) DeleteCtx(ctx context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cs, ok := s.Store.(scs.CtxStore); ok {
		return cs.DeleteCtx(ctx, key)
	}
	return s.Store.Delete(key)
}

func (s *lockedStore) CommitIf(ctx context.Context, key string, b []byte, expiry time.Time, cond CommitCondition) (bool, error) {
	return s.CommitRetiring(ctx, key, b, expiry, cond, Retire{})
}

func (s *lockedStore) CommitRetiring(ctx context.Context, key string, b []byte, expiry time.Time, cond CommitCondition, r Retire) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cond != CommitAlways {
		cur, found, err := s.FindCtx(ctx, key)
		if err != nil {
			return false, err
		}
		if (found && len(cur) > 0 && cur[0] == TombstoneByte) || (!found && cond == CommitIfLive) {
			return false, nil
		}
	}
	if err := s.commit(ctx, key, b, expiry); err != nil {
		return false, err
	}
	for _, k := range r.Keys {
		if err := s.commit(ctx, k, r.Tomb, r.Expiry); err != nil {
			return true, err
		}
	}
	return true, nil
}

func (s *lockedStore) commit(ctx context.Context, key string, b []byte, expiry time.Time) error {
	if cs, ok := s.Store.(scs.CtxStore); ok {
		return cs.CommitCtx(ctx, key, b, expiry)
	}
	return s.Store.Commit(key, b, expiry)
}
