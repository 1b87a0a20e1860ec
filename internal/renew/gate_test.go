package renew

import (
	"errors"
	"testing"
	"time"
)

// A failure closes the gate for its back-off, and a success opens it at
// once.
func TestGate(t *testing.T) {
	var g Gate
	now := time.Now()
	if err := g.Closed(now); err != nil {
		t.Fatalf("the zero Gate is closed: %v", err)
	}
	boom := errors.New("down")
	g.Fail(boom, now, time.Second)
	if err := g.Closed(now.Add(999 * time.Millisecond)); !errors.Is(err, boom) {
		t.Errorf("during the back-off: %v, want the failure", err)
	}
	if err := g.Closed(now.Add(time.Second)); err != nil {
		t.Errorf("after the back-off: %v, want open", err)
	}
	g.Fail(boom, now, time.Hour)
	g.Open()
	if err := g.Closed(now); err != nil {
		t.Errorf("after Open: %v, want open", err)
	}
}
