package wixauthtest_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/wixauthtest"
	"github.com/wixauth/wixauth/wixtest"
)

// A handler test: a member session in one call, the handler behind the
// middleware, then the same session four hours later.
func Example() {
	t := &exampleT{} // in a test, the test's own t
	defer t.cleanup()
	e := wixauthtest.New(t)
	s := e.Member(t, wixtest.DemoEmail)
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello, %s", wixauth.FromRequest(r).Tokens().Role())
	})

	w := e.Serve(hello, s.NewRequest(http.MethodGet, "/account", nil))
	fmt.Println(w.Code, w.Body)

	e.Advance(4 * time.Hour) // the fake's clock and the Auth's: the token expired
	w = e.Serve(hello, s.NewRequest(http.MethodGet, "/account", nil))
	fmt.Println(w.Code, w.Body, e.Wix.TokenCalls("refresh_token"))
	// Output:
	// 200 hello, member
	// 200 hello, member 1
}

// exampleT stands in for the *testing.T an Example has not got.
type exampleT struct {
	testing.TB
	cleanups []func()
}

func (t *exampleT) Helper()                        {}
func (t *exampleT) Log(args ...any)                {} // the Auth's log lines
func (t *exampleT) Cleanup(f func())               { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }
func (t *exampleT) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}
