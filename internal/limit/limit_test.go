package limit

import (
	"testing"
	"time"
)

// Each key gets perMinute at once, refilled evenly; the empty key and a
// zero rate are never limited.
func TestBudget(t *testing.T) {
	var b Budget
	b.Init(2)
	now := time.Now()
	for i := range 2 {
		if wait := b.Take("a", now); wait != 0 {
			t.Fatalf("take %d of the burst of 2: wait %v", i+1, wait)
		}
	}
	if wait := b.Take("a", now); wait != 30*time.Second {
		t.Errorf("third at once: wait %v, want 30s (one refills in half a minute at 2 a minute)", wait)
	}
	if b.Take("b", now) != 0 {
		t.Error("another key shares a's bucket")
	}
	if b.Take("a", now.Add(30*time.Second)) != 0 {
		t.Error("refused after the refill")
	}
	for range 10 {
		if b.Take("", now) != 0 {
			t.Fatal("the empty key was limited")
		}
	}
	var off Budget
	off.Init(-1)
	for range 10 {
		if off.Take("a", now) != 0 {
			t.Fatal("a negative rate limited")
		}
	}
}
