package stores_test

import (
	"fmt"
	"log"
	"os"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/wixauth/wixauth/stores"
)

// The memory store needs no configuration; it is also what an empty URL
// (an unset environment variable) gives.
func ExampleOpen_memory() {
	st, err := stores.Open("memory")
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	sm := scs.New()
	sm.Store = st.Sessions

	// What the session manager does on every request, by hand:
	_ = st.Sessions.Commit("token", []byte("data"), time.Now().Add(time.Hour))
	b, found, err := st.Sessions.Find("token")
	fmt.Println(st, string(b), found, err)
	// Output: memory data true <nil>
}

// With several app instances, sessions go to Redis. The URL usually comes
// from the environment; String redacts its password for logs.
func ExampleOpen_redis() {
	st, err := stores.Open(os.Getenv("SESSION_STORE")) // e.g. "rediss://:pw@redis.internal:6380/0?prefix=myapp:session:"
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	log.Printf("session store: %s", st) // session store: rediss://:xxxxx@redis.internal:6380/0?prefix=myapp:session:

	sm := scs.New()
	sm.Store = st.Sessions
	// st.Redis, when not nil, is the same pool for other Redis work.
}

// NewRedisPool gives a pool configured like the session store's, for Redis
// work outside sessions.
func ExampleNewRedisPool() {
	pool, prefix, err := stores.NewRedisPool("redis://127.0.0.1:6379/0?prefix=myapp:lease:&max_active=10")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	fmt.Println(prefix, pool.MaxActive)
	// Output: myapp:lease: 10
}
