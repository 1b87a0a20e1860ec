package otelwixauth

import "testing"

func TestTemplateBoundsSeries(t *testing.T) {
	for in, want := range map[string]string{
		"/oauth2/token":          "/oauth2/token",
		"/ecom/v1/carts/current": "/ecom/v1/carts/current",
		"/ecom/v1/carts/2f1c6a0e-6a2b-4c1d-9b1e-3c9f1a2b4d5e": "/ecom/v1/carts/{id}",
		"/members/v1/members/my":                              "/members/v1/members/my",
		"/_api/iam/authentication/v2/login":                   "/_api/iam/authentication/v2/login",
		"/stores/v1/products/abcdef0123456789abcdef":          "/stores/v1/products/{id}",
	} {
		if got := template(in); got != want {
			t.Errorf("template(%q) = %q, want %q", in, got, want)
		}
	}
}
