package wixauth_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// The root holds what an app author uses, and stays small enough to read
// in one sitting: at most 15 files and 60 exported names, counted as
// `go doc -all . | grep -E '^(func|type|const|var) |^    func '` counts
// them (a const or var group is one name, as go doc prints it on one line).
// Whatever else a change needs goes in the package of its concern.
func TestRootAPIStaysSmall(t *testing.T) {
	const maxFiles, maxNames = 15, 60
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	p, err := doc.NewFromFiles(fset, files, "github.com/wixauth/wixauth")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	values := func(vs []*doc.Value) {
		for _, v := range vs {
			names = append(names, strings.Join(v.Names, ","))
		}
	}
	funcs := func(fs []*doc.Func) {
		for _, f := range fs {
			names = append(names, f.Recv+f.Name)
		}
	}
	values(p.Consts)
	values(p.Vars)
	funcs(p.Funcs)
	for _, ty := range p.Types {
		names = append(names, ty.Name)
		values(ty.Consts)
		values(ty.Vars)
		funcs(ty.Funcs)
		funcs(ty.Methods)
	}
	if len(files) > maxFiles || len(names) > maxNames {
		t.Errorf("the root has %d files and %d exported names, want at most %d and %d: move what an app author does not call into the package of its concern\n%s",
			len(files), len(names), maxFiles, maxNames, strings.Join(names, "\n"))
	}
	if len(names) < 40 {
		t.Errorf("counted only %d exported names: the count is broken\n%s", len(names), strings.Join(names, "\n"))
	}
}
