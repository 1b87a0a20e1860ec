// Command benchserver serves one of the apps of package benchapp on
// loopback for wrk (bench/run): the floor (scs LoadAndSave, gob) or the
// wixauth middleware, with one pre-seeded session of valid tokens and the
// fake Wix embedded in-process, so that no token call happens in steady
// state.
//
//	benchserver -impl wixauth -addr 127.0.0.1:0 [-store redis://127.0.0.1:6379/0]
//
// It prints two lines on stdout once it listens:
//
//	addr 127.0.0.1:PORT
//	cookie NAME=VALUE
//
// GET /_bench/stats answers the fake's token call count as JSON, outside
// the app (the same dispatch for every impl).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/wixauth/wixauth/bench/internal/benchapp"
	"github.com/wixauth/wixauth/stores"
	"github.com/wixauth/wixauth/wixtest"
)

func main() {
	impl := flag.String("impl", string(benchapp.Wixauth), "app: floor, wixauth, wixauth-gob or wixauth-sealed")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	storeURL := flag.String("store", "memory", `session store: "memory" or a redis:// URL`)
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("benchserver: ")

	wix := wixtest.NewServer()
	defer wix.Close()
	var store scs.Store // nil: in memory
	if *storeURL != "memory" {
		st, err := stores.Open(*storeURL)
		if err != nil {
			log.Fatal(err)
		}
		defer st.Close()
		store = st.Sessions
	}
	// Seeding makes one token call and one store write; on a loaded
	// machine a first Redis round trip can time out, so try a few times.
	var app *benchapp.App
	var err error
	for try := 1; ; try++ {
		if app, err = benchapp.New(benchapp.Impl(*impl), store, wix); err == nil {
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
			json.NewEncoder(w).Encode(map[string]int{"tokenCalls": wix.TokenCalls("") - seeded})
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
