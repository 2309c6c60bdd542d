package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/atotto/clipboard"
	"github.com/rogpeppe/go-internal/testscript"
	bolt "go.etcd.io/bbolt"

	"github.com/opsward/ward/clip"
	"github.com/opsward/ward/internal/testenv"
)

// canary is the start of every fixture value in the scripts. It must never
// appear on stderr, in any command's stdout but get's, or in a store file.
const canary = "CANARY"

// TestMain registers ward and its test helpers as commands the scripts run
// in their own processes (age's cmd/age tests do the same).
func TestMain(m *testing.M) {
	testenv.IsolateCache()
	// The clipboard clearer re-executes "ward __clip-clear" from $PATH,
	// where testscript put a copy of this test binary named ward.
	clip.Self = func(args ...string) (*exec.Cmd, error) {
		return exec.Command("ward", append([]string{clip.ClearCommand}, args...)...), nil
	}
	testscript.Main(m, map[string]func(){
		"ward":               wardMain,
		"ward-test-keygen":   keygenMain,
		"ward-test-decrypt":  decryptMain,
		"ward-test-corrupt":  corruptMain,
		"ward-test-clip":     clipMain,
		"ward-test-waitfile": waitFileMain,
		"ward-test-lockfile": lockFileMain,
	})
}

// logRecord is one ward run, as the canary check reads it back.
type logRecord struct {
	Args   []string `json:"args"`
	Stdout string   `json:"stdout"`
	Stderr string   `json:"stderr"`
}

// wardMain runs ward, copying its stdout and stderr to $WARD_TEST_LOG so
// the canary check can read every run of a script.
func wardMain() {
	logPath := os.Getenv("WARD_TEST_LOG")
	clearer := len(os.Args) > 1 && os.Args[1] == clip.ClearCommand
	if logPath == "" || clearer {
		code := Execute()
		if done := os.Getenv("WARD_TEST_CLEAR_DONE"); clearer && done != "" {
			_ = os.WriteFile(done, []byte("done\n"), 0o600)
		}
		os.Exit(code)
	}
	realOut, realErr := os.Stdout, os.Stderr
	outR, outW, _ := os.Pipe()
	errR, errW, _ := os.Pipe()
	os.Stdout, os.Stderr = outW, errW
	var outBuf, errBuf bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _, _ = io.Copy(io.MultiWriter(realOut, &outBuf), outR) }()
	go func() { defer wg.Done(); _, _ = io.Copy(io.MultiWriter(realErr, &errBuf), errR) }()
	code := Execute()
	outW.Close()
	errW.Close()
	wg.Wait()
	b, _ := json.Marshal(logRecord{Args: os.Args[1:], Stdout: outBuf.String(), Stderr: errBuf.String()})
	if lf, err := os.OpenFile(logPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
		_, _ = lf.Write(append(b, '\n'))
		lf.Close()
	}
	os.Exit(code)
}

// keygenMain writes a fresh age identity to FILE and prints its recipient.
func keygenMain() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: ward-test-keygen FILE")
		os.Exit(2)
	}
	id, err := age.GenerateX25519Identity()
	if err == nil {
		err = os.WriteFile(os.Args[1], []byte("# test identity\n"+id.String()+"\n"), 0o600)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(id.Recipient().String())
}

// decryptMain decrypts an age file with the age library, as `age -d -i
// IDFILE IN > OUT` would.
func decryptMain() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: ward-test-decrypt IDFILE IN OUT")
		os.Exit(2)
	}
	err := func() error {
		kf, err := os.Open(os.Args[1])
		if err != nil {
			return err
		}
		defer kf.Close()
		ids, err := age.ParseIdentities(kf)
		if err != nil {
			return err
		}
		in, err := os.Open(os.Args[2])
		if err != nil {
			return err
		}
		defer in.Close()
		br := bufio.NewReader(in)
		var r io.Reader = br
		if start, _ := br.Peek(len(armor.Header)); string(start) == armor.Header {
			r = armor.NewReader(br)
		}
		dr, err := age.Decrypt(r, ids...)
		if err != nil {
			return err
		}
		pt, err := io.ReadAll(dr)
		if err != nil {
			return err
		}
		return os.WriteFile(os.Args[3], pt, 0o600)
	}()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ward-test-decrypt:", err)
		os.Exit(1)
	}
}

// corruptMain damages a store file: "header" overwrites both bbolt meta
// pages, "record" flips a byte in the first sealed version record, and
// "audit" flips a byte in the first audit entry.
func corruptMain() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: ward-test-corrupt header|record|audit FILE")
		os.Exit(2)
	}
	file := os.Args[2]
	err := func() error {
		switch os.Args[1] {
		case "header":
			f, err := os.OpenFile(file, os.O_RDWR, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			junk := bytes.Repeat([]byte{0xA5}, 8192)
			_, err = f.WriteAt(junk, 0)
			return err
		case "record", "audit":
			bucket := map[string]string{"record": "versions", "audit": "audit"}[os.Args[1]]
			db, err := bolt.Open(file, 0o600, &bolt.Options{Timeout: time.Second})
			if err != nil {
				return err
			}
			defer db.Close()
			return db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket([]byte(bucket))
				if b == nil {
					return fmt.Errorf("no bucket %s", bucket)
				}
				c := b.Cursor()
				k, v := c.First()
				if k != nil && v == nil { // the store's no-inline sub-bucket
					k, v = c.Next()
				}
				if k == nil {
					return fmt.Errorf("bucket %s is empty", bucket)
				}
				nv := slices.Clone(v)
				nv[len(nv)-1] ^= 0x01
				return b.Put(slices.Clone(k), nv)
			})
		}
		return fmt.Errorf("unknown mode %q", os.Args[1])
	}()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ward-test-corrupt:", err)
		os.Exit(1)
	}
}

// clipMain reads or writes the clipboard: "read" prints it, "write V" sets
// it, "wait-not V" waits (up to 15s) until it no longer holds V.
func clipMain() {
	args := os.Args[1:]
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "ward-test-clip:", err)
		os.Exit(1)
	}
	switch {
	case len(args) == 1 && args[0] == "read":
		v, err := clipboard.ReadAll()
		if err != nil {
			fail(err)
		}
		fmt.Println(v)
	case len(args) == 2 && args[0] == "write":
		if err := clipboard.WriteAll(args[1]); err != nil {
			fail(err)
		}
		// xclip serves the selection from a child it forks; return only
		// once that child owns it, so the script's next step sees it.
		deadline := time.Now().Add(15 * time.Second)
		for {
			if v, _ := clipboard.ReadAll(); v == args[1] {
				return
			}
			if time.Now().After(deadline) {
				fail(fmt.Errorf("the clipboard does not hold the written value after 15s"))
			}
			time.Sleep(20 * time.Millisecond)
		}
	case len(args) == 2 && args[0] == "wait-is":
		deadline := time.Now().Add(15 * time.Second)
		for {
			if v, _ := clipboard.ReadAll(); v == args[1] {
				return
			}
			if time.Now().After(deadline) {
				fail(fmt.Errorf("clipboard does not hold the value after 15s"))
			}
			time.Sleep(20 * time.Millisecond)
		}
	case len(args) == 2 && args[0] == "wait-not":
		deadline := time.Now().Add(15 * time.Second)
		for {
			v, _ := clipboard.ReadAll()
			if v != args[1] {
				return
			}
			if time.Now().After(deadline) {
				fail(fmt.Errorf("clipboard still holds the value after 15s"))
			}
			time.Sleep(50 * time.Millisecond)
		}
	default:
		fmt.Fprintln(os.Stderr, "usage: ward-test-clip read | write V | wait-is V | wait-not V")
		os.Exit(2)
	}
}

// waitFileMain waits (up to 15s) until FILE exists.
func waitFileMain() {
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := os.Stat(os.Args[1]); err == nil {
			return
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "ward-test-waitfile: %s did not appear within 15s\n", os.Args[1])
			os.Exit(1)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cmdCode runs a command and checks its exit status: code N CMD ARGS...
// The command's stdout and stderr are kept for the stdout and stderr
// checks that follow.
func cmdCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: code N CMD [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("code: %v", err)
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("code: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

// params are the testscript parameters every script directory shares.
func params(t *testing.T, dir string, extraEnv ...string) testscript.Params {
	return testscript.Params{
		Dir:                 filepath.Join("testdata", dir),
		RequireExplicitExec: false,
		RequireUniqueNames:  true,
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"code": cmdCode,
			"kv":   cmdKV, // a Vault/OpenBao KV v2 server for the script (kvscript_test.go)
		},
		Setup: func(env *testscript.Env) error {
			work := env.WorkDir
			env.Setenv("WARD_HOME", filepath.Join(work, "ward"))
			env.Setenv("HOME", filepath.Join(work, "home"))
			env.Setenv("XDG_DATA_HOME", filepath.Join(work, "data"))
			env.Setenv("WARD_AGENT_SOCK", filepath.Join(work, "agent", "sock"))
			env.Setenv("WARD_CACHE_IDLE", "0")
			env.Setenv("NO_COLOR", "1")
			env.Setenv("WARD_TEST_LOG", filepath.Join(work, ".ward-log"))
			// No keyring unless a test asks for it: a bus that is not there.
			env.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(work, "no-bus"))
			for _, kv := range extraEnv {
				k, v, _ := strings.Cut(kv, "=")
				env.Setenv(k, v)
			}
			env.Defer(func() { checkCanary(env.T(), work) })
			return nil
		},
	}
}

// checkCanary fails the script if a fixture value reached stderr, the
// stdout of a command other than get, or a store file in plain text.
func checkCanary(t testscript.T, work string) {
	b, err := os.ReadFile(filepath.Join(work, ".ward-log"))
	if err != nil {
		return // the script never ran ward
	}
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r logRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(fmt.Sprintf("canary: log line %d: %v", i+1, err))
		}
		if strings.Contains(r.Stderr, canary) {
			t.Fatal(fmt.Sprintf("canary: ward %s wrote a fixture value to stderr", strings.Join(r.Args, " ")))
		}
		if strings.Contains(r.Stdout, canary) && !slices.Contains(r.Args, "get") {
			t.Fatal(fmt.Sprintf("canary: ward %s wrote a fixture value to stdout", strings.Join(r.Args, " ")))
		}
	}
	files, _ := filepath.Glob(filepath.Join(work, "ward", "*"))
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte(canary)) {
			t.Fatal(fmt.Sprintf("canary: %s holds a fixture value in plain text", f))
		}
	}
}

func TestScripts(t *testing.T) {
	testscript.Run(t, params(t, "script"))
}

// TestKeyring runs scripts against the real OS keyring (scripts/test sets
// up gnome-keyring in a private D-Bus session).
func TestKeyring(t *testing.T) {
	testenv.RequireKeyring(t)
	testscript.Run(t, params(t, "keyring", "DBUS_SESSION_BUS_ADDRESS="+os.Getenv("DBUS_SESSION_BUS_ADDRESS")))
}

// TestClipboard runs scripts against the real clipboard (xclip on Xvfb).
func TestClipboard(t *testing.T) {
	testenv.RequireClipboard(t)
	testscript.Run(t, params(t, "clipboard", "DISPLAY="+os.Getenv("DISPLAY"), "XAUTHORITY="+os.Getenv("XAUTHORITY")))
}
