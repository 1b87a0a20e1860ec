package wire

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// Both number forms Wix may write (a JSON number; the same number as a JSON
// string, as the proto3 JSON mapping writes int64 and as the SDK's
// Number(expires_in) reads it) give the same tokens; unknown fields are
// ignored, as the SDK ignores them.
func TestTokenResponseNumberForms(t *testing.T) {
	for _, body := range []string{
		`{"access_token":"a","token_type":"Bearer","expires_in":14400,"refresh_token":"r"}`,
		`{"access_token":"a","token_type":"Bearer","expires_in":"14400","refresh_token":"r"}`,
		`{"access_token":"a","expires_in":14400.0,"refresh_token":"r","scope":"offline_access","id_token":{"x":1}}`,
		`{"access_token":"a","expires_in":1.44e4,"refresh_token":"r","unknown":[1,2]}`,
		`{"access_token":"a","expires_in":" 14400","refresh_token":"r"}`,
	} {
		var tr TokenResponse
		if err := json.Unmarshal([]byte(body), &tr); err != nil {
			t.Errorf("%s: %v", body, err)
			continue
		}
		if tr.ExpiresIn != 14400 || tr.AccessToken != "a" || tr.RefreshToken != "r" {
			t.Errorf("%s: got %+v", body, tr)
		}
		if err := tr.Check(true); err != nil {
			t.Errorf("%s: Check: %v", body, err)
		}
	}
}

// What is not a number of seconds is an error, not a silent 0 or a wrapped
// value.
func TestTokenResponseRefusesNonNumbers(t *testing.T) {
	for _, v := range []string{`"four hours"`, `""`, `true`, `{}`, `[14400]`, `"\"14400\""`, `"[1]"`, `1e30`, `"1e30"`, `"9223372036854775808"`} {
		var tr TokenResponse
		err := json.Unmarshal([]byte(`{"access_token":"a","expires_in":`+v+`}`), &tr)
		if err == nil {
			t.Errorf("expires_in %s was taken as %d", v, tr.ExpiresIn)
		}
	}
	var tr TokenResponse
	if err := json.Unmarshal([]byte(`{"access_token":"a","expires_in":null,"refresh_token":"r"}`), &tr); err != nil || tr.Check(true) == nil {
		t.Errorf("a null expires_in must decode and then fail Check: err %v, %+v", err, tr)
	}
}

// A sign-on grant may answer no refresh token: Check lets it through only
// when the caller says so.
func TestCheckRefreshTokenOnlyWhenNeeded(t *testing.T) {
	tr := TokenResponse{AccessToken: "a", ExpiresIn: 14400}
	if err := tr.Check(true); err == nil || !strings.Contains(err.Error(), "no refresh_token") {
		t.Errorf("Check(true) without refresh token: %v", err)
	}
	if err := tr.Check(false); err != nil {
		t.Errorf("Check(false) without refresh token: %v", err)
	}
}

func TestTokenInfoNumberForms(t *testing.T) {
	for _, body := range []string{
		`{"active":true,"subjectType":"VISITOR","subjectId":"v","exp":1700014400,"iat":1700000000,"siteId":"s"}`,
		`{"active":true,"subjectType":"VISITOR","subjectId":"v","exp":"1700014400","iat":"1700000000","siteId":"s","new":"field"}`,
	} {
		var ti TokenInfo
		if err := json.Unmarshal([]byte(body), &ti); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if ti.Exp != 1700014400 || ti.Iat != 1700000000 || !ti.Active || ti.SubjectID != "v" || ti.SiteID != "s" {
			t.Errorf("%s: got %+v", body, ti)
		}
	}
	var ti TokenInfo
	if err := json.Unmarshal([]byte(`{"active":true,"exp":"soon"}`), &ti); err == nil {
		t.Error(`exp "soon" was taken`)
	}
}

// FuzzTokenResponse feeds both number forms of expires_in: a number that
// decodes must decode to the same value in either form, and whatever
// decodes either passes Check with a lifetime in (0, MaxExpiresIn] or is
// refused by it.
func FuzzTokenResponse(f *testing.F) {
	f.Add(int64(14400), "a", "r", false)
	f.Add(int64(0), "a", "r", true)
	f.Add(int64(-1), "a", "", true)
	f.Add(int64(MaxExpiresIn+1), "", "r", false)
	f.Add(int64(9223372036854775807), "a", "r", true)
	f.Fuzz(func(t *testing.T, n int64, access, refresh string, needRefresh bool) {
		if !utf8.ValidString(access) || !utf8.ValidString(refresh) {
			t.Skip("JSON carries only valid UTF-8")
		}
		num := strconv.FormatInt(n, 10)
		for _, form := range []string{num, strconv.Quote(num)} {
			body, _ := json.Marshal(map[string]json.RawMessage{
				"access_token":  mustJSON(access),
				"refresh_token": mustJSON(refresh),
				"expires_in":    json.RawMessage(form),
			})
			var tr TokenResponse
			if err := json.Unmarshal(body, &tr); err != nil {
				t.Fatalf("%s: %v", body, err)
			}
			if tr.ExpiresIn != n || tr.AccessToken != access || tr.RefreshToken != refresh {
				t.Fatalf("%s decoded as %+v", body, tr)
			}
			err := tr.Check(needRefresh)
			usable := access != "" && n > 0 && n <= MaxExpiresIn && (!needRefresh || refresh != "")
			if (err == nil) != usable {
				t.Fatalf("%s: Check(%v) = %v, usable %v", body, needRefresh, err, usable)
			}
		}
	})
}

func mustJSON(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}
