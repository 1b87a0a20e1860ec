package renew

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Direct tests of the layer "one renewal per process" (Share), with
// strings for tokens.

func newShare(backoff time.Duration) *tester {
	g := &tester{}
	g.Init(func(error) time.Duration { return backoff })
	return g
}

// tester wraps Share[string] the way wixauth uses it: a result and whether
// its caller owns it (saves it).
type tester struct{ Share[string] }

type result struct {
	Value string
	f     *Flight[string]
}

func (r result) own() bool { return r.f == nil || r.f.ClaimSave() }

func (g *tester) do(ctx context.Context, key string, usable func(string) bool, fn func() (string, bool, error)) (result, error) {
	v, f, err := g.Do(ctx, key, usable, fn)
	return result{v, f}, err
}

func tokenNamed(v string) string { return v }

func anyToken(string) bool { return true }

// Callers that arrive while a renewal runs share it: one call, one result,
// and exactly one of them saves it.
func TestShareOneCallForConcurrentCallers(t *testing.T) {
	g := newShare(time.Second)
	var calls atomic.Int32
	release := make(chan struct{})
	fn := func() (string, bool, error) {
		calls.Add(1)
		<-release
		return tokenNamed("new"), false, nil
	}
	const n = 20
	var wg sync.WaitGroup
	var owners atomic.Int32
	results := make(chan result, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := g.do(context.Background(), "r", anyToken, fn)
			if err != nil {
				t.Error(err)
			}
			if r.own() {
				owners.Add(1)
			}
			results <- r
		}()
	}
	time.Sleep(50 * time.Millisecond) // let them all join
	close(release)
	wg.Wait()
	close(results)
	for r := range results {
		if r.Value != "new" {
			t.Errorf("a caller got %q", r.Value)
		}
	}
	if c := calls.Load(); c != 1 {
		t.Errorf("calls = %d for %d concurrent callers, want 1", c, n)
	}
	if o := owners.Load(); o != 1 {
		t.Errorf("%d callers own the result, want exactly 1 (one session write per storm)", o)
	}
}

// A caller that loaded its session before a renewal was saved gets the
// recent result, without a call of its own, and does not save it again.
func TestShareReusesRecentResult(t *testing.T) {
	g := newShare(time.Second)
	var calls atomic.Int32
	fn := func() (string, bool, error) {
		calls.Add(1)
		return tokenNamed("new"), false, nil
	}
	first, err := g.do(context.Background(), "r", anyToken, fn)
	if err != nil || !first.own() {
		t.Fatalf("first renewal: %v, own %v", err, first.own())
	}
	late, err := g.do(context.Background(), "r", anyToken, fn)
	if err != nil || late.Value != "new" {
		t.Fatalf("late caller: %v, %q", err, late.Value)
	}
	if c := calls.Load(); c != 1 {
		t.Errorf("calls = %d, want 1: the recent result was ignored", c)
	}
	if late.own() {
		t.Error("the late caller would save the renewal a second time")
	}
}

// A recent result that the caller cannot use (the very token Wix just
// refused it) is never handed back: a new call is made.
func TestShareNeverHandsBackAStaleResult(t *testing.T) {
	g := newShare(time.Second)
	n := 0
	fn := func() (string, bool, error) {
		n++
		return tokenNamed([]string{"", "t1", "t2"}[n]), false, nil
	}
	if r, _ := g.do(context.Background(), "r", anyToken, fn); r.Value != "t1" {
		t.Fatalf("first: %q", r.Value)
	}
	notT1 := func(t string) bool { return t != "t1" }
	r, err := g.do(context.Background(), "r", notT1, fn)
	if err != nil || r.Value != "t2" || n != 2 {
		t.Errorf("got %q after %d calls, %v; want a new token t2 from a second call", r.Value, n, err)
	}
}

// A failure is repeated without a call until its back-off ends.
func TestShareRepeatsFailureDuringBackoff(t *testing.T) {
	g := newShare(100 * time.Millisecond)
	boom := errors.New("wix is down")
	var calls atomic.Int32
	fn := func() (string, bool, error) {
		if calls.Add(1) == 1 {
			return "", false, boom
		}
		return tokenNamed("back"), false, nil
	}
	for range 5 {
		if _, err := g.do(context.Background(), "r", anyToken, fn); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want the remembered failure", err)
		}
	}
	if c := calls.Load(); c != 1 {
		t.Errorf("calls during the back-off = %d, want 1", c)
	}
	time.Sleep(120 * time.Millisecond)
	if r, err := g.do(context.Background(), "r", anyToken, fn); err != nil || r.Value != "back" {
		t.Errorf("after the back-off: %q, %v", r.Value, err)
	}
}

// A result that another instance made is saved by that instance's
// request, never by one of this process.
func TestShareLeavesSavingOfAnotherInstancesResult(t *testing.T) {
	g := newShare(time.Second)
	r, err := g.do(context.Background(), "r", anyToken, func() (string, bool, error) { return tokenNamed("theirs"), true, nil })
	if err != nil || r.own() {
		t.Errorf("own() = %v, %v; want false for a result published by another instance", r.own(), err)
	}
}

// A caller that goes away leaves the renewal running for the others.
func TestShareCallerCancelDoesNotCancelTheRenewal(t *testing.T) {
	g := newShare(time.Second)
	release := make(chan struct{})
	fn := func() (string, bool, error) { <-release; return tokenNamed("new"), false, nil }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := g.do(ctx, "r", anyToken, fn); done <- err }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("the cancelled caller got %v", err)
	}
	close(release)
	if r, err := g.do(context.Background(), "r", anyToken, fn); err != nil || r.Value != "new" {
		t.Errorf("after the first caller left: %q, %v", r.Value, err)
	}
}
