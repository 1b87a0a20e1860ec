package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path"
	"strings"
)

// mutant is one one-line change of the code under test.
type mutant struct {
	Name     string
	File     string   // slash-separated, relative to the repository root
	From, To string   // From must occur exactly once in File
	Packages []string // what to test; the file's own package by default
	Line     int      // of the mutant's "name:" in the list, for errors
}

// apply returns src with the mutant applied, or an error if its original
// text is not found exactly once: a mutant that silently applies nowhere
// would count as survived, or (applied twice) test another change.
func (m mutant) apply(src []byte) ([]byte, error) {
	switch n := bytes.Count(src, []byte(m.From)); n {
	case 1:
		return bytes.Replace(src, []byte(m.From), []byte(m.To), 1), nil
	case 0:
		return nil, fmt.Errorf("%s: the original text %q is not found (did the code move or change?)", m.File, m.From)
	default:
		return nil, fmt.Errorf("%s: the original text %q is found %d times; make it longer so that it names one place", m.File, m.From, n)
	}
}

// parseFile reads a mutant list: blocks of "key: value" lines separated by
// blank lines; "#" starts a comment line. Keys:
//
//	name:  a short name, unique in the list
//	file:  the file to mutate, relative to the repository root
//	from:  the exact original text (one line, or part of one)
//	to:    its replacement
//	test:  packages to test, space-separated (default: the file's package)
//
// The value is everything after "key: ", so leading spaces of code can be
// kept or left out; trailing spaces are trimmed.
func parseFile(name string) ([]mutant, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return parse(name, b)
}

func parse(name string, b []byte) ([]mutant, error) {
	var (
		out   []mutant
		cur   *mutant
		seen  = map[string]int{}
		errs  []string
		setTo bool
	)
	flush := func() {
		if cur == nil {
			return
		}
		m := *cur
		switch {
		case m.Name == "":
			errs = append(errs, fmt.Sprintf("%s:%d: mutant without a name:", name, m.Line))
		case m.File == "" || m.From == "" || !setTo:
			errs = append(errs, fmt.Sprintf("%s:%d: mutant %q needs file:, from: and to:", name, m.Line, m.Name))
		case m.From == m.To:
			errs = append(errs, fmt.Sprintf("%s:%d: mutant %q changes nothing (from: equals to:)", name, m.Line, m.Name))
		case seen[m.Name] > 0:
			errs = append(errs, fmt.Sprintf("%s:%d: mutant name %q already used at line %d", name, m.Line, m.Name, seen[m.Name]))
		default:
			if len(m.Packages) == 0 {
				dir := path.Dir(m.File)
				if dir == "." {
					m.Packages = []string{"."}
				} else {
					m.Packages = []string{"./" + dir}
				}
			}
			seen[m.Name] = m.Line
			out = append(out, m)
		}
		cur, setTo = nil, false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \t")
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if line == "" {
			flush()
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			errs = append(errs, fmt.Sprintf("%s:%d: want \"key: value\", got %q", name, n, line))
			continue
		}
		val = strings.TrimPrefix(val, " ")
		if cur == nil {
			cur = &mutant{Line: n}
		}
		switch key {
		case "name":
			cur.Name = val
		case "file":
			cur.File = val
		case "from":
			cur.From = val
		case "to":
			cur.To, setTo = val, true
		case "test":
			cur.Packages = strings.Fields(val)
		default:
			errs = append(errs, fmt.Sprintf("%s:%d: unknown key %q (want name, file, from, to or test)", name, n, key))
		}
	}
	flush()
	if len(errs) > 0 {
		return nil, fmt.Errorf("bad mutant list:\n  %s", strings.Join(errs, "\n  "))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no mutants", name)
	}
	return out, nil
}
