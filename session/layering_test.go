package session_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Mechanism never imports policy: the session package, the stores that
// implement its contract and the renewal and limiter mechanisms under
// internal/ build without the root package.
func TestMechanismNeverImportsPolicy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for _, pkg := range []string{".", "../stores", "../internal/renew", "../internal/limit"} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == "github.com/wixauth/wixauth" {
				t.Errorf("%s imports the root package github.com/wixauth/wixauth", pkg)
			}
		}
	}
}
