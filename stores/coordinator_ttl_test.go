package stores_test

import (
	"context"
	"testing"
	"time"

	"github.com/wixauth/wixauth/internal/redistest"
	"github.com/wixauth/wixauth/stores"
)

// A shared renewal result lives as long as Publish says and no longer: a
// result kept forever would be served after its access token expired (the
// near miss, SET without PX, passes every other coordinator test).
func TestCoordinatorResultExpires(t *testing.T) {
	rs := redistest.Start(t)
	st, err := stores.Open(rs.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	co, ctx := coordinatorOf(st), context.Background()
	if err := co.Publish(ctx, "k", []byte("v"), 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if ttl, _ := rs.Do(t, "PTTL", st.Prefix+"renewed:k").(int64); ttl <= 0 || ttl > 300 {
		t.Errorf("PTTL of the published result = %d ms, want 1..300", ttl)
	}
	time.Sleep(400 * time.Millisecond)
	if _, ok, err := co.Result(ctx, "k"); ok || err != nil {
		t.Errorf("Result 400 ms after a 300 ms Publish: found=%v err=%v, want gone", ok, err)
	}
}
