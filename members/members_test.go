package members_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/members"
	"github.com/wixauth/wixauth/wixauthtest"
	"github.com/wixauth/wixauth/wixtest"
)

func TestCurrentMember(t *testing.T) {
	e := wixauthtest.New(t)
	ctx := e.Member(t, wixtest.DemoEmail).Context(t)
	m, err := members.Current(ctx, wixauth.FromContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := e.Wix.MemberByEmail(wixtest.DemoEmail)
	if m.ID != want.ID || m.LoginEmail != wixtest.DemoEmail || m.Name() != wixtest.DemoNickname || m.Status != "APPROVED" || m.ContactID == "" {
		t.Fatalf("member %+v", m)
	}
}

func TestCurrentVisitorIsErrNotMember(t *testing.T) {
	e := wixauthtest.New(t)
	ctx := e.Visitor(t).Context(t)
	if _, err := members.Current(ctx, wixauth.FromContext(ctx)); !errors.Is(err, wixauth.ErrNotMember) {
		t.Fatalf("visitor: %v, want ErrNotMember", err)
	}
	if n := e.Wix.Count(wixtest.EndpointMembersMy); n != 0 {
		t.Errorf("%d members/my calls for a visitor, want 0", n)
	}
	if _, err := members.Current(ctx, nil); !errors.Is(err, wixauth.ErrNoClient) {
		t.Errorf("nil client: %v, want ErrNoClient", err)
	}
}

func TestCurrentRefusedByWix(t *testing.T) {
	e := wixauthtest.New(t)
	ctx := e.Member(t, wixtest.DemoEmail).Context(t)
	e.Wix.Fail(wixtest.EndpointMembersMy, wixtest.Fault{Status: http.StatusForbidden, Times: 1})
	_, err := members.Current(ctx, wixauth.FromContext(ctx))
	var ae *wixauth.APIError
	if !errors.Is(err, wixauth.ErrNotMember) || !errors.As(err, &ae) {
		t.Fatalf("403: %v, want ErrNotMember wrapping the APIError", err)
	}
	// A failure that may pass is not "not a member".
	e.Wix.Fail(wixtest.EndpointMembersMy, wixtest.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	if _, err := members.Current(ctx, wixauth.FromContext(ctx)); err == nil || errors.Is(err, wixauth.ErrNotMember) {
		t.Fatalf("503: %v, want an error that is not ErrNotMember", err)
	}
}
