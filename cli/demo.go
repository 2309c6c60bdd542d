package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/internal/demo"
	"github.com/opsward/ward/store"
	"github.com/opsward/ward/ui"
)

// demoSize is how many fake secrets the demo store holds.
const demoSize = 300

func newDemoCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Try the TUI on a throw-away store of fake secrets",
		Long: `Open the terminal UI on a temporary store filled with about 300 obviously
fake secrets, a few of them expiring, overdue, compromised or retired. Its
identity lives in memory only; the store is deleted when you quit, and on
an error, Ctrl-C or SIGTERM. Your own stores are not touched.` + exitStatus(
			"1    not on a terminal, or the TUI failed",
			"130  interrupted",
		),
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !f.IsStdinTTY() || !f.IsStdoutTTY() {
				return errors.New("ward demo needs a terminal")
			}
			return runDemo(cmd.Context(), f.NoColor)
		},
	}
}

func runDemo(ctx context.Context, noColor bool) (err error) {
	dir, err := os.MkdirTemp("", "ward-demo-")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	// ctx ends on SIGINT and SIGTERM (see Execute), so this runs then too.
	defer func() {
		if rerr := os.RemoveAll(dir); rerr != nil && err == nil {
			err = fmt.Errorf("demo: remove %s: %w", dir, rerr)
		}
	}()
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	id := wcrypto.NewIdentity()
	s, err := store.Create(ctx, filepath.Join(dir, "demo.ward"), store.CreateOptions{
		Mode: store.IdentityExternal, Recipients: []string{id.Recipient().String()},
	})
	if err != nil {
		return err
	}
	if err := demo.Fill(ctx, s, demoSize); err != nil {
		return err
	}
	return ui.Run(ctx, ui.Config{Store: s, Demo: true, NoColor: noColor})
}
