package identity_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/identity"
	"github.com/wixauth/wixauth/internal/flowtest"
)

// A Profile with every field of the SDK's IdentityProfile, custom values of
// every kind with lists and maps nested, goes to the fake with Register and
// comes back from it (wixtest keeps what it received, Member.Profile) equal
// field for field: nothing of a member's data is lost on the way.
func TestProfileRoundTripsThroughTheFake(t *testing.T) {
	f := flowtest.NewFixture(t, nil)
	s := func(v string) *string { return &v }
	n := func(v float64) *float64 { return &v }
	yes := true
	joined := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	p := &identity.Profile{
		FirstName: "Ada", LastName: "Lovelace", Nickname: "ada", Picture: "https://example.com/ada.png",
		Emails: []string{"old@example.com"}, Phones: []string{"+44 20 0000"}, Labels: []string{"vip"},
		Language: "en", PrivacyStatus: "PRIVATE",
		CustomFields: []identity.CustomField{
			{Name: "size", Value: identity.CustomValue{NumValue: n(42)}},
			{Name: "joined", Value: identity.CustomValue{DateValue: &joined}},
			{Name: "pets", Value: identity.CustomValue{ListValue: &identity.ListValue{Value: []identity.CustomValue{{StrValue: s("cat")}, {NumValue: n(2)}}}}},
			{Name: "prefs", Value: identity.CustomValue{MapValue: &identity.MapValue{Value: map[string]identity.CustomValue{
				"tea":    {BoolValue: &yes},
				"nested": {ListValue: &identity.ListValue{Value: []identity.CustomValue{{StrValue: s("x")}}}},
			}}}},
		},
		SecondaryEmails: []identity.SecondaryEmail{{Email: "work@example.com", Tag: "WORK"}},
		PhonesV2:        []identity.Phone{{CountryCode: "GB", Phone: "2000000", Tag: "MOBILE"}},
		Addresses: []identity.TaggedAddress{{Tag: "HOME", Address: &identity.Address{Country: "GB", Subdivision: "GB-LND",
			City: "London", PostalCode: "N1", AddressLine1: "1 Road", AddressLine2: "Flat 2"}}},
		Company: "Analytical Engines", Position: "Programmer", Birthdate: "1815-12-10", Slug: "ada",
		Subscription: &yes, VatID: "GB123",
	}
	f.Run(func(c *wixauth.Client, r *http.Request) {
		if res, err := identity.Register(r.Context(), c, "ada-full@example.com", "pw-ada-full", p, nil); err != nil || res.State != identity.LoginSuccess {
			t.Fatalf("Register: %+v, %v", res, err)
		}
	})
	m, ok := f.Wix.MemberByEmail("ada-full@example.com")
	if !ok {
		t.Fatal("no member")
	}
	var back identity.Profile
	if err := json.Unmarshal(m.Profile, &back); err != nil {
		t.Fatalf("the fake's profile %s: %v", m.Profile, err)
	}
	if !reflect.DeepEqual(&back, p) {
		t.Errorf("round trip:\n got %+v\nwant %+v\nwire %s", back, *p, m.Profile)
	}
	// Two kinds in a nested value are refused before Wix is called.
	bad := &identity.Profile{CustomFields: []identity.CustomField{{Name: "x", Value: identity.CustomValue{
		ListValue: &identity.ListValue{Value: []identity.CustomValue{{StrValue: s("a"), NumValue: n(1)}}}}}}}
	f.Run(func(c *wixauth.Client, r *http.Request) {
		if _, err := identity.Register(r.Context(), c, "bad@example.com", "pw", bad, nil); err == nil {
			t.Error("a nested value with two kinds was sent")
		}
	})
}
