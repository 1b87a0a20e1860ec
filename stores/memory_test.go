package stores

import (
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
)

func TestOpenMemory(t *testing.T) {
	for _, raw := range []string{"", "memory", "memory://"} {
		st, err := Open(raw)
		if err != nil {
			t.Fatalf("Open(%q): %v", raw, err)
		}
		if _, ok := st.Sessions.(*memstore.MemStore); !ok {
			t.Errorf("Open(%q).Sessions is %T, want *memstore.MemStore", raw, st.Sessions)
		}
		if st.Redis != nil || st.Prefix != "" || st.String() != "memory" {
			t.Errorf("Open(%q) = Redis %v, Prefix %q, String %q; want nil, \"\", \"memory\"", raw, st.Redis, st.Prefix, st.String())
		}
		storeRoundTrip(t, st.Sessions)
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := st.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	}
}

func TestMemoryIsIterable(t *testing.T) {
	st, err := Open("memory")
	if err != nil {
		t.Fatal(err)
	}
	// scs.SessionManager.Iterate needs this; Store must not hide it.
	if _, ok := st.Sessions.(scs.IterableStore); !ok {
		t.Fatalf("%T is not an scs.IterableStore", st.Sessions)
	}
}

// storeRoundTrip exercises Commit, Find and Delete on any scs.Store.
func storeRoundTrip(t *testing.T, s scs.Store) {
	t.Helper()
	if _, found, err := s.Find("missing"); err != nil || found {
		t.Fatalf("Find(missing) = found %v, err %v; want not found, nil", found, err)
	}
	if err := s.Commit("tok", []byte("data"), time.Now().Add(time.Minute)); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	b, found, err := s.Find("tok")
	if err != nil || !found || string(b) != "data" {
		t.Fatalf("Find(tok) = %q, %v, %v; want \"data\", true, nil", b, found, err)
	}
	if err := s.Commit("tok", []byte("data2"), time.Now().Add(time.Minute)); err != nil {
		t.Fatalf("Commit (update): %v", err)
	}
	if b, _, _ := s.Find("tok"); string(b) != "data2" {
		t.Fatalf("Find(tok) after update = %q, want \"data2\"", b)
	}
	if err := s.Delete("tok"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, found, err := s.Find("tok"); err != nil || found {
		t.Fatalf("Find(tok) after Delete = found %v, err %v", found, err)
	}
	if err := s.Delete("tok"); err != nil {
		t.Fatalf("Delete of a missing token must be a no-op, got %v", err)
	}
}
