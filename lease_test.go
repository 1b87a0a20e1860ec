package wixauth_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/internal/redistest"
	"github.com/wixauth/wixauth/stores"
	"github.com/wixauth/wixauth/wixtest"
)

// Direct tests of the layer "one renewal across instances", against a real
// redis-server through stores.Store.Coordinator.

// instances returns n Auths that share one Redis, each with its own pool,
// as n processes would.
func instances(t *testing.T, wix *wixtest.Server, n int) []*wixauth.Auth {
	t.Helper()
	rs := redistest.Start(t)
	var as []*wixauth.Auth
	for range n {
		st, err := stores.Open(rs.URL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		a, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, Store: st.Sessions,
			TokenTimeout: 2 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		as = append(as, a)
	}
	return as
}

func memberRefresh(wix *wixtest.Server) wixauth.RefreshToken {
	_, refresh := wix.IssueMemberTokens(wixtest.DemoEmail)
	return wixauth.RefreshToken{Value: refresh, Role: wixauth.RoleMember}
}

// Three instances, four callers each, renewing one refresh token at once:
// one token call, one result for all, and only the winner's is its own.
func TestLeaseOneRenewalAcrossInstances(t *testing.T) {
	wix := wixtest.NewServer()
	defer wix.Close()
	wix.Fail(wixtest.EndpointToken, wixtest.Fault{Delay: 150 * time.Millisecond})
	rt := memberRefresh(wix)
	var mu sync.Mutex
	tokens := map[string]int{}
	own := 0
	var wg sync.WaitGroup
	for _, a := range instances(t, wix, 3) {
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tok, elsewhere, err := a.LeaseRenew(context.Background(), rt, "")
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				tokens[tok.AccessToken.Value]++
				if !elsewhere {
					own++
				}
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	if n := wix.TokenCalls("refresh_token"); n != 1 {
		t.Errorf("%d refresh calls for 12 callers on 3 instances, want 1", n)
	}
	if len(tokens) != 1 || own != 1 {
		t.Errorf("%d distinct tokens, %d made locally; want 1 and 1 (the others read the published one)", len(tokens), own)
	}
}

// The token another instance published is not taken by an instance that
// Wix just refused it (a 401 with that very token): it renews anew.
func TestLeaseNeverHandsBackTheRefusedToken(t *testing.T) {
	wix := wixtest.NewServer()
	defer wix.Close()
	as := instances(t, wix, 2)
	rt := memberRefresh(wix)
	first, _, err := as[0].LeaseRenew(context.Background(), rt, "")
	if err != nil {
		t.Fatal(err)
	}
	second, elsewhere, err := as[1].LeaseRenew(context.Background(), rt, first.AccessToken.Value)
	if err != nil || elsewhere || second.AccessToken.Value == first.AccessToken.Value {
		t.Errorf("got the refused token back (elsewhere %v, %v)", elsewhere, err)
	}
	if n := wix.TokenCalls("refresh_token"); n != 2 {
		t.Errorf("%d refresh calls, want 2", n)
	}
	// Without a refusal, the published result is used.
	third, elsewhere, err := as[0].LeaseRenew(context.Background(), rt, "")
	if err != nil || !elsewhere || third != second {
		t.Errorf("an instance ignored the published result (elsewhere %v, %v)", elsewhere, err)
	}
}

// A winner whose renewal fails gives the lease up at once: the next
// instance renews without waiting for the lease to time out.
func TestLeaseFailedRenewalReleasesTheLease(t *testing.T) {
	wix := wixtest.NewServer()
	defer wix.Close()
	as := instances(t, wix, 2)
	rt := memberRefresh(wix)
	wix.Fail(wixtest.EndpointToken, wixtest.Fault{Status: 503, Times: 1})
	if _, _, err := as[0].LeaseRenew(context.Background(), rt, ""); err == nil {
		t.Fatal("want the 503")
	}
	start := time.Now()
	if _, elsewhere, err := as[1].LeaseRenew(context.Background(), rt, ""); err != nil || elsewhere {
		t.Fatalf("the next instance: elsewhere %v, %v", elsewhere, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the next instance waited %v: the failed winner kept the lease", d)
	}
}

// An instance that claimed a renewal and then lost Redis (it can neither
// extend, publish nor release its lease) holds the other instances up for
// about a second, not TokenTimeout (10 s by default): its lease is short
// and lives on only while it extends it.
func TestLeaseHolderThatLosesRedisFreesTheOthers(t *testing.T) {
	wix := wixtest.NewServer()
	defer wix.Close()
	rs := redistest.Start(t)
	open := func() (*wixauth.Auth, *stores.Store) {
		st, err := stores.Open(rs.URL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		a, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, Store: st.Sessions,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}) // TokenTimeout: the default, 10 s
		if err != nil {
			t.Fatal(err)
		}
		return a, st
	}
	holder, holderStore := open()
	other, _ := open()
	rt := memberRefresh(wix)
	// The holder's token call is slow: it still runs when it loses Redis.
	wix.Fail(wixtest.EndpointToken, wixtest.Fault{Delay: 3 * time.Second, Times: 1})
	done := make(chan struct{})
	go func() {
		defer close(done)
		holder.LeaseRenew(context.Background(), rt, "")
	}()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if keys, _ := rs.Do(t, "KEYS", "*lease:*").([]any); len(keys) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the holder never claimed the lease")
		}
	}
	holderStore.Close() // the holder loses Redis
	start := time.Now()
	_, elsewhere, err := other.LeaseRenew(context.Background(), rt, "")
	waited := time.Since(start)
	<-done
	t.Logf("the other instance renewed %v after the holder lost Redis", waited.Round(10*time.Millisecond))
	if err != nil || elsewhere {
		t.Fatalf("the other instance: elsewhere %v, %v", elsewhere, err)
	}
	if waited > 2*time.Second {
		t.Errorf("the other instance waited %v for a holder that lost Redis; want about a second", waited.Round(10*time.Millisecond))
	}
}

// A holder whose token call outlasts the short lease keeps it by
// extending it: the others wait for its result instead of taking over.
func TestLeaseHolderExtendsWhileItRenews(t *testing.T) {
	wix := wixtest.NewServer()
	defer wix.Close()
	wix.Fail(wixtest.EndpointToken, wixtest.Fault{Delay: 1600 * time.Millisecond}) // past the 1 s lease
	rt := memberRefresh(wix)
	var wg sync.WaitGroup
	for _, a := range instances(t, wix, 3) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := a.LeaseRenew(context.Background(), rt, ""); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := wix.TokenCalls("refresh_token"); n != 1 {
		t.Errorf("%d refresh calls for 3 instances while the holder's call took 1.6 s, want 1 (the holder lost its lease)", n)
	}
}
