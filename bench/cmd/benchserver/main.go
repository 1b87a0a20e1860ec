// Command benchserver serves one of the apps of package benchapp on
// loopback for wrk (bench/run): the floor (scs LoadAndSave, gob), the
// wixauth middleware or the limit (a bare handler: one map read or one
// Redis GET on the pool of -pool), with one pre-seeded session of valid tokens and the
// fake Wix embedded in-process, so that no token call happens in steady
// state.
//
//	benchserver -impl wixauth -addr 127.0.0.1:0 [-store redis://127.0.0.1:6379/0] [-pool plain]
//
// With -pool plain the Redis pool is not stores.Open's but the one of
// scs/redisstore's README, what a plain scs + redisstore app runs with:
// redis.Pool{MaxIdle: 10, Dial: redis.Dial} (no cap on active connections,
// no timeouts). bench/run measures the library's defaults against it.
//
// It prints two lines on stdout once it listens:
//
//	addr 127.0.0.1:PORT
//	cookie NAME=VALUE
//
// GET /_bench/stats answers, as JSON and outside the app (the same dispatch
// for every impl), the fake's token call count and, over Redis, the
// connections the pool dialed so far and holds (active, idle).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/alexedwards/scs/redisstore"
	"github.com/alexedwards/scs/v2"
	"github.com/gomodule/redigo/redis"
	"github.com/wixauth/wixauth/bench/internal/benchapp"
	"github.com/wixauth/wixauth/stores"
	"github.com/wixauth/wixauth/wixtest"
)

func main() {
	impl := flag.String("impl", string(benchapp.Wixauth), "app: floor, floor-bytes, floor-codec, wixauth, wixauth-gob, wixauth-sealed or limit")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	storeURL := flag.String("store", "memory", `session store: "memory" or a redis:// URL`)
	poolKind := flag.String("pool", "stores", `Redis pool: "stores" (stores.Open's defaults) or "plain" (scs/redisstore's README)`)
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("benchserver: ")

	wix := wixtest.NewServer()
	defer wix.Close()
	var store scs.Store // nil: in memory
	var pool *redis.Pool
	var prefix string
	switch {
	case *storeURL == "memory":
	case *poolKind == "plain":
		u, err := url.Parse(*storeURL)
		if err != nil {
			log.Fatal(err)
		}
		pool = &redis.Pool{
			MaxIdle: 10,
			Dial:    func() (redis.Conn, error) { return redis.Dial("tcp", u.Host) },
		}
		defer pool.Close()
		store = redisstore.New(pool)
	case *poolKind == "stores":
		st, err := stores.Open(*storeURL)
		if err != nil {
			log.Fatal(err)
		}
		defer st.Close()
		store, pool, prefix = st.Sessions, st.Redis, st.Prefix
	default:
		log.Fatalf("-pool %q: want stores or plain", *poolKind)
	}
	// Count the connections the pool dials: a pool that keeps too few idle
	// ones dials (and closes) a connection for most requests under load.
	var dials atomic.Int64
	if pool != nil {
		dial, dialContext := pool.Dial, pool.DialContext
		pool.Dial = nil
		pool.DialContext = func(ctx context.Context) (redis.Conn, error) {
			dials.Add(1)
			if dialContext != nil {
				return dialContext(ctx)
			}
			return dial()
		}
	}
	// Seeding makes one token call and one store write; on a loaded
	// machine a first Redis round trip can time out, so try a few times.
	var app *benchapp.App
	var err error
	for try := 1; ; try++ {
		if app, err = benchapp.New(benchapp.Impl(*impl), store, wix, benchapp.WithRedis(pool, prefix)); err == nil {
			break
		}
		if try == 3 {
			log.Fatal(err)
		}
		log.Printf("seeding failed (try %d): %v", try, err)
		time.Sleep(500 * time.Millisecond)
	}
	seeded := wix.TokenCalls("")
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_bench/stats" {
			st := map[string]int{"tokenCalls": wix.TokenCalls("") - seeded, "redisDials": int(dials.Load())}
			if pool != nil {
				ps := pool.Stats()
				st["redisActive"], st["redisIdle"] = ps.ActiveCount, ps.IdleCount
			}
			json.NewEncoder(w).Encode(st)
			return
		}
		app.Handler.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("addr %s\ncookie %s=%s\n", ln.Addr(), app.Cookie.Name, app.Cookie.Value)
	os.Stdout.Sync()
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		c := make(chan os.Signal, 1)
		signal.Notify(c, os.Interrupt, syscall.SIGTERM)
		<-c
		srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
