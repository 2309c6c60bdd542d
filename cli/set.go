package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

type setOptions struct {
	f      *Factory
	Ref    string
	Format string
	Merge  bool
	Binary bool
	meta   metaFlags
}

func newSetCmd(f *Factory) *cobra.Command {
	opts := &setOptions{f: f}
	cmd := &cobra.Command{
		Use:   "set PATH[#FIELD]",
		Short: "Store a value, as a new version",
		Long: `Store a value read from stdin as a new version of the secret; on a
terminal, with nothing piped in, ask for it without echo, twice. Values
never come from arguments.

With #FIELD, stdin is that field's value and the secret's other fields are
kept. Exactly one trailing newline is stripped from it; --binary keeps
every byte (a DER key, a keystore: bytes that need not be text).

Without #FIELD, the input may hold several fields: a JSON object of strings
({"username":"u","password":"p"}) or two or more KEY=VALUE lines (.env
style; # comments, "export " and surrounding quotes allowed). The new
version then has exactly those fields (--merge keeps the others). Anything
else is one value: for a new secret the field "value", for an existing one
its "value" or only field. --format raw|env|json decides instead of
guessing.

--kind, --owner, --description, --tag, --usage, --rotate-every and
--expires set metadata in the same change.

JSON (--json): {"path","version","fields":[names]}` + exitStatus(
			"2    bad path, field or flags; or PATH names a secret with several fields",
			"10   no such store",
			"12   wrong identity or passphrase",
		),
		Example: `  printf '%s' "$DB_PASSWORD" | ward set prod/db#password
  ward set prod/db                      # on a terminal: asks twice, no echo
  printf 'username=app\npassword=%s\n' "$P" | ward set prod/db --kind password`,
		Args: exactArgs(1, "one PATH[#FIELD]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			opts.meta.changed = cmd.Flags().Changed
			return runSet(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "", "input format: `raw`, env or json (default: guess)")
	cmd.Flags().BoolVar(&opts.Merge, "merge", false, "keep fields not in the input")
	cmd.Flags().BoolVar(&opts.Binary, "binary", false, "the value is stdin's bytes, exactly: no newline stripped, one field")
	opts.meta.register(cmd, false)
	return cmd
}

func runSet(ctx context.Context, opts *setOptions) error {
	f := opts.f
	ref, err := parseRef(opts.Ref)
	if err != nil {
		return err
	}
	if opts.Binary && opts.Format != "" && opts.Format != formatRaw {
		return usageErrorf("--binary is one value: it goes with no --format")
	}
	if ref.Field != "" && opts.Format != "" && opts.Format != formatRaw {
		return usageErrorf("--format %s reads several fields: give PATH without #FIELD", opts.Format)
	}
	edit, err := opts.meta.editFunc()
	if err != nil {
		return err
	}
	// Unlock first: a wrong passphrase must not throw away a value just
	// typed at the prompt.
	s, err := f.OpenStore(ctx)
	if err != nil {
		return err
	}
	raw, err := readValue(f, ref.String(), opts.Binary)
	if err != nil {
		return err
	}
	var fields store.Fields
	merge := opts.Merge
	value := func() wcrypto.Secret {
		if opts.Binary {
			return wcrypto.NewSecret(string(raw))
		}
		return wcrypto.NewSecret(string(stripNewline(raw)))
	}
	if ref.Field != "" {
		fields = store.Fields{ref.Field: value()}
		merge = true
	} else if opts.Binary {
		name, err := fieldForRawValue(ctx, s, ref)
		if err != nil {
			return err
		}
		fields = store.Fields{name: value()}
		merge = true
	} else {
		m, multi, err := parseFields(raw, opts.Format)
		if err != nil {
			// Bad input, like import's: a usage error (exit 2).
			return &usageError{fmt.Errorf("set %s: %w", ref.Path, err)}
		}
		if multi {
			fields = toFields(m)
			if allEmpty(fields) {
				return usageErrorf("set %s: every field is empty: nothing was changed", ref.Path)
			}
		} else {
			if why := jsonNotFields(raw, opts.Format); why != nil {
				// A JSON object taken whole: said, so that one meant as
				// fields is not found later as a single value.
				fmt.Fprintf(f.ErrOut, "ward: note: the JSON object is stored whole as one value, not as fields: %v\n", why)
			}
			name, err := fieldForRawValue(ctx, s, ref)
			if err != nil {
				return err
			}
			fields = store.Fields{name: value()}
			merge = true
		}
	}
	vi, err := s.Set(ctx, ref.Path, fields, store.SetOptions{Merge: merge, EditMeta: edit})
	if err != nil {
		return err
	}
	if f.JSON {
		return f.printJSON(struct {
			Path    string   `json:"path"`
			Version int      `json:"version"`
			Fields  []string `json:"fields"`
		}{ref.Path, vi.N, vi.Fields})
	}
	f.status("Set %s (version %d, fields: %s)", ref.Path, vi.N, strings.Join(vi.Fields, ", "))
	return nil
}

// jsonNotFields says why input guessed to be one raw value is a JSON
// object that could not be fields, or nil when it is no JSON object (or
// the format was given).
func jsonNotFields(raw []byte, format string) error {
	t := bytes.TrimSpace(raw)
	if format != formatAuto || len(t) == 0 || t[0] != '{' || !json.Valid(t) {
		return nil
	}
	_, err := parseJSONFields(t)
	return err
}

// allEmpty reports whether every field is empty. One empty field among
// others is kept (a .env line EMPTY=, a password left blank on a dev
// database); a secret of nothing but empty fields is a mistake.
func allEmpty(f store.Fields) bool {
	for _, v := range f {
		if v.Len() > 0 {
			return false
		}
	}
	return true
}

// fieldForRawValue picks the field a single value for PATH goes to: "value"
// for a new secret, else the existing secret's "value" or only field.
func fieldForRawValue(ctx context.Context, s *store.Store, ref store.Ref) (string, error) {
	sc, err := s.Show(ctx, ref.Path)
	if errors.Is(err, store.ErrNotFound) {
		return store.DefaultField, nil
	}
	if err != nil {
		return "", err
	}
	vi, ok := sc.Version(sc.Current)
	if !ok || len(vi.Fields) == 0 {
		return store.DefaultField, nil
	}
	return ref.PickField(vi.Fields)
}

// readValue reads a value from stdin, or asks for it on the terminal when
// stdin is one. An empty value is refused.
func readValue(f *Factory, what string, binary bool) ([]byte, error) {
	if f.IsStdinTTY() {
		p := f.Prompter()
		if p == nil {
			return nil, errors.New("no value: nothing on stdin and no terminal to ask on")
		}
		// An empty value is refused after one typing, not two.
		notEmpty := func(v string) error {
			if v == "" {
				return usageErrorf("empty value: nothing was changed")
			}
			return nil
		}
		var v string
		var err error
		if cp, ok := p.(store.CheckingPrompter); ok {
			v, err = cp.NewPassphrase("value for "+what, notEmpty)
		} else if v, err = p.Passphrase("value for "+what, true); err == nil {
			err = notEmpty(v)
		}
		if err != nil {
			return nil, err
		}
		return []byte(v), nil
	}
	b, err := readAllLimited(f.In, store.MaxFieldSize*8)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 || !binary && len(stripNewline(b)) == 0 {
		return nil, withHint(usageErrorf("no value on stdin: nothing was changed"), "pipe the value in: printf '%s' \"$VALUE\" | ward set "+what)
	}
	return b, nil
}
