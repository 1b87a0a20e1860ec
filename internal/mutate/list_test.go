package main

import (
	"strings"
	"testing"
)

const sample = `# a comment
name: flipped
file: a/b.go
from: 	x := y == z
to: x := y != z

name: rooted
file: c.go
from: return ok
to: return !ok
test: . ./handlers
`

func TestParse(t *testing.T) {
	ms, err := parse("list", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Fatalf("got %d mutants, want 2", len(ms))
	}
	if m := ms[0]; m.Name != "flipped" || m.File != "a/b.go" || m.From != "\tx := y == z" || m.To != "x := y != z" ||
		strings.Join(m.Packages, " ") != "./a" || m.Line != 2 {
		t.Errorf("first mutant: %+v", m)
	}
	if m := ms[1]; m.Name != "rooted" || strings.Join(m.Packages, " ") != ". ./handlers" {
		t.Errorf("second mutant: %+v", m)
	}
}

func TestParseRefusesBadLists(t *testing.T) {
	for _, tc := range []struct{ list, want string }{
		{"name: a\nfile: x.go\nfrom: a\n", "needs file:, from: and to:"},
		{"name: a\nfile: x.go\nfrom: a\nto: a\n", "changes nothing"},
		{"name: a\nfile: x.go\nfrom: a\nto: b\n\nname: a\nfile: x.go\nfrom: c\nto: d\n", "already used"},
		{"file: x.go\nfrom: a\nto: b\n", "without a name"},
		{"name: a\nfle: x.go\n", "unknown key"},
		{"# only a comment\n", "no mutants"},
	} {
		_, err := parse("list", []byte(tc.list))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parse(%q) = %v, want an error about %q", tc.list, err, tc.want)
		}
	}
}

func TestApplyNeedsTheTextExactlyOnce(t *testing.T) {
	m := mutant{File: "x.go", From: "a == b", To: "a != b"}
	got, err := m.apply([]byte("if a == b {\n"))
	if err != nil || string(got) != "if a != b {\n" {
		t.Errorf("apply = %q, %v", got, err)
	}
	if _, err := m.apply([]byte("if a == c {\n")); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("text missing: %v, want a loud error", err)
	}
	if _, err := m.apply([]byte("a == b; a == b\n")); err == nil || !strings.Contains(err.Error(), "found 2 times") {
		t.Errorf("text twice: %v, want a loud error", err)
	}
}
