package session_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/wixauth/wixauth/session"
)

// keySpy records the keys scs hands its store.
type keySpy struct {
	scs.Store
	keys chan string
}

func (s *keySpy) Commit(key string, b []byte, exp time.Time) error {
	select {
	case s.keys <- key:
	default:
	}
	return s.Store.Commit(key, b, exp)
}

// Key is a copy of scs's unexported hashToken: checked against what scs
// itself hands its store, so that sessions keep their keys across an
// upgrade of either.
func TestKeyIsScsHash(t *testing.T) {
	got := make(chan string, 1)
	sm := scs.New()
	sm.Store, sm.HashTokenInStore = &keySpy{Store: memstore.New(), keys: got}, true
	ctx, _ := sm.Load(context.Background(), "")
	sm.Put(ctx, "k", "v")
	token, _, err := sm.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if k := <-got; k != session.Key(token) {
		t.Fatalf("scs stored cookie %q under %q, session.Key says %q", token, k, session.Key(token))
	}
}

// The bytes a session is stored as, pinned to what wixauth wrote before
// this package existed (frame 0xB1, codec 0xC1, the deadline, one value
// of tag bytes): what is written now is what was written then, and it
// reads back.
func TestStoredFormatPinned(t *testing.T) {
	want, _ := hex.DecodeString("b1c18080989085ffe2fe70010e776978617574682e746f6b656e73010102")
	backend := session.LockedStore(memstore.New())
	sm, err := session.New(session.Options{Store: backend})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	b, err := sm.Codec.Encode(deadline, map[string]interface{}{"wixauth.tokens": []byte{2}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, st := context.Background(), sm.Store.(scs.CtxStore)
	if err := st.CommitCtx(ctx, "token", b, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if raw, _, _ := backend.FindCtx(ctx, session.Key("token")); !bytes.Equal(raw, want) {
		t.Fatalf("stored %x under the token's hash, want %x", raw, want)
	}
	data, found, err := st.FindCtx(ctx, "token")
	if err != nil || !found {
		t.Fatalf("FindCtx: %v %v", found, err)
	}
	d, values, err := sm.Codec.Decode(data)
	if err != nil || !d.Equal(deadline) || values["wixauth.tokens"] != session.Record([]byte{2}) {
		t.Fatalf("Decode = %v %v %v", d, values, err)
	}
}

// openFrame is the store of a manager as wixauth made them before its
// Store hashed keys itself: scs hashed them (HashTokenInStore) and the
// store framed the value in the clear (0xB1, see TestStoredFormatPinned).
type openFrame struct{ scs.Store }

func (s openFrame) Commit(key string, b []byte, exp time.Time) error {
	return s.Store.Commit(key, append([]byte{0xB1}, b...), exp)
}

// Sessions saved before the Store hashed keys itself (scs did) are found
// after: the key of a cookie is the same either way.
func TestSessionsKeepTheirKeysAcrossTheUpgrade(t *testing.T) {
	backend := session.LockedStore(memstore.New())
	old := scs.New()
	old.Store, old.Codec, old.HashTokenInStore = openFrame{backend}, &session.Codec{}, true
	ctx, _ := old.Load(context.Background(), "")
	old.Put(ctx, "wixauth.tokens", []byte("record"))
	token, _, err := old.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}

	sm, err := session.New(session.Options{Store: backend})
	if err != nil {
		t.Fatal(err)
	}
	ctx, err = sm.Load(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	if v := sm.Get(ctx, "wixauth.tokens"); v != session.Record("record") {
		t.Fatalf("the session saved before the upgrade reads %#v, want its record", v)
	}
	if _, found, _ := backend.FindCtx(context.Background(), token); found {
		t.Error("a session is stored under its cookie")
	}
}

// reusingStore hands out one buffer that every read overwrites, as a
// store that pools its read buffers would: it does not say FreshReads.
type reusingStore struct {
	scs.Store
	buf []byte
}

func (s *reusingStore) Find(key string) ([]byte, bool, error) {
	b, found, err := s.Store.Find(key)
	s.buf = append(s.buf[:0], b...)
	return s.buf, found, err
}

// A session's token record is taken in place only from stores whose reads
// nothing changes afterwards (memstore, a Redis reply); from any other
// store it is copied, so that a store reusing its buffer cannot change the
// tokens of a session already loaded.
func TestRecordSharesOnlyFreshBytes(t *testing.T) {
	for name, tc := range map[string]struct {
		store scs.Store
		keys  [][]byte
	}{
		"memstore":              {store: memstore.New()},
		"buffer reused":         {store: &reusingStore{Store: memstore.New()}},
		"buffer reused, sealed": {store: &reusingStore{Store: memstore.New()}, keys: [][]byte{bytes.Repeat([]byte{7}, 32)}},
		"memstore, sealed":      {store: memstore.New(), keys: [][]byte{bytes.Repeat([]byte{7}, 32)}},
	} {
		sm, err := session.New(session.Options{Store: tc.store, Keys: tc.keys})
		if err != nil {
			t.Fatal(err)
		}
		save := func(rec string) string {
			ctx, _ := sm.Load(context.Background(), "")
			sm.Put(ctx, "wixauth.tokens", []byte(rec))
			token, _, err := sm.Commit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return token
		}
		one, two := save("record of session one"), save("record of session two")
		ctx, err := sm.Load(context.Background(), one)
		if err != nil {
			t.Fatal(err)
		}
		rec := sm.Get(ctx, "wixauth.tokens")
		if _, err := sm.Load(context.Background(), two); err != nil { // another read of the store
			t.Fatal(err)
		}
		if rec != session.Record("record of session one") {
			t.Errorf("%s: session one's record reads %#v after another read of the store", name, rec)
		}
	}
}
