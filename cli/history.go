package cli

import (
	"context"

	"github.com/spf13/cobra"
)

type historyOptions struct {
	f    *Factory
	Path string
}

func newHistoryCmd(f *Factory) *cobra.Command {
	opts := &historyOptions{f: f}
	return &cobra.Command{
		Use:   "history PATH",
		Short: "List a secret's versions",
		Long: `List a secret's versions, newest first: when, by whom, by what action, and
which fields. No values. Versions past the retention limit keep their
description but not their values.

Piped, each version is one tab-separated line: the word "version", its
number, when (RFC 3339), by whom, the action, the field names.

JSON (--json): {"path","current","versions":[{"version","created","author",
"action","fields","purged"}]}` + exitStatus(
			"2    bad path",
			"3    no such secret",
		),
		Args: exactArgs(1, "one PATH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			return runHistory(cmd.Context(), opts)
		},
	}
}

func runHistory(ctx context.Context, opts *historyOptions) error {
	f := opts.f
	sc, err := f.showSecret(ctx, opts.Path)
	if err != nil {
		return err
	}
	if f.JSON {
		return f.printJSON(struct {
			Path     string        `json:"path"`
			Current  int           `json:"current"`
			Versions []versionJSON `json:"versions"`
		}{sc.Path, sc.Current, versionsJSON(sc)})
	}
	return printVersions(f, sc)
}
