package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/wixauth/wixauth/wixtest"
)

// Against the fake, with no client ID, every assumption is confirmed: the
// fake follows the strictest reading of each.
func TestAgainstTheFake(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run(nil, &out, &errs); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errs.String())
	}
	// Four cannot be checked by HTTP, and say why.
	if want := len(checks) - 4; strings.Count(out.String(), "CONFIRMED     A") != want || !strings.Contains(out.String(), fmt.Sprintf("%d confirmed, 0 not confirmed, 0 skipped, 4 not checked", want)) {
		t.Errorf("want %d checks confirmed and 4 not checked:\n%s", want, out.String())
	}
	if n := strings.Count(out.String(), "not checked, because "); n != 4 {
		t.Errorf("%d reasons for what is not checked, want 4:\n%s", n, out.String())
	}
}

// What the fake's knobs change, wixcheck reports: a login page that needs
// its cookie back (followed with a jar: confirmed), a frame that moves to
// another origin (named), numbers as strings (named, and read).
func TestFollowsTheKnobs(t *testing.T) {
	srv := wixtest.NewServer(wixtest.WithDirectLoginQuery(wixtest.QueryNeedsCookie), wixtest.WithFrameRedirect(),
		wixtest.WithNumbersAsStrings(), wixtest.WithRedirectURIs("https://app.example/cb"))
	defer srv.Close()
	c := config{ClientID: srv.ClientID, APIURL: srv.URL, RedirectURI: "https://app.example/cb", Email: wixtest.DemoEmail, Password: wixtest.DemoPassword}
	got := map[string]result{}
	for _, r := range runChecks(t.Context(), &c) {
		got[r.ID] = r
	}
	if got["A1"].Verdict != confirmed {
		t.Errorf("A1 with a cookie hop: %s (%s)", got["A1"].Verdict, got["A1"].Detail)
	}
	if r := got["A16"]; r.Verdict != confirmed || !strings.Contains(r.Detail, srv.FrameURL()) || !strings.Contains(r.Detail, "must allow") {
		t.Errorf("A16 with a frame hop: %s (%s)", r.Verdict, r.Detail)
	}
	if r := got["A19"]; r.Verdict != confirmed || r.Detail != "expires_in: string of digits, exp: string of digits, iat: string of digits" {
		t.Errorf("A19 with strings: %s (%s)", r.Verdict, r.Detail)
	}
	if r := got["A2"]; r.Verdict != confirmed {
		t.Errorf("A2 through the frame hop: %s (%s)", r.Verdict, r.Detail)
	}
	// The default: numbers, one origin.
	def := wixtest.NewServer(wixtest.WithRedirectURIs("https://app.example/cb"))
	defer def.Close()
	c = config{ClientID: def.ClientID, APIURL: def.URL, RedirectURI: "https://app.example/cb", Email: wixtest.DemoEmail, Password: wixtest.DemoPassword}
	for _, r := range runChecks(t.Context(), &c) {
		got[r.ID] = r
	}
	if r := got["A19"]; r.Detail != "expires_in: number, exp: number, iat: number" {
		t.Errorf("A19 by default: %s (%s)", r.Verdict, r.Detail)
	}
	if r := got["A16"]; r.Detail != "the frame stayed on "+def.URL {
		t.Errorf("A16 by default: %s (%s)", r.Verdict, r.Detail)
	}
	// A page that needs a browser is not checked, and says so.
	def.Fail(wixtest.EndpointLoginPage, wixtest.Fault{Status: 200, Body: "<html>a page that needs JavaScript</html>"})
	for _, r := range runChecks(t.Context(), &c) {
		got[r.ID] = r
	}
	if r := got["A16"]; r.Verdict != notChecked || !strings.Contains(r.Detail, "not checked, because the page needs a browser") {
		t.Errorf("A16 with a JS page: %s (%s)", r.Verdict, r.Detail)
	}
}

// A Wix that behaves otherwise is reported, check by check: one that
// accepts any redirect URI, and one whose login page needs a browser.
func TestReportsWhatIsNotConfirmed(t *testing.T) {
	srv := wixtest.NewServer(wixtest.WithAnyRedirectURI())
	defer srv.Close()
	c := config{ClientID: srv.ClientID, APIURL: srv.URL, RedirectURI: "https://app.example/cb", Email: wixtest.DemoEmail, Password: wixtest.DemoPassword}
	srv.Fail(wixtest.EndpointLoginPage, wixtest.Fault{Status: 200, Body: "<html>a page that needs JavaScript</html>", Times: 1})
	got := map[string]result{}
	for _, r := range runChecks(t.Context(), &c) {
		got[r.ID] = r
	}
	for id, want := range map[string]verdict{"A1": notConfirmed, "A3": confirmed, "A4": notConfirmed, "A5": confirmed, "A12": skipped, "A13": skipped} {
		if got[id].Verdict != want {
			t.Errorf("%s: %s (%s), want %s", id, got[id].Verdict, got[id].Detail, want)
		}
	}
	if !strings.Contains(got["A1"].Detail, "may need a browser") {
		t.Errorf("A1 detail: %q", got["A1"].Detail)
	}
	var out bytes.Buffer
	if code := report(&out, runChecks(t.Context(), &c)); code != 1 {
		t.Errorf("report exit %d, want 1 with an assumption not confirmed:\n%s", code, out.String())
	}
}

func TestUsage(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run([]string{"-client-id", "abc"}, &out, &errs); code != 2 || !strings.Contains(errs.String(), "-redirect-uri") {
		t.Errorf("without -redirect-uri: exit %d, %q", code, errs.String())
	}
}
