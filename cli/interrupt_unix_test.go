//go:build unix

package cli

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"
)

// The first signal runs the command's soft stop, the next cancels the
// context.
func TestInterruptsSoftThenCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := &interrupts{cancel: cancel}
	in.catch()
	soft := make(chan struct{})
	done := in.softly(func() { close(soft) })
	defer done()

	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-soft:
	case <-time.After(10 * time.Second):
		t.Fatal("the first SIGINT did not run the soft stop")
	}
	if ctx.Err() != nil {
		t.Fatal("the first SIGINT cancelled the context as well")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the second SIGINT did not cancel the context")
	}
}
