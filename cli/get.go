package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/opsward/ward/store"
)

type getOptions struct {
	f       *Factory
	Ref     string
	Version int
}

func newGetCmd(f *Factory) *cobra.Command {
	opts := &getOptions{f: f}
	cmd := &cobra.Command{
		Use:   "get PATH[#FIELD] [--version N]",
		Short: "Print a value",
		Long: `Print one field's value and a newline. PATH alone means the field named
"value" or, for one-field secrets, the only field. Every retrieval is
recorded in the audit log, with the field and version.

--version N prints an older version.

JSON (--json): {"path","field","version","value"}; with --json and PATH
alone, every field: {"path","version","fields":{"name":"value",...}}.` + exitStatus(
			"2    bad path, or PATH has several fields and none is named",
			"3    no such secret, field or version",
			"10   no such store",
			"12   wrong identity or passphrase",
		),
		Example: `  ward get prod/db#password
  PGPASSWORD=$(ward get prod/db#password) psql ...
  ward get prod/db --json | jq -r .fields.username`,
		Args: exactArgs(1, "one PATH[#FIELD]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			return runGet(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&opts.Version, "version", 0, "print version `N` instead of the current one")
	return cmd
}

func runGet(ctx context.Context, opts *getOptions) error {
	f := opts.f
	ref, err := parseRef(opts.Ref)
	if err != nil {
		return err
	}
	if opts.Version < 0 {
		return usageErrorf("--version must be a positive number")
	}
	s, err := f.OpenStore(ctx)
	if err != nil {
		return err
	}
	if f.JSON && ref.Field == "" {
		sc, fields, err := s.Get(ctx, ref.Path, store.GetOptions{Version: opts.Version})
		if err != nil {
			return err
		}
		out := make(map[string]string, len(fields))
		for k, v := range fields {
			out[k] = v.Reveal()
		}
		return f.printJSON(struct {
			Path    string            `json:"path"`
			Version int               `json:"version"`
			Fields  map[string]string `json:"fields"`
		}{ref.Path, versionOr(opts.Version, sc.Current), out})
	}
	// One transaction resolves the field, reads it and audits it.
	sc, fields, err := s.Get(ctx, ref.Path, store.GetOptions{Version: opts.Version, Field: ref.Field, PickField: true})
	if err != nil {
		return err
	}
	var field string
	for name := range fields {
		field = name // PickField leaves exactly one
	}
	v := fields[field]
	if f.JSON {
		return f.printJSON(struct {
			Path    string `json:"path"`
			Field   string `json:"field"`
			Version int    `json:"version"`
			Value   string `json:"value"`
		}{ref.Path, field, versionOr(opts.Version, sc.Current), v.Reveal()})
	}
	_, err = fmt.Fprintln(f.Out, v.Reveal())
	return err
}

func versionOr(n, cur int) int {
	if n > 0 {
		return n
	}
	return cur
}

// resolveField names the field ref means in version n (0: current) of its
// secret, from the secret's history, without reading any value.
func resolveField(ctx context.Context, s *store.Store, ref store.Ref, n int) (string, *store.Secret, error) {
	sc, err := s.Show(ctx, ref.Path)
	if err != nil {
		return "", nil, err
	}
	vi, ok := sc.Version(versionOr(n, sc.Current))
	if !ok {
		return "", nil, fmt.Errorf("secret %s has no version %d (versions 1 to %d): %w", sc.Path, n, sc.Current, store.ErrNotFound)
	}
	field, err := ref.PickField(vi.Fields)
	return field, sc, err
}
