//go:build unix

package clip

import (
	"os/exec"
	"syscall"
)

// detach puts the clearer in its own session, so a terminal closing or a
// Ctrl-C in the parent's process group does not end it.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
}
