package agent

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"
)

// AgentCommand is the hidden subcommand Start runs: `<exe> __agent`. The
// command must call Main and exit with its result.
const AgentCommand = "__agent"

// startTimeout bounds how long Start waits for a new agent to answer.
const startTimeout = 5 * time.Second

// Check checks, before anything is asked, that the agent could be started
// at sock ("" for the default path): a supported system, a readable
// WARD_AGENT_IDLE, a socket path
// that fits, and a directory only the user can reach (created if missing).
// `ward unlock` calls it before the passphrase is typed.
func Check(sock string) error {
	if !supported {
		return ErrUnsupported
	}
	if _, err := IdleTimeout(); err != nil {
		return err
	}
	if sock == "" {
		var err error
		if sock, err = SocketPath(); err != nil {
			return err
		}
	}
	return prepareDir(sock)
}

// Start makes sure an agent serves sock (empty: SocketPath()). If one
// already answers it returns nil at once. Otherwise it runs `exe __agent`
// as a detached process (a new session, no controlling terminal, stdin,
// stdout and stderr on /dev/null, working directory /, WARD_AGENT_SOCK set
// to sock, the rest of the environment inherited, so WARD_AGENT_IDLE
// passes through) and waits until the agent answers a status request.
//
// It returns an error if the socket's directory is unsafe (wrapping
// ErrUnsafe), if the agent exits before answering (to see why, run
// `WARD_AGENT_SOCK=… exe __agent` in a terminal), or if it does not answer
// within 5 seconds, in which case it is killed.
func Start(exe string, sock string) error {
	if sock == "" {
		var err error
		if sock, err = SocketPath(); err != nil {
			return err
		}
	}
	if err := Check(sock); err != nil {
		return err
	}
	if ping(sock) == nil {
		return nil
	}
	cmd := exec.Command(exe, AgentCommand)
	cmd.Env = append(cmd.Environ(), EnvSock+"="+sock) // the last value of a key wins
	cmd.Dir = "/"
	cmd.SysProcAttr = detached()
	// Stdin, Stdout and Stderr stay nil: os/exec connects them to /dev/null.
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start agent: %w", err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	exited := waited // nil once the child exited with status 0

	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	wait := time.Millisecond
	for {
		err := ping(sock)
		if err == nil {
			return nil
		}
		if !errors.Is(err, ErrNotRunning) {
			cmd.Process.Kill()
			return fmt.Errorf("start agent: %w", err)
		}
		select {
		case err := <-exited:
			if err != nil {
				return fmt.Errorf("start agent: %s %s exited before answering (%v); run it in a terminal with %s=%s to see why", exe, AgentCommand, err, EnvSock, sock)
			}
			// Status 0: another agent won the race for the socket (ours
			// found the lock taken) and may still be on its way to
			// listening. Keep polling for it until the deadline.
			exited = nil
		case <-deadline.C:
			if exited == nil {
				return fmt.Errorf("start agent: %s %s left another agent in charge, and none answers on %s within %s", exe, AgentCommand, sock, startTimeout)
			}
			cmd.Process.Kill()
			return fmt.Errorf("start agent: no answer on %s within %s", sock, startTimeout)
		case <-time.After(wait):
			wait = min(2*wait, 50*time.Millisecond)
		}
	}
}

// ping returns nil if an agent answers a status request on sock.
func ping(sock string) error {
	c, err := Dial(sock)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err = c.Status(ctx)
	return err
}
