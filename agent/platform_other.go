//go:build !unix

package agent

import (
	"io/fs"
	"net"
	"os"
	"syscall"
)

const supported = false

func ownerOf(fs.FileInfo) (int, bool)          { return 0, false }
func detached() *syscall.SysProcAttr           { return nil }
func lockDir(string) (*os.File, error)         { return nil, ErrUnsupported }
func setUmask()                                {}
func refused(error) bool                       { return false }
func peerUID(*net.UnixConn) (int, bool, error) { return 0, false, nil }
func harden() []string                         { return nil }

const peerChecked = false
