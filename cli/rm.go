package cli

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/opsward/ward/store"
)

type rmOptions struct {
	f     *Factory
	Path  string
	Purge bool
}

func newRmCmd(f *Factory) *cobra.Command {
	opts := &rmOptions{f: f}
	cmd := &cobra.Command{
		Use:   "rm PATH [--purge]",
		Short: "Retire a secret, or purge it for good",
		Long: `Retire a secret: its status becomes retired and its versions are kept (set
brings it back).

--purge deletes the secret and every version of it for good. On a
terminal ward asks you to type the path to confirm; elsewhere it needs
--yes, and without it exits 6 having changed nothing.

JSON (--json): {"path","action":"retire"|"purge"}` + exitStatus(
			"2    bad path",
			"3    no such secret",
			"6    --purge not on a terminal and no --yes",
		),
		Args: exactArgs(1, "one PATH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			return runRm(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Purge, "purge", false, "delete every version for good (asks to confirm)")
	return cmd
}

func runRm(ctx context.Context, opts *rmOptions) error {
	f := opts.f
	path, err := parsePath(opts.Path)
	if err != nil {
		return err
	}
	s, err := f.OpenStore(ctx)
	if err != nil {
		return err
	}
	action := "retire"
	if opts.Purge {
		action = "purge"
		// Check it exists before asking: a confirmation for nothing wastes
		// the operator's attention.
		if _, err := s.Show(ctx, path); err != nil {
			return err
		}
		if err := f.confirmDestructive("purging "+path+" and all its versions", path); err != nil {
			return err
		}
		if err := s.Purge(ctx, path); err != nil {
			return err
		}
		f.status("Purged %s and all its versions", path)
	} else {
		switch _, err := s.Retire(ctx, path); {
		case errors.Is(err, store.ErrRetired):
			// Already so: what rm asks for holds, and a script that
			// retires twice has not failed.
			f.status("%s is retired already: nothing changed", path)
		case err != nil:
			return err
		default:
			f.status("Retired %s (versions kept; ward rm --purge deletes them)", path)
		}
	}
	if f.JSON {
		return f.printJSON(map[string]string{"path": path, "action": action})
	}
	return nil
}
