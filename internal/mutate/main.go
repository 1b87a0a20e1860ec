// Command mutate measures what the tests would miss: it applies one-line
// mutants (a list of file + exact original text + replacement) one at a
// time to a temporary copy of the tree, runs the tests of each mutant's
// packages, and reports each mutant killed (a test failed) or survived
// (every test passed), and the score. scripts/mutate runs it.
//
// The working tree is never touched: other people, editors and builds use
// it. A mutant whose original text is not found exactly once, or that does
// not compile, is an error of the list, reported loudly: it would
// otherwise count as killed (or be skipped) and inflate the score.
//
// A mutant counts as killed only if the tests that failed with it fail
// again with it and pass without it: on a loaded machine a timing-sensitive
// test can fail on its own, which would count a mutant as killed that no
// test caught. Such a mutant is tried again, and reported as "flaky"
// (outside the score) if the failure still cannot be told from the noise.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

func main() {
	list := flag.String("list", "scripts/mutants.txt", "the mutant list")
	only := flag.String("run", "", "only the mutants whose name matches this regular expression")
	check := flag.Bool("check", false, "only check that every mutant applies (its text is found once), run nothing")
	timeout := flag.Duration("timeout", 5*time.Minute, "bound on the tests of one mutant; a mutant that hangs them is killed")
	race := flag.Bool("race", false, "run the tests with -race (slower; finds mutants only a race shows)")
	minScore := flag.Float64("min", 0, "exit 1 if the score (percent killed) is below this")
	verbose := flag.Bool("v", false, "print the failing test output of each killed mutant")
	flag.Parse()
	log := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "mutate: "+format+"\n", args...) }

	root, err := gitRoot()
	if err != nil {
		log("%v", err)
		os.Exit(2)
	}
	mutants, err := parseFile(filepath.Join(root, *list))
	if err != nil {
		log("%v", err)
		os.Exit(2)
	}
	if *only != "" {
		re, err := regexp.Compile(*only)
		if err != nil {
			log("-run: %v", err)
			os.Exit(2)
		}
		var keep []mutant
		for _, m := range mutants {
			if re.MatchString(m.Name) {
				keep = append(keep, m)
			}
		}
		if len(keep) == 0 {
			log("no mutant's name matches %q", *only)
			os.Exit(2)
		}
		mutants = keep
	}
	if errs := checkAll(root, mutants); len(errs) > 0 {
		for _, e := range errs {
			log("%v", e)
		}
		log("%d of %d mutants do not apply to this tree: fix their text in %s (the code moved or changed)", len(errs), len(mutants), *list)
		os.Exit(2)
	}
	if *check {
		fmt.Printf("%d mutants apply\n", len(mutants))
		return
	}

	tmp, err := os.MkdirTemp("", "wixauth-mutate-")
	if err != nil {
		log("%v", err)
		os.Exit(2)
	}
	// exit removes the copy of the tree first: os.Exit runs no deferred
	// call.
	exit := func(code int) {
		os.RemoveAll(tmp)
		os.Exit(code)
	}
	defer os.RemoveAll(tmp)
	// An interrupted run must not leave its copy of the tree behind: go
	// test, the child, gets the signal too and ends on its own.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		time.Sleep(time.Second)
		os.RemoveAll(tmp)
		log("interrupted")
		os.Exit(130)
	}()
	if err := copyTree(root, tmp); err != nil {
		log("copying the tree: %v", err)
		exit(2)
	}

	start := time.Now()
	var killed, survived, flaky []mutant
	var invalid []string
	for i, m := range mutants {
		t0 := time.Now()
		var res string
		var out []byte
		for try := 1; try <= 2; try++ {
			var err error
			res, out, err = run(tmp, m, *timeout, *race)
			if err == nil && res == "killed" {
				var noise bool
				noise, err = failsUnmutated(tmp, m, out, *timeout, *race)
				if noise {
					res = "flaky"
				}
			}
			if err != nil {
				log("%v", err)
				exit(2)
			}
			if res != "flaky" {
				break
			}
		}
		fmt.Printf("%2d/%d %-9s %-46s %s (%s)\n", i+1, len(mutants), res, m.Name, strings.Join(m.Packages, " "), time.Since(t0).Round(time.Second))
		switch res {
		case "killed":
			killed = append(killed, m)
			if *verbose {
				fmt.Println(indent(failures(out)))
			}
		case "survived":
			survived = append(survived, m)
		case "flaky":
			flaky = append(flaky, m)
			fmt.Println(indent(failures(out)))
		default:
			invalid = append(invalid, fmt.Sprintf("%s (%s:%d): %s", m.Name, *list, m.Line, failures(out)))
		}
	}
	score := 100 * float64(len(killed)) / float64(max(1, len(killed)+len(survived)))
	fmt.Printf("\n%d mutants: %d killed, %d survived, score %.1f%% (%s)\n",
		len(mutants), len(killed), len(survived), score, time.Since(start).Round(time.Second))
	for _, m := range survived {
		fmt.Printf("  survived: %s  (%s: %q -> %q)\n", m.Name, m.File, m.From, m.To)
	}
	for _, m := range flaky {
		fmt.Printf("  flaky (not scored: the tests that failed with it also fail without it): %s\n", m.Name)
	}
	if len(invalid) > 0 {
		for _, s := range invalid {
			log("does not compile: %s", s)
		}
		log("%d mutants do not compile: fix them in %s", len(invalid), *list)
		exit(2)
	}
	if score < *minScore {
		log("score %.1f%% is below -min %.1f%%", score, *minScore)
		exit(1)
	}
}

// checkAll returns an error for every mutant that cannot be applied to the
// tree at root.
func checkAll(root string, ms []mutant) []error {
	var errs []error
	for _, m := range ms {
		src, err := os.ReadFile(filepath.Join(root, m.File))
		if err != nil {
			errs = append(errs, fmt.Errorf("mutant %q (line %d): %v", m.Name, m.Line, err))
			continue
		}
		if _, err := m.apply(src); err != nil {
			errs = append(errs, fmt.Errorf("mutant %q (line %d): %v", m.Name, m.Line, err))
		}
	}
	return errs
}

// run applies m in the copy at dir, runs its tests and restores the file.
// The result is "killed", "survived" or "invalid" (the mutant does not
// build).
func run(dir string, m mutant, timeout time.Duration, race bool) (string, []byte, error) {
	path := filepath.Join(dir, m.File)
	orig, err := os.ReadFile(path)
	if err != nil {
		return "", nil, err
	}
	mutated, err := m.apply(orig)
	if err != nil {
		return "", nil, err
	}
	if err := os.WriteFile(path, mutated, 0o644); err != nil {
		return "", nil, err
	}
	defer os.WriteFile(path, orig, 0o644)

	// -vet=off: a mutant may well be code vet frowns upon ("x && false");
	// that is not a test catching the bug.
	args := []string{"test", "-count=1", "-vet=off", "-failfast", "-timeout", timeout.String()}
	if race {
		args = append(args, "-race")
	}
	args = append(args, m.Packages...)
	// The outer context outlives go test's own -timeout, which prints the
	// hung test: a mutant that hangs the tests is killed by it.
	ctx, cancel := context.WithTimeout(context.Background(), timeout+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return "survived", out.Bytes(), nil
	case !errors.As(err, &exit):
		return "", nil, fmt.Errorf("running go test for %q: %v", m.Name, err)
	case bytes.Contains(out.Bytes(), []byte("[build failed]")) || bytes.Contains(out.Bytes(), []byte("[setup failed]")):
		return "invalid", out.Bytes(), nil
	default:
		return "killed", out.Bytes(), nil
	}
}

// failsUnmutated reports whether the failure in out (the output of m's
// run) is noise rather than the mutant's doing: the top-level tests that
// failed pass when run again with the mutant, or fail without it. A run
// that names no failed test (a panic, a hang) is the mutant's.
func failsUnmutated(dir string, m mutant, out []byte, timeout time.Duration, race bool) (bool, error) {
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if name, ok := strings.CutPrefix(sc.Text(), "--- FAIL: "); ok {
			names = append(names, regexp.QuoteMeta(strings.Fields(name)[0]))
		}
	}
	if len(names) == 0 {
		return false, nil
	}
	args := []string{"test", "-count=1", "-vet=off", "-timeout", timeout.String(), "-run", "^(" + strings.Join(names, "|") + ")$"}
	if race {
		args = append(args, "-race")
	}
	args = append(args, m.Packages...)
	passes := func() (bool, error) {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case err == nil:
			return true, nil
		case errors.As(err, &exit):
			return false, nil
		default:
			return false, fmt.Errorf("re-running the failed tests of %q: %v", m.Name, err)
		}
	}
	// Again with the mutant: a failure the mutant causes repeats.
	path := filepath.Join(dir, m.File)
	orig, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	mutated, err := m.apply(orig)
	if err != nil {
		return false, err
	}
	if err := os.WriteFile(path, mutated, 0o644); err != nil {
		return false, err
	}
	ok, err := passes()
	if werr := os.WriteFile(path, orig, 0o644); err == nil {
		err = werr
	}
	if err != nil || ok {
		return ok, err
	}
	// Without it: a failure that is the tests' own repeats too.
	ok, err = passes()
	return !ok, err
}

// failures keeps the lines of go test output that say what failed.
func failures(out []byte) string {
	var keep []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		l := sc.Text()
		if strings.Contains(l, "--- FAIL") || strings.Contains(l, "panic:") || strings.HasPrefix(l, "FAIL") ||
			strings.Contains(l, ".go:") || strings.Contains(l, "test timed out") {
			keep = append(keep, l)
		}
		if len(keep) == 12 {
			break
		}
	}
	return strings.Join(keep, "\n")
}

func indent(s string) string { return "      " + strings.ReplaceAll(s, "\n", "\n      ") }

func gitRoot() (string, error) {
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return "", errors.New("not in a git checkout: run scripts/mutate from the repository")
	}
	return strings.TrimSpace(string(out)), nil
}

// copyTree copies the files git knows about (tracked, and untracked ones
// not ignored, so that uncommitted work is measured too) from root to dst.
func copyTree(root, dst string) error {
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return err
	}
	for _, name := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		src := filepath.Join(root, name)
		fi, err := os.Lstat(src)
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted in the working tree
		}
		if err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		if err := copyFile(src, filepath.Join(dst, name), fi.Mode().Perm()); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
