package cli

import (
	"context"

	"github.com/spf13/cobra"
)

type mvOptions struct {
	f        *Factory
	Src, Dst string
	Copy     bool
}

func newMvCmd(f *Factory) *cobra.Command {
	opts := &mvOptions{f: f}
	return &cobra.Command{
		Use:   "mv SRC DST",
		Short: "Rename a secret, with its history",
		Long: `Rename the secret SRC to DST, with every version and its metadata. DST must
not exist.

JSON (--json): {"from","to"}` + exitStatus(
			"2    bad path",
			"3    no such secret SRC",
			"4    DST already exists",
		),
		Args: exactArgs(2, "SRC and DST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Src, opts.Dst = args[0], args[1]
			return runMv(cmd.Context(), opts)
		},
	}
}

func newCpCmd(f *Factory) *cobra.Command {
	opts := &mvOptions{f: f, Copy: true}
	return &cobra.Command{
		Use:   "cp SRC DST",
		Short: "Copy a secret's current values to a new path",
		Long: `Make DST a new secret with SRC's metadata and current values, as its
version 1; SRC's history stays with SRC. DST must not exist.

JSON (--json): {"from","to"}` + exitStatus(
			"2    bad path",
			"3    no such secret SRC",
			"4    DST already exists",
		),
		Args: exactArgs(2, "SRC and DST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Src, opts.Dst = args[0], args[1]
			return runMv(cmd.Context(), opts)
		},
	}
}

func runMv(ctx context.Context, opts *mvOptions) error {
	f := opts.f
	src, err := parsePath(opts.Src)
	if err != nil {
		return err
	}
	dst, err := parsePath(opts.Dst)
	if err != nil {
		return err
	}
	if src == dst {
		return usageErrorf("source and destination are both %s", src)
	}
	s, err := f.OpenStore(ctx)
	if err != nil {
		return err
	}
	if opts.Copy {
		err = s.Copy(ctx, src, dst)
	} else {
		err = s.Move(ctx, src, dst)
	}
	if err != nil {
		return err
	}
	if f.JSON {
		return f.printJSON(map[string]string{"from": src, "to": dst})
	}
	if opts.Copy {
		f.status("Copied %s to %s", src, dst)
	} else {
		f.status("Moved %s to %s", src, dst)
	}
	return nil
}
