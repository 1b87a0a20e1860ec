package wixtest

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
)

// fullProfile is an IdentityProfile with every field of the SDK's typings
// (@wix/auto_sdk_identity_authentication), custom values of every kind,
// lists and maps nested.
const fullProfile = `{
 "firstName": "Ada", "lastName": "Lovelace", "nickname": "ada", "picture": "https://example.com/ada.png",
 "emails": ["old@example.com"], "phones": ["+44 20 0000"], "labels": ["vip"], "language": "en",
 "privacyStatus": "PRIVATE",
 "customFields": [
  {"name": "size", "value": {"numValue": 42}},
  {"name": "joined", "value": {"dateValue": "2024-05-01T00:00:00Z"}},
  {"name": "pets", "value": {"listValue": {"value": [{"strValue": "cat"}, {"numValue": 2}]}}},
  {"name": "prefs", "value": {"mapValue": {"value": {"tea": {"boolValue": true}, "nested": {"listValue": {"value": [{"strValue": "x"}]}}}}}}
 ],
 "secondaryEmails": [{"email": "work@example.com", "tag": "WORK"}],
 "phonesV2": [{"countryCode": "GB", "phone": "2000000", "tag": "MOBILE"}],
 "addresses": [{"address": {"country": "GB", "subdivision": "GB-LND", "city": "London", "postalCode": "N1", "addressLine1": "1 Road", "addressLine2": "Flat 2"}, "tag": "HOME"}],
 "company": "Analytical Engines", "position": "Programmer", "birthdate": "1815-12-10", "slug": "ada",
 "subscription": true, "vatId": "GB123"
}`

// Register and sign-on keep the whole profile and answer it back as
// identity.identityProfile, field for field.
func TestProfileRoundTrip(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	access, _ := anonymous(t, s)
	var profile any
	if err := json.Unmarshal([]byte(fullProfile), &profile); err != nil {
		t.Fatal(err)
	}
	r := postJSON(t, s.URL+"/_api/iam/authentication/v2/register", access, map[string]any{
		"loginId": map[string]string{"email": "ada@example.com"}, "password": "pw", "profile": profile})
	expectStatus(t, r, http.StatusOK)
	if got := field(r.json(t), "identity.identityProfile"); !reflect.DeepEqual(got, profile) {
		t.Errorf("register answered the profile\n%v\nwant\n%v", got, profile)
	}
	m, _ := s.MemberByEmail("ada@example.com")
	var stored any
	if json.Unmarshal(m.Profile, &stored) != nil || !reflect.DeepEqual(stored, profile) {
		t.Errorf("stored profile %s", m.Profile)
	}
	so := signOn(t, s, access+","+s.APIKey, map[string]any{"loginId": map[string]string{"email": "ada@example.com"}, "profile": profile})
	expectStatus(t, so, http.StatusOK)
	if got := field(so.json(t), "identity.identityProfile"); !reflect.DeepEqual(got, profile) {
		t.Errorf("sign-on answered the profile %v", got)
	}
	// A nested value with two kinds is refused, as a top-level one is.
	bad := map[string]any{"customFields": []any{map[string]any{"name": "x", "value": map[string]any{"listValue": map[string]any{"value": []any{map[string]any{"strValue": "a", "numValue": 1}}}}}}}
	expectStatus(t, postJSON(t, s.URL+"/_api/iam/authentication/v2/register", access, map[string]any{
		"loginId": map[string]string{"email": "bad@example.com"}, "password": "pw", "profile": bad}), http.StatusBadRequest)
}
