package agent

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	stdsync "sync"
	"testing"
	"time"

	wcrypto "github.com/opsward/ward/crypto"
)

// envTestMain makes the test binary play `ward __agent`: Start re-executes
// it, and TestMain runs Main instead of the tests.
const envTestMain = "WARD_AGENT_TEST_MAIN"

func TestMain(m *testing.M) {
	switch os.Getenv(envTestMain) {
	case "1":
		os.Exit(Main(context.Background()))
	case "exit": // an agent that dies before it answers
		os.Exit(ExitError)
	}
	os.Exit(m.Run())
}

// canary is a fixture identity that must never appear in an error or a
// log line.
const canary = "AGE-SECRET-KEY-1CANARY-NOT-A-REAL-SECRET-7Q3ZP"

func canaryKey() *wcrypto.Key {
	var k wcrypto.Key
	copy(k[:], "CANARY-KEY-not-a-real-secret-32")
	return &k
}

// sockPath returns a socket path in a fresh private directory. Unix socket
// paths are limited to about 104 bytes, so it lives under os.TempDir()
// rather than t.TempDir(), whose names grow with the test's.
func sockPath(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "wa")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "agent.sock")
}

// logBuf collects Logf lines from a server goroutine.
type logBuf struct {
	mu stdsync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(&l.b, format+"\n", args...)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type testAgent struct {
	sock string
	log  *logBuf
	done chan error // Serve's result
}

// serve runs Serve in-process on a fresh socket and waits until it answers.
// Cleanup stops it and checks that its log holds no canary.
func serve(t testing.TB, idle time.Duration) *testAgent {
	t.Helper()
	a := &testAgent{sock: sockPath(t), log: &logBuf{}, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { a.done <- Serve(ctx, Options{Sock: a.sock, IdleTimeout: idle, Logf: a.log.logf}) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-a.done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
			a.done <- err
		case <-time.After(10 * time.Second):
			t.Errorf("Serve did not return after cancel")
		}
		checkNoCanary(t, "agent log", a.log.String())
	})
	waitFor(t, "agent answers", func() bool { return ping(a.sock) == nil })
	return a
}

// waitFor polls cond until it holds or 10 seconds pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		<-tick.C
	}
}

func dial(t testing.TB, sock string) *Client {
	t.Helper()
	c, err := Dial(sock)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func checkNoCanary(t testing.TB, where, s string) {
	t.Helper()
	for _, v := range []string{canary, string(canaryKey()[:]), "CANARY"} {
		if bytes.Contains([]byte(s), []byte(v)) {
			t.Errorf("%s contains a secret value: %q", where, s)
		}
	}
}

func checkErr(t testing.TB, err error, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want one wrapping %v", err, want)
	}
	checkNoCanary(t, "error", err.Error())
}

var (
	jsonMarshal   = json.Marshal
	jsonUnmarshal = json.Unmarshal
)

// frameOf puts a length in front of a raw body, for sending bytes that no
// encoder would produce.
func frameOf(body []byte) []byte {
	f := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	return append(f, body...)
}
