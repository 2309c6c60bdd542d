//go:build !unix

package clip

import "os/exec"

func detach(cmd *exec.Cmd) {}
