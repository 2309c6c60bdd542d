package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/opsward/ward/crypto/gen"
	"github.com/opsward/ward/store"
)

type genOptions struct {
	f       *Factory
	Ref     string
	Spec    string
	changed func(string) bool

	Length      int
	NoSymbols   bool
	NoAmbiguous bool
	Token       string
	Bytes       int
	Prefix      string
	Passphrase  bool
	Words       int
	SSH         bool
	Comment     string
	Print       bool
}

func newGenCmd(f *Factory) *cobra.Command {
	opts := &genOptions{f: f}
	cmd := &cobra.Command{
		Use:   "gen PATH[#FIELD] [SPEC] [flags]",
		Short: "Generate a value and store it",
		Long: `Generate a password, token, passphrase or SSH key and store it as a new
version of the secret (other fields are kept). The value is not printed
unless --print asks for it; read it later with ward get or ward copy.

What to generate comes from flags or a SPEC string (not both):

  password (default)   --length N (24) --no-symbols --no-ambiguous
  token                --token hex|base64url --bytes N (32) --prefix P
  passphrase           --passphrase --words N (6)
  ssh-ed25519 key      --ssh [--comment C]: fields private_key, public_key

  SPEC examples: password:32:noambiguous  token:base64url:32:prefix=wrd_
                 passphrase:6:capitalize:digit  ssh-ed25519:comment=deploy@web1

With --print, the value (for an SSH key, the public key line) is printed
to stdout.

JSON (--json): {"path","version","fields","spec","bits"}, plus
"values":{"field":"value"} with --print.` + exitStatus(
			"2    bad path, spec or flags",
			"10   no such store",
		),
		Example: `  ward gen prod/db#password --length 32 --no-ambiguous
  ward gen prod/api#token --token base64url --prefix wrd_
  ward gen ops/deploy-key --ssh --comment deploy@web1`,
		Args: rangeArgs(1, 2, "PATH[#FIELD] and an optional SPEC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if len(args) == 2 {
				opts.Spec = args[1]
			}
			opts.changed = cmd.Flags().Changed
			return runGen(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&opts.Length, "length", 0, "password length (default 24)")
	fl.BoolVar(&opts.NoSymbols, "no-symbols", false, "password without symbols")
	fl.BoolVar(&opts.NoAmbiguous, "no-ambiguous", false, "leave out look-alike characters (0 O o 1 l I | ` ' \")")
	fl.StringVar(&opts.Token, "token", "", "random token, `ENC`oded hex or base64url")
	fl.IntVar(&opts.Bytes, "bytes", 0, "token random bytes (default 32)")
	fl.StringVar(&opts.Prefix, "prefix", "", "token `PREFIX` such as wrd_, for secret scanners")
	fl.BoolVar(&opts.Passphrase, "passphrase", false, "words from a 4096-word list")
	fl.IntVar(&opts.Words, "words", 0, "passphrase words (default 6)")
	fl.BoolVar(&opts.SSH, "ssh", false, "an ssh-ed25519 key pair")
	fl.StringVar(&opts.Comment, "comment", "", "SSH key comment")
	fl.BoolVar(&opts.Print, "print", false, "also print the generated value")
	return cmd
}

// genSpec builds the spec from SPEC or the flags.
func (o *genOptions) genSpec(field string) (gen.Spec, error) {
	groups := map[string][]string{
		"password":   {"length", "no-symbols", "no-ambiguous"},
		"token":      {"token", "bytes", "prefix"},
		"passphrase": {"passphrase", "words"},
		"ssh":        {"ssh", "comment"},
	}
	// 0 is how the flags say "the default": asked for outright, it is
	// a mistake, not a default.
	for fl, v := range map[string]int{"length": o.Length, "bytes": o.Bytes, "words": o.Words} {
		if o.changed(fl) && v < 1 {
			return gen.Spec{}, usageErrorf("--%s must be at least 1", fl)
		}
	}
	var kinds []string
	for k, flags := range groups {
		for _, fl := range flags {
			if o.changed(fl) {
				kinds = append(kinds, k)
				break
			}
		}
	}
	var spec gen.Spec
	switch {
	case o.Spec != "":
		if len(kinds) > 0 {
			return spec, usageErrorf("give a SPEC or generator flags, not both")
		}
		var err error
		if spec, err = gen.ParseSpec(o.Spec); err != nil {
			return spec, &usageError{err}
		}
		if field != "" && spec.Kind != gen.KindSSHEd25519 {
			if strings.Contains(o.Spec, ":field=") && spec.Field != field {
				return spec, usageErrorf("the path names field %q and the spec another", field)
			}
			spec.Field = field
		}
	case len(kinds) > 1:
		return spec, usageErrorf("flags for %s do not go together: pick one kind", strings.Join(kinds, " and "))
	default:
		k := "password"
		if len(kinds) == 1 {
			k = kinds[0]
		}
		switch k {
		case "password":
			spec = gen.Spec{Kind: gen.KindPassword, Password: gen.PasswordOptions{Length: o.Length, ExcludeAmbiguous: o.NoAmbiguous}}
			if o.NoSymbols {
				p := &spec.Password
				p.Lower, p.Upper, p.Digits = true, true, true
			}
		case "token":
			spec = gen.Spec{Kind: gen.KindToken, Token: gen.TokenOptions{Bytes: o.Bytes, Encoding: o.Token, Prefix: o.Prefix}}
		case "passphrase":
			spec = gen.Spec{Kind: gen.KindPassphrase, Passphrase: gen.PassphraseOptions{Words: o.Words}}
		case "ssh":
			spec = gen.Spec{Kind: gen.KindSSHEd25519, SSHComment: o.Comment}
		}
		spec.Field = field
	}
	if spec.Kind == gen.KindSSHEd25519 && field != "" {
		return spec, usageErrorf("an SSH key makes two fields, private_key and public_key: give PATH without #FIELD")
	}
	if spec.Field == "" && spec.Kind != gen.KindSSHEd25519 {
		spec.Field = gen.FieldValue
	}
	if err := spec.Validate(); err != nil {
		return spec, &usageError{err}
	}
	return spec, nil
}

func genKind(k gen.Kind) store.Kind {
	switch k {
	case gen.KindToken:
		return store.KindToken
	case gen.KindSSHEd25519:
		return store.KindSSHKey
	default:
		return store.KindPassword
	}
}

func runGen(ctx context.Context, opts *genOptions) error {
	f := opts.f
	ref, err := parseRef(opts.Ref)
	if err != nil {
		return err
	}
	spec, err := opts.genSpec(ref.Field)
	if err != nil {
		return err
	}
	s, err := f.OpenStore(ctx)
	if err != nil {
		return err
	}
	if ref.Field == "" && spec.Kind != gen.KindSSHEd25519 && !strings.Contains(opts.Spec, ":field=") {
		// PATH alone on an existing secret means its field the way get
		// and set read it ("value", else the only one); several others
		// are ambiguous, as for set, rather than a new "value" field.
		sc, err := s.Show(ctx, ref.Path)
		switch {
		case err == nil && len(sc.Versions) > 0:
			names := sc.Versions[len(sc.Versions)-1].Fields
			if ref.Field, err = ref.PickField(names); err != nil {
				return err
			}
			if spec, err = opts.genSpec(ref.Field); err != nil {
				return err
			}
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	m, err := spec.Generate()
	if err != nil {
		return err
	}
	vi, err := s.Set(ctx, ref.Path, toFields(m), store.SetOptions{
		Merge: true, Action: "gen", Meta: &store.Meta{Kind: genKind(spec.Kind)},
	})
	if err != nil {
		return err
	}
	printed := m[spec.Field]
	if spec.Kind == gen.KindSSHEd25519 {
		printed = m[gen.FieldPublicKey]
	}
	if f.JSON {
		out := struct {
			Path    string            `json:"path"`
			Version int               `json:"version"`
			Fields  []string          `json:"fields"`
			Spec    string            `json:"spec"`
			Bits    float64           `json:"bits"`
			Values  map[string]string `json:"values,omitempty"`
		}{ref.Path, vi.N, spec.Fields(), spec.String(), spec.Bits(), nil}
		if opts.Print {
			out.Values = m
		}
		return f.printJSON(out)
	}
	f.status("Generated %s for %s (%s, %.0f bits): version %d", strings.Join(spec.Fields(), " and "), ref.Path, spec.Kind, spec.Bits(), vi.N)
	if opts.Print {
		_, err = fmt.Fprintln(f.Out, strings.TrimRight(printed, "\n"))
	}
	return err
}
