package wixauth_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2/memstore"
	"github.com/wixauth/wixauth/internal/redistest"
	"github.com/wixauth/wixauth/session"
	"github.com/wixauth/wixauth/stores"
)

// A store that fails at the instant a login saves the renewed session: the
// old session must still work, or the new one, never neither (a browser
// stuck on its old cookie, which would lead to a tombstone). Against the
// memory store the store fails the write; against a real redis-server
// (AOF on, so that what it acknowledged survives a restart) the server is
// killed (SIGKILL) or paused (SIGSTOP: the write is answered after the
// client gave up on it, if at all) at that instant.

// crashingStore passes every call to its store, but once armed, the next
// write of a session (not of a tombstone) first runs crash, which stands
// for the store failing then; a crash that returns an error fails the
// write without it reaching the store.
type crashingStore struct {
	session.AtomicStore
	mu    sync.Mutex
	crash func() error
}

func (s *crashingStore) arm(crash func() error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.crash = crash
}

// fire runs the armed crash, once, before a write of b.
func (s *crashingStore) fire(b []byte) error {
	if len(b) == 0 || b[0] == session.TombstoneByte {
		return nil
	}
	s.mu.Lock()
	crash := s.crash
	s.crash = nil
	s.mu.Unlock()
	if crash == nil {
		return nil
	}
	return crash()
}

func (s *crashingStore) CommitIf(ctx context.Context, key string, b []byte, expiry time.Time, cond session.CommitCondition) (bool, error) {
	if err := s.fire(b); err != nil {
		return false, err
	}
	return s.AtomicStore.CommitIf(ctx, key, b, expiry, cond)
}

func (s *crashingStore) CommitRetiring(ctx context.Context, key string, b []byte, expiry time.Time, cond session.CommitCondition, r session.Retire) (bool, error) {
	if err := s.fire(b); err != nil {
		return false, err
	}
	return s.AtomicStore.CommitRetiring(ctx, key, b, expiry, cond, r)
}

func TestCrashAtLoginSaveLeavesASession(t *testing.T) {
	t.Run("memory, the write fails", func(t *testing.T) {
		crashAtLoginSave(t, session.LockedStore(memstore.New()), func() error {
			return errors.New("store down")
		}, func() {})
	})
	t.Run("redis, SIGKILL then restart", func(t *testing.T) {
		rs := redistest.Start(t, "--appendonly", "yes", "--appendfsync", "always")
		crashAtLoginSave(t, redisBackend(t, rs.URL), func() error {
			rs.Kill()
			return nil
		}, rs.Restart)
	})
	t.Run("redis, SIGSTOP then SIGCONT", func(t *testing.T) {
		rs := redistest.Start(t, "--appendonly", "yes", "--appendfsync", "always")
		crashAtLoginSave(t, redisBackend(t, rs.URL), func() error {
			rs.Pause()
			return nil
		}, func() {
			rs.Resume()
			rs.Do(t, "PING") // answered after whatever was sent during the pause
		})
	})
}

// redisBackend is the session store of a Redis at url.
func redisBackend(t *testing.T, url string) session.AtomicStore {
	st, err := stores.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st.Sessions.(session.AtomicStore)
}

// crashAtLoginSave logs a visitor with a cart in while crash runs at the
// save of the renewed session, and recover brings the store back; then the
// visitor's old cookie must still lead to their session, cart and all, and
// a second login must work and retire it.
func crashAtLoginSave(t *testing.T, backend session.AtomicStore, crash func() error, recover func()) {
	store := &crashingStore{AtomicStore: backend}
	a := newAttackApp(t, store, nil)
	_, role, visitor := a.do("GET", "/whoami", "")
	if role != "visitor" || visitor == "" {
		t.Fatalf("first request: role %q, cookie %q", role, visitor)
	}
	if code, _, _ := a.do("POST", "/change?v=cart1", visitor); code != http.StatusOK {
		t.Fatalf("add to cart: status %d", code)
	}

	store.arm(crash)
	code, _, set := a.do("POST", "/login", visitor)
	recover()
	if code != http.StatusServiceUnavailable || set != "" {
		t.Errorf("login while the store fails at the save: status %d, cookie set %v; want 503 and no cookie", code, set != "")
	}

	// The browser kept its old cookie: it must still be the visitor's.
	_, role, _ = a.do("GET", "/whoami", visitor)
	_, data, _ := a.do("GET", "/data", visitor)
	if role != "visitor" || !strings.Contains(data, "cart=cart1") {
		t.Fatalf("after the failed login the old cookie gets role %q and %q: stuck on a retired session (want the visitor with cart1)", role, data)
	}
	if a.do("POST", "/change?v=cart2", visitor); !strings.Contains(getData(a, visitor), "cart=cart2") {
		t.Errorf("after the failed login the old cookie's session cannot be saved (stuck)")
	}

	// Trying again works, and retires the old cookie for good.
	_, _, member := a.do("POST", "/login", visitor)
	if member == "" || member == visitor {
		t.Fatalf("second login set cookie %q", member)
	}
	if _, role, _ := a.do("GET", "/whoami", member); role != "member" {
		t.Errorf("after the second login: role %q, want member", role)
	}
	if !a.retired(visitor) {
		t.Errorf("after the second login the old session is not retired")
	}
	if _, data, c := a.do("POST", "/change?v=replay", visitor); c != "" || strings.Contains(getData(a, member), "replay") || strings.Contains(data, "cart2") {
		t.Errorf("the old cookie replayed after the login: cookie set %v, data %q", c != "", data)
	}
}

func getData(a *attackApp, cookie string) string {
	_, data, _ := a.do("GET", "/data", cookie)
	return data
}

// A session renewed and then destroyed by the same request is retired at
// once: the renewal only recorded its old key, which the destroy must not
// forget.
func TestRenewThenDestroyRetiresTheOldSession(t *testing.T) {
	backends(t, func(t *testing.T, backend func() session.AtomicStore) {
		a := newAttackApp(t, backend(), nil)
		m := a.member()
		if code, _, _ := a.do("POST", "/renewdestroy", m); code != http.StatusOK {
			t.Fatalf("renew and destroy: status %d", code)
		}
		if !a.retired(m) {
			t.Errorf("the session renewed then destroyed is not retired: its key holds %q", a.raw(m))
		}
	})
}
