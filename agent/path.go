package agent

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Environment variables read by SocketPath and Main.
const (
	// EnvSock overrides the socket path.
	EnvSock = "WARD_AGENT_SOCK"
	// EnvIdle sets the idle timeout of an agent started by Main, as a Go
	// duration ("15m", "90s"). It must be positive.
	EnvIdle = "WARD_AGENT_IDLE"
)

// DefaultIdleTimeout is how long the agent keeps what it holds without a
// get or put.
const DefaultIdleTimeout = 15 * time.Minute

// maxSockPath is the longest socket path every unix accepts: sun_path is 108
// bytes on Linux and 104 on the BSDs and macOS, including the final NUL.
const maxSockPath = 103

// SocketPath returns where the agent of the current user listens:
// $WARD_AGENT_SOCK if set (made absolute), else $XDG_RUNTIME_DIR/ward/agent.sock, else
// /tmp/ward-<uid>/agent.sock. It neither creates nor checks anything.
func SocketPath() (string, error) {
	if !supported {
		return "", ErrUnsupported
	}
	if s := os.Getenv(EnvSock); s != "" {
		// Absolute, because the agent Start runs works in /.
		return filepath.Abs(s)
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "ward", "agent.sock"), nil
	}
	// /tmp, not $TMPDIR: cron jobs, sudo and login shells disagree about
	// TMPDIR, and they must all find the same agent.
	return filepath.Join("/tmp", "ward-"+strconv.Itoa(os.Getuid()), "agent.sock"), nil
}

// prepareDir creates the socket's directory (mode 0700) if it is missing
// and checks it with checkDir.
func prepareDir(sock string) error {
	if len(sock) > maxSockPath {
		return fmt.Errorf("agent socket path %s is %d bytes long, longer than unix sockets allow (%d): set %s to a shorter path", sock, len(sock), maxSockPath, EnvSock)
	}
	dir := filepath.Dir(sock)
	err := checkDir(dir)
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create agent socket directory: %w", err)
	}
	return checkDir(dir)
}

// checkDir refuses a socket directory that another user could reach: it must
// be a real directory (not a symlink), owned by the current user, and
// closed to group and others. A missing directory wraps fs.ErrNotExist.
func checkDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return fmt.Errorf("check agent socket directory: %w", err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return &UnsafeError{Path: dir, Reason: "it is a symbolic link; remove it, or set " + EnvSock + " to a path in a directory only you can reach"}
	}
	if !fi.IsDir() {
		return &UnsafeError{Path: dir, Reason: "it is not a directory"}
	}
	if uid, ok := ownerOf(fi); ok && uid != os.Getuid() {
		return &UnsafeError{Path: dir, Reason: fmt.Sprintf("it is owned by uid %d, not by you (uid %d); set %s to a path in a directory only you can reach", uid, os.Getuid(), EnvSock)}
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return &UnsafeError{Path: dir, Reason: fmt.Sprintf("its mode is %04o, so group or others can reach it; run: chmod 700 %s", perm, dir)}
	}
	return nil
}
