package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Exit codes of Main.
const (
	ExitOK    = 0 // idle, locked, stopped, signalled, or another agent already runs
	ExitError = 1 // could not serve: unsafe directory, bad WARD_AGENT_IDLE, listen failed
)

// Main is everything the hidden `ward __agent` command does: it hardens the
// process (no core dumps, not dumpable, memory locked where allowed, umask
// 077), reads WARD_AGENT_SOCK (through SocketPath) and WARD_AGENT_IDLE,
// serves until idle, locked, stopped, or sent SIGINT, SIGTERM or SIGHUP,
// and returns the process exit code. Diagnostics go to stderr, which is
// /dev/null when Start ran it and the terminal when a person did.
func Main(ctx context.Context) int {
	logf := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "ward: "+format+"\n", args...)
	}
	setUmask()
	for _, n := range harden() {
		logf("agent: warning: %s", n)
	}
	sock, err := SocketPath()
	if err != nil {
		logf("error: agent: %v", err)
		return ExitError
	}
	idle, err := IdleTimeout()
	if err != nil {
		logf("error: agent: %v", err)
		return ExitError
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	err = Serve(ctx, Options{Sock: sock, IdleTimeout: idle, Logf: logf})
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrAlreadyRunning):
		logf("agent: %v on %s", err, sock)
		return ExitOK
	default:
		logf("error: %v", err)
		return ExitError
	}
}

// IdleTimeout is $WARD_AGENT_IDLE, or DefaultIdleTimeout when it is unset;
// an error when it is not a positive duration.
func IdleTimeout() (time.Duration, error) {
	v := os.Getenv(EnvIdle)
	if v == "" {
		return DefaultIdleTimeout, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q is not a positive duration such as 15m", EnvIdle, v)
	}
	return d, nil
}
