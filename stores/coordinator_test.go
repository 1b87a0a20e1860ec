package stores_test

import (
	"context"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/internal/redistest"
	"github.com/wixauth/wixauth/stores"
)

var _ wixauth.Coordinator = (*stores.RedisCoordinator)(nil)

// The Redis store's Sessions is its coordinator too, which is how
// wixauth.New wires both from one field; the memory store is none.
func coordinatorOf(st *stores.Store) wixauth.Coordinator {
	co, _ := st.Sessions.(wixauth.Coordinator)
	return co
}

func TestRedisCoordinator(t *testing.T) {
	rs := redistest.Start(t)
	st, err := stores.Open(rs.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	co, ctx := coordinatorOf(st), context.Background()
	if co == nil {
		t.Fatalf("the Redis store (%T) is no coordinator", st.Sessions)
	}
	if won, err := co.Claim(ctx, "k", time.Second); !won || err != nil {
		t.Fatalf("first claim: %v %v", won, err)
	}
	if won, err := co.Claim(ctx, "k", time.Second); won || err != nil {
		t.Fatalf("second claim while held: %v %v, want false", won, err)
	}
	if _, ok, _ := co.Result(ctx, "k"); ok {
		t.Fatal("a result before Publish")
	}
	if err := co.Publish(ctx, "k", []byte("v"), time.Second); err != nil {
		t.Fatal(err)
	}
	if b, ok, err := co.Result(ctx, "k"); !ok || string(b) != "v" || err != nil {
		t.Fatalf("Result = %q %v %v", b, ok, err)
	}
	if won, _ := co.Claim(ctx, "k", time.Second); !won {
		t.Error("Publish did not give up the lease")
	}
	co.Release(ctx, "k")
	if won, _ := co.Claim(ctx, "k", 50*time.Millisecond); !won {
		t.Error("Release did not give up the lease")
	}
	time.Sleep(100 * time.Millisecond)
	if won, _ := co.Claim(ctx, "k", time.Second); !won {
		t.Error("the lease did not expire")
	}
	if keys := rs.Do(t, "KEYS", "*lease:*"); len(keys.([]any)) != 1 {
		t.Errorf("lease keys = %v, want them under the store's prefix", keys)
	}
	mem, _ := stores.Open("memory")
	if coordinatorOf(mem) != nil {
		t.Error("the memory store needs no coordinator")
	}
}
