package wixtest

import (
	"net/http"
	"testing"
)

func TestMembersMy(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	u := s.URL + "/members/v1/members/my"
	access, _ := s.IssueMemberTokens(DemoEmail)
	r := get(t, u, access)
	expectStatus(t, r, http.StatusOK)
	m := r.json(t)
	demo, _ := s.MemberByEmail(DemoEmail)
	if str(m, "member.id") != demo.ID || str(m, "member.loginEmail") != DemoEmail || str(m, "member.contactId") == "" ||
		str(m, "member.status") != "APPROVED" || str(m, "member.profile.nickname") != DemoNickname || str(m, "member.profile.slug") != "demo-member" {
		t.Fatalf("member %s", r.Body)
	}

	visitor, _ := anonymous(t, s)
	expectAppError(t, get(t, u, visitor), http.StatusForbidden, "PERMISSION_DENIED")
	expectAppError(t, get(t, u, "junk"), http.StatusUnauthorized, "UNAUTHENTICATED")
	expectStatus(t, postJSON(t, u, access, map[string]any{}), http.StatusMethodNotAllowed)
}

func TestAddMemberKeepsID(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	m := s.AddMember(Member{Email: "x@example.com", Password: "a"})
	if m.ID == "" || m.Nickname != "x" {
		t.Fatalf("%+v", m)
	}
	m2 := s.AddMember(Member{Email: "X@example.com", Password: "b"})
	if m2.ID != m.ID {
		t.Fatal("replacing a member changed its ID")
	}
	if got, _ := s.MemberByEmail("x@example.com"); got.Password != "b" {
		t.Fatal("not replaced")
	}
}
