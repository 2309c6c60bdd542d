// Command testreport reads `go test -json` on stdin and prints what a
// person needs: one line per package, the whole output of every failed
// test, and every skipped test with its reason. It fails (exit 1) when a
// test failed, a package did not build, or a test skipped that is not in
// the allowed-skips file given with -allow: CI must not pass by skipping
// (STYLE.md; restic's RESTIC_TEST_DISALLOW_SKIP).
//
//	go test -json ./... | go run ./scripts/testreport -allow scripts/allowed-skips
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

// allowList maps "pkg TestName" patterns (path.Match on both) to why.
type allowList [][3]string

func readAllow(file string) (allowList, error) {
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var out allowList
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 3 {
			return nil, fmt.Errorf("%s:%d: want PACKAGE TEST REASON…", file, i+1)
		}
		out = append(out, [3]string{f[0], f[1], strings.Join(f[2:], " ")})
	}
	return out, nil
}

func (a allowList) allows(pkg, test string) bool {
	for _, e := range a {
		okPkg, _ := path.Match(e[0], pkg)
		okTest, _ := path.Match(e[1], test)
		if okPkg && okTest {
			return true
		}
	}
	return false
}

func main() {
	allowFile := flag.String("allow", "", "file of allowed skips: PACKAGE TEST REASON per line (path.Match patterns)")
	flag.Parse()
	allow, err := readAllow(*allowFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(2)
	}
	os.Exit(report(os.Stdin, os.Stdout, allow))
}

func report(in io.Reader, out io.Writer, allow allowList) int {
	outputs := map[string][]string{} // pkg/test -> output lines
	var unlisted, listed []string
	failed := false
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if json.Unmarshal(line, &e) != nil || e.Action == "" {
			// Not an event: build errors and the like come through as
			// plain text.
			fmt.Fprintln(out, string(line))
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			outputs[key] = append(outputs[key], e.Output)
		case "fail":
			failed = true
			if e.Test != "" {
				fmt.Fprintf(out, "--- FAIL: %s (%s)\n", e.Test, e.Package)
				for _, o := range outputs[key] {
					if !strings.HasPrefix(o, "=== ") && !strings.HasPrefix(o, "--- FAIL") {
						fmt.Fprint(out, o)
					}
				}
			} else {
				fmt.Fprintf(out, "FAIL\t%s\t%.1fs\n", e.Package, e.Elapsed)
				// Package-level output: a panic, a build failure, TestMain.
				for _, o := range outputs[key] {
					if !strings.HasPrefix(o, "FAIL") && !strings.HasPrefix(o, "ok") {
						fmt.Fprint(out, "    ", o)
					}
				}
			}
		case "skip":
			if e.Test == "" {
				fmt.Fprintf(out, "?   \t%s\t[no test files]\n", e.Package)
				break
			}
			why := ""
			for _, o := range outputs[key] {
				if t := strings.TrimSpace(o); t != "" && !strings.HasPrefix(t, "=== ") && !strings.HasPrefix(t, "--- SKIP") {
					why = t
				}
			}
			s := fmt.Sprintf("%s %s: %s", e.Package, e.Test, why)
			if allow.allows(e.Package, e.Test) {
				listed = append(listed, s)
			} else {
				unlisted = append(unlisted, s)
			}
		case "pass":
			if e.Test == "" {
				fmt.Fprintf(out, "ok  \t%s\t%.1fs\n", e.Package, e.Elapsed)
			}
		}
		if e.Action == "pass" || e.Action == "skip" {
			delete(outputs, key)
		}
	}
	sort.Strings(listed)
	sort.Strings(unlisted)
	if len(listed) > 0 {
		fmt.Fprintf(out, "skipped, as listed in the allowed skips (%d):\n", len(listed))
		for _, s := range listed {
			fmt.Fprintln(out, "  ", s)
		}
	}
	if len(unlisted) > 0 {
		fmt.Fprintf(out, "SKIPPED and not allowed (%d): fix the environment, or list them with a reason:\n", len(unlisted))
		for _, s := range unlisted {
			fmt.Fprintln(out, "  ", s)
		}
		failed = true
	}
	if failed {
		return 1
	}
	return 0
}
