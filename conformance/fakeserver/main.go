// Command fakeserver serves wixtest, the fake Wix, for the conformance test
// that runs the official JavaScript SDK against it. It is the standalone
// command (wixtest/cmd/wixtest) plus a few test-only endpoints under
// /_conformance/ that expose what a real test would read from an inbox or a
// dashboard: the emailed verification code, the password reset emails, the
// owner's approval and a member's ID. Those paths do not exist on Wix.
//
// It prints "wixtest: serving fake Wix API at <URL>" once it listens.
package main

import (
	"context"
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

	"github.com/wixauth/wixauth/wixtest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (port 0: any free port)")
	flag.Parse()

	fake := wixtest.NewUnstartedServer()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("fakeserver: %v", err)
	}
	base := "http://" + ln.Addr().String()
	fake.SetURL(base)

	mux := http.NewServeMux()
	mux.Handle("/", fake.Handler())
	mux.HandleFunc("GET /_conformance/verification-code", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]string{"code": fake.VerificationCode(r.URL.Query().Get("email"))})
	})
	mux.HandleFunc("GET /_conformance/password-reset-emails", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string][]string{"emails": fake.PasswordResetEmails()})
	})
	mux.HandleFunc("POST /_conformance/approve", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]bool{"approved": fake.ApproveMember(r.URL.Query().Get("email"))})
	})
	mux.HandleFunc("GET /_conformance/member", func(w http.ResponseWriter, r *http.Request) {
		m, ok := fake.MemberByEmail(r.URL.Query().Get("email"))
		if !ok {
			http.Error(w, "no such member", http.StatusNotFound)
			return
		}
		reply(w, map[string]string{"id": m.ID, "email": m.Email, "nickname": m.Nickname})
	})
	// The request log lets the test check what the SDK sent on the wire.
	mux.HandleFunc("GET /_conformance/requests", func(w http.ResponseWriter, r *http.Request) {
		type entry struct {
			Endpoint      string `json:"endpoint"`
			Method        string `json:"method"`
			Path          string `json:"path"`
			Grant         string `json:"grant,omitempty"`
			Status        int    `json:"status"`
			Authorization string `json:"authorization,omitempty"`
			Consistent    string `json:"consistent,omitempty"`
			Body          string `json:"body,omitempty"`
		}
		out := []entry{}
		for _, q := range fake.Requests() {
			out = append(out, entry{string(q.Endpoint), q.Method, q.Path, q.Grant, q.Status,
				q.Header.Get("Authorization"), q.Header.Get("X-Wix-Consistent"), string(q.Body)})
		}
		reply(w, map[string]any{"requests": out})
	})

	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("wixtest: serving fake Wix API at %s (client ID %s, API key %s)\n", base, fake.ClientID, fake.APIKey)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); fake.Close(); hs.Close() }()
	if err := hs.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Fatalf("fakeserver: %v", err)
	}
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
