package wixtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestInspectHandler(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	access, _ := anonymous(t, s)
	postJSON(t, s.URL+"/_api/iam/authentication/v2/register", access, map[string]any{
		"loginId": map[string]string{"email": "ann+verify@example.com"}, "password": "pw"})
	inspect := httptest.NewServer(s.InspectHandler())
	defer inspect.Close()
	get := func(path string, out any) {
		t.Helper()
		resp, err := http.Get(inspect.URL + InspectPrefix + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	var code struct{ Code string }
	get("verification-code?email=ann%2Bverify@example.com", &code)
	if code.Code == "" || code.Code != s.VerificationCode("ann+verify@example.com") {
		t.Errorf("verification code = %q, want the emailed one", code.Code)
	}
	var log struct{ Requests []struct{ Endpoint string } }
	get("requests", &log)
	if len(log.Requests) != len(s.Requests()) || log.Requests[len(log.Requests)-1].Endpoint != string(EndpointRegister) {
		t.Errorf("request log = %+v", log.Requests)
	}
}
