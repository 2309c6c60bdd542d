package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

type getOptions struct {
	f       *Factory
	Ref     string
	Version int
	Binary  bool
}

func newGetCmd(f *Factory) *cobra.Command {
	opts := &getOptions{f: f}
	cmd := &cobra.Command{
		Use:   "get PATH[#FIELD] [--version N]",
		Short: "Print a value",
		Long: `Print one field's value and a newline (--binary: the value's bytes
exactly, with no newline, as set --binary took them). PATH alone means
the field named "value" or, for one-field secrets, the only field. Every
retrieval is recorded in the audit log, with the field and version.

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
			if cmd.Flags().Changed("version") && opts.Version == 0 {
				return usageErrorf("--version must be a positive number (versions start at 1; leave it out for the current one)")
			}
			return runGet(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&opts.Version, "version", 0, "print version `N` instead of the current one")
	cmd.Flags().BoolVar(&opts.Binary, "binary", false, "print the value's bytes exactly, with no newline")
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
	if opts.Binary && f.JSON {
		return usageErrorf("--binary prints one value's bytes: it goes without --json")
	}
	if f.JSON && ref.Field == "" {
		sc, fields, err := s.Get(ctx, ref.Path, store.GetOptions{Version: opts.Version})
		if err != nil {
			return err
		}
		retiredNote(f, sc)
		out, err := fields.Text(ref.Path)
		if err != nil {
			return notJSON(ctx, s, ref.Path, "", err)
		}
		return f.printJSON(struct {
			Path    string            `json:"path"`
			Version int               `json:"version"`
			Fields  map[string]string `json:"fields"`
		}{ref.Path, versionOr(opts.Version, sc.Current), out})
	}
	sc, field, v, err := getField(ctx, s, ref, opts.Version, "get")
	if err != nil {
		return err
	}
	retiredNote(f, sc)
	if f.JSON {
		if _, err := (store.Fields{field: v}).Text(ref.Path); err != nil {
			return notJSON(ctx, s, ref.Path, field, err)
		}
		return f.printJSON(struct {
			Path    string `json:"path"`
			Field   string `json:"field"`
			Version int    `json:"version"`
			Value   string `json:"value"`
		}{ref.Path, field, versionOr(opts.Version, sc.Current), v.Reveal()})
	}
	if opts.Binary {
		_, err = io.WriteString(f.Out, v.Reveal())
		return err
	}
	_, err = fmt.Fprintln(f.Out, v.Reveal())
	return err
}

// notJSON explains how to get a value that JSON cannot hold, and records
// after the retrieval's "ok" that nothing was printed.
func notJSON(ctx context.Context, s *store.Store, path, field string, err error) error {
	var nt *store.NotTextError
	if errors.As(err, &nt) {
		path, field = nt.Path, nt.Field
	}
	if rerr := s.Record(ctx, store.Entry{Action: "get", Path: path, Field: field, Outcome: "not printed",
		Detail: "the value is not UTF-8 text, which --json cannot carry"}); rerr != nil {
		return rerr
	}
	return withHint(err, "print the field's bytes without --json: ward get --binary "+path+"#"+field+" > FILE")
}

// retiredNote says on stderr that a value just read belongs to a retired
// secret: still readable (an investigation may need it), but no longer
// meant to be in use.
func retiredNote(f *Factory, sc *store.Secret) {
	if sc.Meta.Status == store.StatusRetired {
		fmt.Fprintf(f.ErrOut, "ward: note: %s is retired (ward set or rollback brings it back)\n", sc.Path)
	}
}

func versionOr(n, cur int) int {
	if n > 0 {
		return n
	}
	return cur
}

// getField reads the one field ref means in version n (0: current), in a
// single transaction that resolves the field, reads it and audits it with
// action.
func getField(ctx context.Context, s *store.Store, ref store.Ref, n int, action string) (*store.Secret, string, wcrypto.Secret, error) {
	sc, fields, err := s.Get(ctx, ref.Path, store.GetOptions{Version: n, Field: ref.Field, PickField: true, Action: action})
	if err != nil {
		return nil, "", wcrypto.Secret{}, err
	}
	for name, v := range fields {
		return sc, name, v, nil // PickField leaves exactly one
	}
	return nil, "", wcrypto.Secret{}, fmt.Errorf("secret %s: no field read", ref.Path)
}
