package stores

import (
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gomodule/redigo/redis"
	"github.com/wixauth/wixauth/internal/redistest"
)

// TestDefaultPoolKeepsBurstConnections: with the default pool, a burst of
// concurrent requests gets a connection each, and a second burst of the
// same size reuses them all instead of dialing (and later closing, into
// TIME_WAIT) a connection per request. With the old defaults (10 idle, 100
// active) the first burst failed past 100 and the second dialed 190.
func TestDefaultPoolKeepsBurstConnections(t *testing.T) {
	srv := redistest.Start(t)
	st, err := Open(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	const burst = 200 // concurrent requests, each holding a connection
	for wave := 1; wave <= 2; wave++ {
		before := acceptedConns(t, srv)
		var ready, done sync.WaitGroup
		ready.Add(burst)
		errs := make(chan error, burst)
		release := make(chan struct{})
		for range burst {
			done.Add(1)
			go func() {
				defer done.Done()
				c := st.Redis.Get()
				defer c.Close()
				_, err := c.Do("PING")
				ready.Done()
				<-release // every request holds its connection at once
				if err != nil {
					errs <- err
				}
			}()
		}
		ready.Wait()
		close(release)
		done.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("wave %d: a request of the burst got no connection: %v", wave, err)
		}
		// acceptedConns's own connection counts once.
		dialed := acceptedConns(t, srv) - before - 1
		want := map[int]int{1: burst, 2: 0}[wave]
		if dialed != want {
			t.Errorf("wave %d of %d concurrent requests dialed %d connections, want %d", wave, burst, dialed, want)
		}
	}
	if idle := st.Redis.Stats().IdleCount; idle != burst {
		t.Errorf("%d idle connections kept after the bursts, want %d", idle, burst)
	}
}

// acceptedConns is the number of connections the server accepted so far
// (INFO stats: total_connections_received).
func acceptedConns(t *testing.T, srv *redistest.Server) int {
	t.Helper()
	info, err := redis.String(srv.Do(t, "INFO", "stats"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "total_connections_received:"); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("INFO stats has no total_connections_received")
	return 0
}
