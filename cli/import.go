package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/spf13/cobra"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

type importOptions struct {
	f         *Factory
	Source    string
	Format    string
	Prefix    string
	Path      string
	Overwrite bool
}

func newImportCmd(f *Factory) *cobra.Command {
	opts := &importOptions{f: f}
	cmd := &cobra.Command{
		Use:   "import FILE|- [--format ward|env|json] [--prefix P] [--path P]",
		Short: "Read secrets from a ward export, a .env file or JSON",
		Long: `Import secrets from FILE, or stdin for "-", in one transaction: all of them
or, on any error, none.

Formats (guessed from the content unless --format says):

  ward   an age file from ward export. It is decrypted with the --identity
         files given (also tried, with the store's own identity, to unlock
         the store), or without them with the store's own identity (OS
         keyring or passphrase file), which opens an export made from this
         store to its recipients. Metadata and times come along.
  json   an object of path -> object of field -> value:
         {"prod/db":{"username":"app","password":"..."}}
  env    KEY=VALUE lines as docker compose reads .env files: # comments,
         "export ", 'single' quotes as written, "double" quotes with \n
         escapes and over several lines. With --path P, every key becomes
         a field of the one secret P. Without it, every key becomes its own
         secret named KEY (under --prefix), with its value in the field
         "value".

--prefix P puts every imported path under P/. A path that exists already
stops the import (exit 4, nothing written) unless --overwrite, which writes
a new version. Errors name a bad line by number, never by content.

A secret whose every value is empty (a .env line EMPTY=) is skipped, and
said; an empty field beside others is kept.

JSON (--json): {"imported":N,"paths":[...],"skipped_empty":[...]}` + exitStatus(
			"2    bad format, path or input",
			"4    a path exists (no --overwrite)",
			"12   the export is for another key",
		),
		Example: `  ward import backup.age -i ~/.config/ward/recovery.key
  ward import .env --path prod/api
  ward import .env --prefix prod/api
  ward import - --format json < secrets.json`,
		Args: exactArgs(1, "one FILE or -"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Source = args[0]
			return runImport(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "", "input `FORMAT`: ward, env or json (default: guess)")
	cmd.Flags().StringVar(&opts.Prefix, "prefix", "", "put imported paths under `P`/")
	cmd.Flags().StringVar(&opts.Path, "path", "", "env format: import every key as a field of secret `P`")
	cmd.Flags().BoolVar(&opts.Overwrite, "overwrite", false, "write a new version where a path exists")
	return cmd
}

func runImport(ctx context.Context, opts *importOptions) error {
	f := opts.f
	var src io.Reader = f.In
	name := "stdin"
	if opts.Source != "-" {
		fh, err := os.Open(opts.Source)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer fh.Close()
		src, name = fh, opts.Source
	} else if f.IsStdinTTY() {
		return usageErrorf("import - reads stdin, which is a terminal: pipe the file in or name it")
	}
	b, err := readAllLimited(src, maxInput)
	if err != nil {
		return err
	}
	format := opts.Format
	if format == "" {
		format = guessImportFormat(b)
	}
	if opts.Path != "" && format != formatEnv {
		return usageErrorf("--path is for the env format only")
	}
	var items []store.Item
	switch format {
	case formatWard:
		items, err = importWard(ctx, f, b, name)
	case formatJSON:
		items, err = importJSON(b)
	case formatEnv:
		items, err = importEnv(b, opts.Path)
	default:
		return usageErrorf("unknown --format %q (want ward, env or json)", format)
	}
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return usageErrorf("import %s: no secrets in it", name)
	}
	// A secret of nothing but empty values (a .env line EMPTY=) is not
	// kept, and said; one empty field among others is kept.
	prefix := strings.Trim(opts.Prefix, "/")
	var skipped []string // named as they would have been imported
	kept := items[:0]
	for _, it := range items {
		if allEmpty(it.Fields) {
			p := it.Path
			if prefix != "" {
				p = prefix + "/" + p
			}
			skipped = append(skipped, p)
			continue
		}
		kept = append(kept, it)
	}
	if items = kept; len(items) == 0 {
		return usageErrorf("import %s: every secret in it is empty (%s): nothing to import", name, strings.Join(skipped, ", "))
	}
	seen := map[string]bool{}
	for i := range items {
		p := items[i].Path
		if prefix != "" {
			p = prefix + "/" + p
		}
		clean, err := store.CleanPath(p)
		if err != nil {
			return &usageError{fmt.Errorf("import %s: secret %d: %w", name, i+1, err)}
		}
		if seen[clean] {
			return &usageError{fmt.Errorf("import %s: path %s comes twice", name, clean)}
		}
		seen[clean] = true
		items[i].Path = clean
		items[i].Action = "import"
		items[i].CreateOnly = !opts.Overwrite
	}
	s, err := openStoreForImport(ctx, f)
	if err != nil {
		return err
	}
	if err := s.SetMany(ctx, items); err != nil {
		if errors.Is(err, store.ErrExists) {
			return withHint(fmt.Errorf("import: %w: nothing was imported", err), "--overwrite writes new versions of existing secrets; --prefix P imports beside them")
		}
		return err
	}
	paths := make([]string, 0, len(items))
	for _, it := range items {
		paths = append(paths, it.Path)
	}
	sort.Strings(paths)
	if len(skipped) > 0 {
		fmt.Fprintf(f.ErrOut, "ward: warning: skipped %d empty %s (ward keeps no secret without a value): %s\n",
			len(skipped), plural(len(skipped), "secret", "secrets"), strings.Join(skipped, ", "))
	}
	if f.JSON {
		return f.printJSON(map[string]any{"imported": len(items), "paths": paths, "skipped_empty": nonNil(skipped)})
	}
	f.status("Imported %d secret(s) from %s", len(items), name)
	return nil
}

// openStoreForImport unlocks the store with the --identity files, and when
// they do not fit (they were given to decrypt the export) with the store's
// own identity.
func openStoreForImport(ctx context.Context, f *Factory) (*store.Store, error) {
	s, err := f.OpenStore(ctx)
	if err == nil || !errors.Is(err, store.ErrWrongKey) || len(f.Identities) == 0 {
		return s, err
	}
	if s, err = f.openLocked(ctx); err != nil {
		return nil, err
	}
	return s, s.UnlockWith(ctx, store.Credentials{Prompter: f.Prompter()})
}

// ownIdentities reads the identity of the store named by --store.
func ownIdentities(ctx context.Context, f *Factory) ([]age.Identity, error) {
	s, err := f.openLocked(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := s.OwnIdentities(ctx, f.Prompter())
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", s.Name, err)
	}
	return ids, nil
}

func guessImportFormat(b []byte) string {
	switch t := bytes.TrimSpace(b); {
	case bytes.HasPrefix(b, []byte("age-encryption.org/")), bytes.HasPrefix(t, []byte(armor.Header)):
		return formatWard
	case len(t) > 0 && t[0] == '{':
		return formatJSON
	}
	return formatEnv
}

func importWard(ctx context.Context, f *Factory, b []byte, name string) ([]store.Item, error) {
	// Said before any identity is read or passphrase asked.
	if guessImportFormat(b) != formatWard {
		return nil, usageErrorf("import %s: not a readable age file (a ward export begins age-encryption.org/ or is armored)", name)
	}
	var ids []age.Identity
	p := f.Prompter()
	if len(f.Identities) == 0 {
		// Without --identity, the store's own identity: an export made to
		// the store's recipients, the default, opens where it was made
		// even when that identity lives only in the OS keyring.
		own, err := ownIdentities(ctx, f)
		if errors.Is(err, store.ErrNeedIdentity) {
			return nil, withHint(usageErrorf("import %s: a ward export needs the identity to decrypt it", name), "name it with --identity FILE")
		}
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", name, err)
		}
		ids = own
	}
	for _, file := range f.Identities {
		got, err := wcrypto.ReadIdentityFile(file, func() (string, error) {
			if p == nil {
				return "", store.ErrNeedPassphrase
			}
			return p.Passphrase("passphrase for identity file "+file, false)
		})
		if err != nil {
			return nil, err
		}
		ids = append(ids, got...)
	}
	var r io.Reader = bytes.NewReader(b)
	if t := bytes.TrimSpace(b); bytes.HasPrefix(t, []byte(armor.Header)) {
		r = armor.NewReader(bytes.NewReader(t))
	}
	dr, err := age.Decrypt(r, ids...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) && len(f.Identities) == 0 {
			return nil, withHint(fmt.Errorf("import %s: this store's identity cannot decrypt it: %w", name, store.ErrWrongKey), "an export made to a store's recipients opens with that store's identity: import it with --store THAT, or name an identity it was made for with --identity FILE")
		}
		if errors.As(err, &nm) {
			return nil, fmt.Errorf("import %s: no given identity can decrypt it: %w", name, store.ErrWrongKey)
		}
		return nil, &usageError{fmt.Errorf("import %s: not a readable age file", name)}
	}
	pt, err := readAllLimited(bufio.NewReader(dr), maxInput)
	if err != nil {
		return nil, &usageError{fmt.Errorf("import %s: damaged age file", name)}
	}
	var doc exportDoc
	if err := decodeJSON(pt, &doc); err != nil {
		return nil, &usageError{fmt.Errorf("import %s: %v", name, err)}
	}
	if doc.Format != exportFormat || doc.Version < 1 || doc.Version > 2 {
		return nil, &usageError{fmt.Errorf("import %s: not a ward export of version 1 or 2", name)}
	}
	items := make([]store.Item, 0, len(doc.Secrets))
	for i, sc := range doc.Secrets {
		fields := toFields(sc.Fields)
		for k, b64 := range sc.Binary {
			v, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				return nil, &usageError{fmt.Errorf("import %s: secret %d, binary field %q: not base64", name, i+1, k)}
			}
			if _, dup := fields[k]; dup {
				return nil, &usageError{fmt.Errorf("import %s: secret %d: field %q is given twice", name, i+1, k)}
			}
			fields[k] = wcrypto.NewSecret(string(v))
		}
		if len(fields) == 0 {
			return nil, &usageError{fmt.Errorf("import %s: secret %d has no fields", name, i+1)}
		}
		meta := sc.Meta
		items = append(items, store.Item{Path: sc.Path, Fields: fields, SetOptions: store.SetOptions{Meta: &meta, At: sc.Updated, CreatedAt: sc.Created, RotatedAt: sc.Rotated}})
	}
	return items, nil
}

func importJSON(b []byte) ([]store.Item, error) {
	var m map[string]map[string]string
	if err := decodeJSON(b, &m); err != nil {
		return nil, &usageError{fmt.Errorf("import: %w", err)}
	}
	paths := make([]string, 0, len(m))
	for p := range m {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	items := make([]store.Item, 0, len(m))
	for i, p := range paths {
		if len(m[p]) == 0 {
			return nil, usageErrorf("import: secret %d (%s) has no fields", i+1, p)
		}
		items = append(items, store.Item{Path: p, Fields: toFields(m[p])})
	}
	return items, nil
}

func importEnv(b []byte, path string) ([]store.Item, error) {
	m, err := parseEnv(b)
	if err != nil {
		return nil, &usageError{fmt.Errorf("import: %w", err)}
	}
	if path != "" {
		return []store.Item{{Path: path, Fields: toFields(m)}}, nil
	}
	items := make([]store.Item, 0, len(m))
	for k, v := range m {
		items = append(items, store.Item{Path: k, Fields: toFields(map[string]string{store.DefaultField: v})})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Path < items[j].Path })
	return items, nil
}
