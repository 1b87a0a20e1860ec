package stores_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/internal/redistest"
	"github.com/wixauth/wixauth/stores"
)

// The store's Counter is what handlers.Config.Counter takes.
var _ handlers.Counter = (*stores.Counter)(nil)

// Counts are atomic under racing callers, and a key's expiry is set once,
// when it is created: later Adds never stretch a window (the near miss,
// PEXPIRE on every INCR, would make a budget that never refills while a
// client keeps trying), and an expired key starts again at 0.
func TestCounter(t *testing.T) {
	for _, backend := range []string{"memory", "redis"} {
		t.Run(backend, func(t *testing.T) {
			url := "memory"
			if backend == "redis" {
				url = redistest.Start(t).URL
			}
			st, err := stores.Open(url)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			c, ctx := st.Counter(), context.Background()
			var wg sync.WaitGroup
			seen := make([]bool, 101)
			var mu sync.Mutex
			for range 100 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := c.Add(ctx, "race", 1, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if n < 1 || n > 100 || seen[n] {
						t.Errorf("count %d handed out twice or out of range", n)
					} else {
						seen[n] = true
					}
					mu.Unlock()
				}()
			}
			wg.Wait()
			if n, _ := c.Add(ctx, "race", -1, time.Minute); n != 99 {
				t.Errorf("after 100 adds and one take-back: %d, want 99", n)
			}
			if n, _ := c.Add(ctx, "window", 1, 300*time.Millisecond); n != 1 {
				t.Fatalf("new key: %d", n)
			}
			time.Sleep(200 * time.Millisecond)
			if n, _ := c.Add(ctx, "window", 1, 300*time.Millisecond); n != 2 {
				t.Fatalf("within the window: %d, want 2", n)
			}
			time.Sleep(150 * time.Millisecond) // 350 ms after creation
			if n, _ := c.Add(ctx, "window", 1, 300*time.Millisecond); n != 1 {
				t.Errorf("350 ms after a 300 ms key was created, with an Add at 200 ms: %d, want 1 (the expiry was stretched)", n)
			}
		})
	}
}
