package wixtest

import (
	"fmt"
	"net/http"
	"testing"
)

func TestRequestLog(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	access, _ := anonymous(t, s)
	get(t, s.URL+"/ecom/v1/carts/current", access)
	get(t, s.URL+"/nowhere", "")

	log := s.Requests()
	if len(log) != 3 {
		t.Fatalf("log %+v", log)
	}
	if l := log[0]; l.Endpoint != EndpointToken || l.Method != "POST" || l.Path != "/oauth2/token" || l.Grant != "anonymous" ||
		l.Status != 200 || string(l.Body) != fmt.Sprintf(`{"clientId":%q,"grantType":"anonymous"}`, s.ClientID) {
		t.Errorf("token entry %+v", l)
	}
	if l := log[1]; l.Endpoint != EndpointCart || l.Status != 404 || l.Header.Get("Authorization") != access {
		t.Errorf("cart entry %+v", l)
	}
	if l := log[2]; l.Endpoint != EndpointOther || l.Status != 404 {
		t.Errorf("other entry %+v", l)
	}
	s.ResetCounters()
	if len(s.Requests()) != 0 || s.Count(EndpointToken) != 0 || s.TokenCalls("") != 0 {
		t.Fatal("ResetCounters left something")
	}
}

func TestRequestIDs(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	a := get(t, s.URL+"/nowhere", "").Header.Get("x-wix-request-id")
	b := get(t, s.URL+"/nowhere", "").Header.Get("x-wix-request-id")
	if a == "" || a == b {
		t.Fatalf("request ids %q %q", a, b)
	}
}

// TestConcurrent hits every kind of state from many goroutines, for -race.
func TestConcurrent(t *testing.T) {
	s := newTestServer(WithAutoLogin(DemoEmail))
	defer s.Close()
	t.Run("group", func(t *testing.T) {
		for i := range 24 {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				access, refresh := anonymous(t, s)
				postJSON(t, s.URL+"/oauth2/token", "", map[string]string{"grantType": "refresh_token", "refreshToken": refresh})
				postJSON(t, s.URL+"/ecom/v1/carts/current/add-to-cart", access, addItem(fmt.Sprint("item", i), 1))
				get(t, s.URL+"/ecom/v1/carts/current", access)
				full, verifier, _ := authSession(t, s, access, authOpts{})
				p := callbackParams(t, full)
				expectStatus(t, exchange(t, s, p.Get("code"), verifier), http.StatusOK)
				postJSON(t, s.URL+"/_api/iam/authentication/v2/register", access, loginBodyOf(fmt.Sprintf("user%d@example.com", i), "pw"))
				if i%4 == 0 {
					s.Fail(EndpointMembersMy, Fault{Status: 500, Times: 1})
					s.RevokeRefreshToken(refresh)
				}
				s.Count(EndpointCart)
				s.Requests()
				s.CartOf(access)
			})
		}
	})
	if n := s.TokenCalls("authorization_code"); n != 24 {
		t.Fatalf("authorization_code calls %d", n)
	}
}
