package wixtest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFaultStatusDefaultBody(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	s.Fail(EndpointToken, Fault{Status: 503, Header: http.Header{"Retry-After": {"3"}}, Times: 1})
	r := postJSON(t, s.URL+"/oauth2/token", "", map[string]string{"clientId": s.ClientID, "grantType": "anonymous"})
	expectAppError(t, r, 503, "UNAVAILABLE")
	if r.Header.Get("Retry-After") != "3" || r.Header.Get("x-wix-request-id") == "" {
		t.Errorf("headers %v", r.Header)
	}
	anonymous(t, s) // Times: 1 is used up
	if s.Count(EndpointToken) != 2 {
		t.Errorf("count %d", s.Count(EndpointToken))
	}
	if st := s.Requests()[0].Status; st != 503 {
		t.Errorf("logged status %d", st)
	}
}

func TestFaultCustomBody(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	access, _ := anonymous(t, s)
	s.Fail(EndpointCart, Fault{Status: 502, Body: "<html>bad gateway</html>", Times: 1})
	s.Fail(EndpointCart, Fault{Status: 429, Body: `{"message":"slow down"}`, Times: 1})
	s.Fail(EndpointCart, Fault{Status: 500, Body: "oops", Header: http.Header{"Content-Type": {"application/x-custom"}}, Times: 1})
	for _, want := range []struct {
		status      int
		body, ctype string
	}{
		{502, "<html>bad gateway</html>", "text/html; charset=utf-8"},
		{429, `{"message":"slow down"}`, "application/json"},
		{500, "oops", "application/x-custom"},
	} {
		r := get(t, s.URL+"/ecom/v1/carts/current", access)
		if r.Status != want.status || string(r.Body) != want.body || r.Header.Get("Content-Type") != want.ctype {
			t.Errorf("got %d %q %q, want %+v", r.Status, r.Body, r.Header.Get("Content-Type"), want)
		}
	}
	expectAppError(t, get(t, s.URL+"/ecom/v1/carts/current", access), 404, "OWNED_CART_NOT_FOUND")
}

func TestFaultTimesAndClear(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	access, _ := anonymous(t, s)
	s.Fail(EndpointMembersMy, Fault{Status: 500, Times: 2})
	for i := range 2 {
		if r := get(t, s.URL+"/members/v1/members/my", access); r.Status != 500 {
			t.Fatalf("call %d: %d", i, r.Status)
		}
	}
	expectStatus(t, get(t, s.URL+"/members/v1/members/my", access), 403)

	s.Fail(EndpointMembersMy, Fault{Status: 500})
	for range 3 {
		expectStatus(t, get(t, s.URL+"/members/v1/members/my", access), 500)
	}
	s.ClearFaults()
	expectStatus(t, get(t, s.URL+"/members/v1/members/my", access), 403)
}

func TestFaultGrantFilter(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	_, refresh := anonymous(t, s)
	s.Fail(EndpointToken, Fault{Status: 500, Grant: "refresh_token"})
	anonymous(t, s)
	expectStatus(t, postJSON(t, s.URL+"/oauth2/token", "", map[string]string{"grantType": "refresh_token", "refreshToken": refresh}), 500)
	expectStatus(t, postForm(t, s.URL+"/oauth2/token", map[string][]string{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}), 500)
	if s.TokenCalls("refresh_token") != 2 || s.TokenCalls("anonymous") != 2 || s.TokenCalls("") != 4 {
		t.Errorf("token calls: refresh %d anonymous %d all %d", s.TokenCalls("refresh_token"), s.TokenCalls("anonymous"), s.TokenCalls(""))
	}
}

func TestFaultDelay(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	s.Fail(EndpointToken, Fault{Delay: 150 * time.Millisecond, Times: 1})
	start := time.Now()
	anonymous(t, s) // answered normally, late
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("answered after %v", d)
	}

	// A client that gives up ends the wait.
	s.Fail(EndpointToken, Fault{Delay: time.Hour, Status: 500, Times: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", s.URL+"/oauth2/token", strings.NewReader(`{"grantType":"anonymous"}`))
	_, err := http.DefaultClient.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	waitStatus(t, s, 1, 0)
}

// waitStatus waits until log entry i is finished with the status.
func waitStatus(t *testing.T, s *Server, i, status int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if log := s.Requests(); len(log) > i && log[i].Status == status {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("log entry %d never got status %d: %+v", i, status, s.Requests())
}

func TestFaultHang(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	s.Fail(EndpointToken, Fault{Hang: true, Times: 1})
	c := &http.Client{Timeout: 200 * time.Millisecond}
	start := time.Now()
	_, err := c.Post(s.URL+"/oauth2/token", "application/json", strings.NewReader(`{"grantType":"anonymous"}`))
	if err == nil || time.Since(start) < 200*time.Millisecond {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
	if s.Count(EndpointToken) != 1 {
		t.Fatal("hung request not counted")
	}
	anonymous(t, s)
}

func TestCloseReleasesHang(t *testing.T) {
	s := newTestServer()
	s.Fail(EndpointCart, Fault{Hang: true})
	done := make(chan error, 1)
	go func() {
		_, err := http.Get(s.URL + "/ecom/v1/carts/current")
		done <- err
	}()
	deadline := time.Now().Add(2 * time.Second)
	for s.Count(EndpointCart) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(3 * time.Second):
		t.Fatal("Close blocked on a hanging request")
	}
	<-done
}

func TestFaultReset(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	s.Fail(EndpointToken, Fault{Reset: true, Times: 1})
	_, err := http.Post(s.URL+"/oauth2/token", "application/json", strings.NewReader(`{"clientId":"`+s.ClientID+`","grantType":"anonymous"}`))
	if err == nil {
		t.Fatal("no error after a reset")
	}
	anonymous(t, s)
	if log := s.Requests(); len(log) != 2 || log[0].Status != 0 || log[0].Grant != "anonymous" || log[1].Status != 200 {
		t.Fatalf("log %+v", log)
	}
}

func TestFaultOnLoginPage(t *testing.T) {
	s := newTestServer(WithAutoLogin(DemoEmail))
	defer s.Close()
	access, _ := anonymous(t, s)
	full, _, _ := authSession(t, s, access, authOpts{})
	s.Fail(EndpointLoginPage, Fault{Status: 500, Body: "<h1>Wix is down</h1>", Times: 1})
	r := get(t, full, "")
	if r.Status != 500 || !strings.Contains(string(r.Body), "Wix is down") {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	callbackParams(t, full) // the session still works
}
