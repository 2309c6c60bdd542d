package cli

import (
	"context"

	"github.com/spf13/cobra"
)

type rollbackOptions struct {
	f    *Factory
	Path string
	To   int
}

func newRollbackCmd(f *Factory) *cobra.Command {
	opts := &rollbackOptions{f: f}
	cmd := &cobra.Command{
		Use:   "rollback PATH --to N",
		Short: "Make an older version current again",
		Long: `Write a new version whose values are those of version N. History is never
rewritten: the versions in between stay.

JSON (--json): {"path","version","from"}` + exitStatus(
			"2    bad path, or no --to",
			"3    no such secret, or version N is gone",
		),
		Args: exactArgs(1, "one PATH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			if !cmd.Flags().Changed("to") {
				return usageErrorf("rollback needs --to N, a version number (see ward history %s)", args[0])
			}
			if opts.To < 1 {
				return usageErrorf("--to %d: versions are numbered from 1 (see ward history %s)", opts.To, args[0])
			}
			return runRollback(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&opts.To, "to", 0, "version `N` to go back to")
	return cmd
}

func runRollback(ctx context.Context, opts *rollbackOptions) error {
	f := opts.f
	path, err := parsePath(opts.Path)
	if err != nil {
		return err
	}
	s, err := f.OpenStore(ctx)
	if err != nil {
		return err
	}
	if sc, err := s.Show(ctx, path); err == nil && sc.Current == opts.To {
		// Rolling back to the current version would add a copy of it.
		if f.JSON {
			return f.printJSON(rollbackJSON{path, sc.Current, opts.To})
		}
		f.status("Nothing changed: version %d of %s is the current one", opts.To, path)
		return nil
	}
	vi, err := s.Rollback(ctx, path, opts.To)
	if err != nil {
		return err
	}
	if f.JSON {
		return f.printJSON(rollbackJSON{path, vi.N, opts.To})
	}
	f.status("Rolled %s back to version %d: now version %d", path, opts.To, vi.N)
	return nil
}

// rollbackJSON is what rollback --json prints: the version now current,
// and the one it came from.
type rollbackJSON struct {
	Path    string `json:"path"`
	Version int    `json:"version"`
	From    int    `json:"from"`
}
