//go:build unix

package agent

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	wcrypto "github.com/opsward/ward/crypto"
	"golang.org/x/sys/unix"
)

// startAgent runs Start with the test binary as ward (see TestMain) and
// stops the agent at cleanup if the test did not.
func startAgent(t *testing.T, sock string) {
	t.Helper()
	t.Setenv(envTestMain, "1")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := Start(exe, sock); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if c, err := Dial(sock); err == nil {
			c.Stop(context.Background())
			c.Close()
		}
	})
}

func TestStartDetached(t *testing.T) {
	t.Setenv(EnvIdle, "1m")
	sock := sockPath(t)
	startAgent(t, sock)
	ctx := context.Background()
	c := dial(t, sock)
	st, err := c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pid := st.PID
	if pid == os.Getpid() || pid <= 0 {
		t.Fatalf("agent pid %d: not a child process", pid)
	}
	if st.IdleTimeout != 0 && st.IdleTimeout.String() != "1m0s" {
		t.Errorf("%s not passed through: idle timeout %s", EnvIdle, st.IdleTimeout)
	}
	if sid, err := unix.Getsid(pid); err != nil || sid != pid {
		t.Errorf("agent pid %d is in session %d (%v), want its own session", pid, sid, err)
	}
	if pg, _ := syscall.Getpgid(pid); pg == syscall.Getpgrp() {
		t.Errorf("agent shares the test's process group %d", pg)
	}
	checkChildHardened(t, pid)

	// Another process gets what this one put.
	if err := c.Put(ctx, "s1", Entry{Identity: wcrypto.NewSecret(canary), DataKey: NewKey(canaryKey())}); err != nil {
		t.Fatal(err)
	}
	got, err := dial(t, sock).Get(ctx, "s1")
	if err != nil || got.Identity.Reveal() != canary || *got.DataKey.Reveal() != *canaryKey() {
		t.Fatalf("get from the detached agent: %v", err)
	}

	// Start again: the running agent is reused.
	startAgent(t, sock)
	if st2, err := dial(t, sock).Status(ctx); err != nil || st2.PID != pid || st2.Stores != 1 {
		t.Fatalf("second Start: %+v %v, want pid %d still holding 1 store", st2, err, pid)
	}

	if err := c.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "socket stops answering", func() bool { return errors.Is(ping(sock), ErrNotRunning) })
	// Start's goroutine reaps the child, so the pid disappears.
	waitFor(t, "agent process exits", func() bool { return syscall.Kill(pid, 0) == syscall.ESRCH })
}

// checkChildHardened reads /proc for what Main promises on Linux.
func checkChildHardened(t *testing.T, pid int) {
	t.Helper()
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Logf("no /proc: %v", err)
		return
	}
	defer f.Close()
	fields := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		fields[k] = strings.TrimSpace(v)
	}
	t.Logf("agent pid %d: VmLck %s, VmRSS %s", pid, fields["VmLck"], fields["VmRSS"])
	if os.Geteuid() == 0 && (fields["VmLck"] == "" || fields["VmLck"] == "0 kB") {
		t.Errorf("running as root, the agent should have locked its memory: VmLck %q", fields["VmLck"])
	}
}

func TestStartConcurrent(t *testing.T) {
	sock := sockPath(t)
	t.Setenv(envTestMain, "1")
	exe, _ := os.Executable()
	errs := make(chan error, 4)
	for range cap(errs) {
		go func() { errs <- Start(exe, sock) }()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent Start: %v", err)
		}
	}
	c := dial(t, sock)
	if err := c.Put(context.Background(), "s", Entry{DataKey: NewKey(canaryKey())}); err != nil {
		t.Fatal(err)
	}
	// Every Start that returned nil must have left its caller talking to
	// the one agent that holds the key.
	for range 4 {
		if _, err := dial(t, sock).Get(context.Background(), "s"); err != nil {
			t.Fatalf("a second agent answers: %v", err)
		}
	}
	c.Stop(context.Background())
}

func TestStartReportsEarlyExit(t *testing.T) {
	t.Setenv(envTestMain, "exit")
	exe, _ := os.Executable()
	sock := sockPath(t)
	err := Start(exe, sock)
	if err == nil || !strings.Contains(err.Error(), "exited before answering") {
		t.Fatalf("got %v, want an early-exit error", err)
	}
}

// A WARD_AGENT_IDLE the agent would refuse is refused before it starts
// (and, in ward unlock, before the passphrase is asked).
func TestStartRefusesBadIdle(t *testing.T) {
	t.Setenv(envTestMain, "1")
	t.Setenv(EnvIdle, "soon")
	exe, _ := os.Executable()
	err := Start(exe, sockPath(t))
	if err == nil || !strings.Contains(err.Error(), `WARD_AGENT_IDLE="soon" is not a positive duration`) {
		t.Fatalf("got %v", err)
	}
}

func TestMainBadIdle(t *testing.T) {
	exe, _ := os.Executable()
	cmd := exec.Command(exe, AgentCommand)
	cmd.Env = append(os.Environ(), envTestMain+"=1", EnvSock+"="+sockPath(t), EnvIdle+"=-5m")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitError {
		t.Fatalf("exit: %v, want %d", err, ExitError)
	}
	if !strings.Contains(string(out), EnvIdle) {
		t.Errorf("message does not name %s: %q", EnvIdle, out)
	}
}
