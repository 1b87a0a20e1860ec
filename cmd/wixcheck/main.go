// Command wixcheck walks the Wix Headless flows that wixauth relies on and
// reports, for each assumption about Wix that no recorded traffic or
// published document backs (docs/protocol.md lists them), whether the Wix
// it talks to confirms it.
//
// Against a real site (the OAuth app's client ID, and a redirect URI on its
// list of allowed redirect URIs in the Wix dashboard):
//
//	go run ./cmd/wixcheck -client-id <id> -redirect-uri https://shop.example/auth/callback \
//	    -email member@example.com -password '...' [-api-key <key>]
//
// -email and -password name an existing member without captcha or email
// verification; the login checks are skipped without them. -api-key
// enables the external-login checks (sign-on). Nothing is created on the
// site, except that a password-reset email may be sent to -email if Wix
// accepts a relative reset URL (it reports so).
//
// Without -client-id it starts wixtest, the project's fake, and checks that
// instead: every assumption should come out confirmed, since the fake
// follows the strictest reading of each.
//
// Assumptions that no HTTP client can check (they need a browser, or would
// change the site) are listed as NOT CHECKED, each with the reason. The
// login pages are followed as a browser without JavaScript would: with a
// cookie jar, one redirect at a time.
//
// The exit status is 0 when every check that ran confirmed its assumption,
// 1 when one did not, 2 on a usage error.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/wixauth/wixauth/wixtest"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("wixcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.ClientID, "client-id", "", "the Wix OAuth app's client ID; without it, wixtest is started and checked")
	fs.StringVar(&cfg.APIURL, "api-url", "https://www.wixapis.com", "the Wix API base URL")
	fs.StringVar(&cfg.RedirectURI, "redirect-uri", "", "a redirect URI on the OAuth app's allowed list (needed with -client-id)")
	fs.StringVar(&cfg.Email, "email", "", "email of an existing member, for the login checks")
	fs.StringVar(&cfg.Password, "password", "", "that member's password")
	fs.StringVar(&cfg.APIKey, "api-key", "", "an API key of the site, for the external-login checks")
	timeout := fs.Duration("timeout", 2*time.Minute, "time limit for all checks")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if cfg.ClientID != "" && cfg.RedirectURI == "" {
		fmt.Fprintln(stderr, "wixcheck: -redirect-uri is needed with -client-id: one of the OAuth app's allowed redirect URIs")
		return 2
	}
	if cfg.ClientID == "" {
		stop := cfg.useFake()
		defer stop()
		fmt.Fprintf(stdout, "No -client-id: checking wixtest, the project's fake, at %s\n\n", cfg.APIURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	results := runChecks(ctx, &cfg)
	return report(stdout, results)
}

// useFake points cfg at a fresh wixtest server with a registered redirect
// URI, the demo member and its API key.
func (c *config) useFake() (stop func()) {
	c.RedirectURI = "http://127.0.0.1:1/wixcheck/callback" // never loaded: its parameters are read off the redirect
	srv := wixtest.NewServer(wixtest.WithRedirectURIs(c.RedirectURI))
	c.ClientID, c.APIURL, c.APIKey = srv.ClientID, srv.URL, srv.APIKey
	c.Email, c.Password = wixtest.DemoEmail, wixtest.DemoPassword
	return srv.Close
}

// report prints one line per check and a summary, and returns the exit
// status.
func report(w io.Writer, results []result) int {
	counts := map[verdict]int{}
	for _, r := range results {
		counts[r.Verdict]++
		fmt.Fprintf(w, "%-13s %s: %s\n", r.Verdict, r.ID, r.Assumption)
		if r.Detail != "" {
			fmt.Fprintf(w, "%13s %s\n", "", r.Detail)
		}
	}
	fmt.Fprintf(w, "\n%d confirmed, %d not confirmed, %d skipped, %d not checked\n", counts[confirmed], counts[notConfirmed], counts[skipped], counts[notChecked])
	if counts[notConfirmed] > 0 {
		fmt.Fprintln(w, "Not confirmed: see docs/protocol.md for what each assumption changes in wixauth, and what to do.")
		return 1
	}
	return 0
}
