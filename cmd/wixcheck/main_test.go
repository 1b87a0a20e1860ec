package main

import (
	"bytes"
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
	if want := len(checks); strings.Count(out.String(), "CONFIRMED     A") != want || !strings.Contains(out.String(), "13 confirmed, 0 not confirmed, 0 skipped") {
		t.Errorf("want all %d checks confirmed:\n%s", want, out.String())
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
