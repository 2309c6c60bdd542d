package cli

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

// TestHygiene plants a value and a path name, runs the real binary through
// every command and failure path that touches them, and then looks for
// both everywhere ward could have left them: the store file (which holds
// the audit log), every temporary directory, stderr, and every stdout but
// an explicit get's.
func TestHygiene(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	suffix := make([]byte, 6)
	rand.Read(suffix)
	value := "CANARY-not-a-real-secret-hyg-" + hex.EncodeToString(suffix)
	folder := "hygienefolder" + hex.EncodeToString(suffix)
	path := folder + "/db"

	bin := filepath.Join(t.TempDir(), "ward")
	build := exec.Command("go", "build", "-o", bin, "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}

	home, tmp, work := t.TempDir(), t.TempDir(), t.TempDir()
	idFile := filepath.Join(work, "id.txt")
	id, _ := age.GenerateX25519Identity()
	os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600)
	other, _ := age.GenerateX25519Identity()
	otherFile := filepath.Join(work, "other.txt")
	os.WriteFile(otherFile, []byte(other.String()+"\n"), 0o600)

	env := append(os.Environ(),
		"WARD_HOME="+home, "TMPDIR="+tmp, "HOME="+work, "XDG_CONFIG_HOME="+work, "XDG_CACHE_HOME="+work,
		"WARD_CACHE_IDLE=0", "WARD_AGENT_SOCK="+filepath.Join(work, "no-agent.sock"), "NO_COLOR=1")
	start := time.Now()

	type run struct {
		stdin   string
		args    []string
		mayShow bool // an explicit retrieval: its stdout may hold the value
	}
	runs := []run{
		{"", []string{"init", "--identity", idFile}, false},
		{value, []string{"-i", idFile, "set", path + "#password"}, false},
		{"app", []string{"-i", idFile, "set", path + "#username"}, false},
		{"", []string{"-i", idFile, "get", path + "#password"}, true},
		{"", []string{"-i", idFile, "get", "--json", path}, true},
		{"", []string{"-i", idFile, "show", path}, false},
		{"", []string{"-i", idFile, "show", "--json", path}, false},
		{"", []string{"-i", idFile, "ls", "--long"}, false},
		{"", []string{"-i", idFile, "ls", "--json"}, false},
		{"", []string{"-i", idFile, "history", path}, false},
		{"", []string{"-i", idFile, "meta", path, "--owner", "team-x", "--rotate-every", "90d"}, false},
		{"", []string{"-i", idFile, "gen", path + "#token", "--token", "hex"}, false},
		{"", []string{"-i", idFile, "rollback", path, "--to", "1"}, false},
		{"", []string{"-i", idFile, "cp", path, folder + "/copy"}, false},
		{"", []string{"-i", idFile, "mv", folder + "/copy", folder + "/moved"}, false},
		{"", []string{"-i", idFile, "export", "--out", filepath.Join(work, "export.age")}, false},
		{"", []string{"-i", idFile, "import", "--prefix", "imported", filepath.Join(work, "export.age")}, false},
		{value + "\n", []string{"-i", idFile, "import", "--format", "env", "--path", folder + "/env", "-"}, false},
		{"", []string{"-i", idFile, "audit"}, false},
		{"", []string{"-i", idFile, "audit", "--json"}, false},
		{"", []string{"-i", idFile, "audit", "verify"}, false},
		{"", []string{"-i", idFile, "doctor"}, false},
		{"", []string{"-i", idFile, "rm", folder + "/moved"}, false},
		{"", []string{"-i", idFile, "rm", "--purge", "--yes", folder + "/moved"}, false},
		// Failure paths.
		{"", []string{"-i", otherFile, "get", path + "#password"}, false},
		{"", []string{"-i", idFile, "get", path + "#nosuchfield"}, false},
		{"", []string{"-i", idFile, "get", path}, true}, // one field since the rollback
		{"", []string{"-i", idFile, "set", path + "#password"}, false},
		{value, []string{"-i", idFile, "set", "bad//path"}, false},
		{"not json {", []string{"-i", idFile, "import", "--format", "json", "-"}, false},
		{value + "\n", []string{"-i", idFile, "import", "--format", "env", "-"}, false},
		{"", []string{"-i", idFile, "--store", "nosuch", "get", path}, false},
	}
	for _, r := range runs {
		cmd := exec.Command(bin, r.args...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(r.stdin)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		_ = cmd.Run()
		if strings.Contains(stderr.String(), value) {
			t.Errorf("ward %s: the value reached stderr", strings.Join(r.args, " "))
		}
		if !r.mayShow && strings.Contains(stdout.String(), value) {
			t.Errorf("ward %s: the value reached stdout", strings.Join(r.args, " "))
		}
		if strings.Contains(stderr.String(), "goroutine ") || strings.Contains(stderr.String(), "panic:") {
			t.Errorf("ward %s: a stack trace reached the user:\n%s", strings.Join(r.args, " "), stderr.String())
		}
	}

	// Everything ward wrote: its own directories, and any file under the
	// system temp dirs that changed since the test began.
	dirs := []string{home, tmp, filepath.Join(work, "export.age"), os.TempDir(), "/tmp", "/dev/shm", "/var/tmp"}
	scanned := 0
	for _, d := range dirs {
		filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return nil
			}
			info, err := e.Info()
			if err != nil || !info.Mode().IsRegular() || info.Size() > 64<<20 || info.ModTime().Before(start) {
				return nil
			}
			if p == bin || p == idFile || p == otherFile {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			scanned++
			if bytes.Contains(b, []byte(value)) {
				t.Errorf("%s holds the planted value", p)
			}
			if bytes.Contains(b, []byte(folder)) {
				t.Errorf("%s holds the planted path name", p)
			}
			return nil
		})
	}
	if scanned == 0 {
		t.Fatal("scanned no file: the test looked in the wrong places")
	}
	stores, _ := filepath.Glob(filepath.Join(home, "*.ward"))
	if len(stores) != 1 {
		t.Fatalf("want one store file, got %v", stores)
	}
}
