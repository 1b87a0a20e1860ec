package main

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The example is what an app copies into its own module: its code (tests
// aside) imports no internal package, which Go would refuse there.
func TestExampleImportsNoInternalPackage(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files: %v", err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.Contains("/"+path+"/", "/internal/") {
				t.Errorf("%s imports %s: an app that copies example/ cannot import it; use the public packages", f, path)
			}
		}
	}
}

// Copied into a module of its own (its code, templates and static files,
// wixauth required through a replace to this checkout), the example
// builds: what TestExampleImportsNoInternalPackage checks, done as an app
// would do it. No network: the modules come from the local cache.
func TestExampleBuildsInItsOwnModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module (a few seconds)")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			copyFile(t, f, filepath.Join(dir, f))
		}
	}
	for _, sub := range []string{"templates", "static"} {
		if err := os.CopyFS(filepath.Join(dir, sub), os.DirFS(sub)); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, filepath.Join(root, "go.sum"), filepath.Join(dir, "go.sum"))
	mod := fmt.Sprintf("module example.com/shop\n\ngo 1.25.0\n\nrequire github.com/wixauth/wixauth v0.0.0\n\nreplace github.com/wixauth/wixauth => %s\n", root)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-o", os.DevNull, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the copied example does not build in its own module: %v\n%s", err, out)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
