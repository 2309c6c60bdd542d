package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

type initOptions struct {
	f          *Factory
	Recipients []string
	NoKeyring  bool
}

func newInitCmd(f *Factory) *cobra.Command {
	opts := &initOptions{f: f}
	cmd := &cobra.Command{
		Use:   "init [--store NAME] [--identity FILE] [--recipient R]... [--no-keyring]",
		Short: "Create a store",
		Long: `Create a new store (the default one, or the one --store names) with its own
age identity.

The identity is generated and kept in the OS keyring. Where no keyring is
reachable (a headless or SSH session, a container), ward says why in one
sentence and protects the identity with a passphrase instead, in an age
file beside the store; --no-keyring goes there directly. Asking for that
passphrase needs a terminal.

With --identity FILE, the first age identity in FILE becomes the store's
own and ward keeps nothing of it: every later command needs --identity FILE
(this is how scripts and tests use ward).

--recipient adds recovery or team recipients (age1... or ssh-ed25519 keys)
to which the store's data key is also encrypted.

JSON (--json): {"store","file","mode","recipient","identity_file","fallback"}` + exitStatus(
			"2    bad flags or store name",
			"4    the store already exists",
			"14   no usable keyring and no terminal to ask a passphrase on",
		),
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInit(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.Recipients, "recipient", nil, "also encrypt to recipient `R` (age1... or ssh-ed25519; repeatable)")
	cmd.Flags().BoolVar(&opts.NoKeyring, "no-keyring", false, "keep the identity in a passphrase-protected file, not the OS keyring")
	return cmd
}

func runInit(ctx context.Context, opts *initOptions) error {
	f := opts.f
	file, err := f.StoreFile()
	if err != nil {
		return err
	}
	if len(f.Identities) > 1 {
		return usageErrorf("init takes at most one --identity FILE")
	}
	for _, r := range opts.Recipients {
		if _, err := wcrypto.ParseRecipient(r); err != nil {
			return &usageError{fmt.Errorf("--recipient: %w", err)}
		}
	}
	io := store.InitOptions{Recipients: opts.Recipients, Prompter: f.Prompter(), NoKeyring: opts.NoKeyring}
	if len(f.Identities) == 1 {
		if opts.NoKeyring {
			return usageErrorf("--identity and --no-keyring do not go together: with --identity the identity stays in your file")
		}
		io.IdentityFile = f.Identities[0]
	}
	res, err := store.Init(ctx, file, io)
	if err != nil {
		if hs := initHints(err, opts); len(hs) > 0 {
			// The general hints speak of a store that exists.
			return onlyHints(err, hs...)
		}
		return err
	}
	s := res.Store
	if f.JSON {
		return f.printJSON(struct {
			Store        string `json:"store"`
			File         string `json:"file"`
			Mode         string `json:"mode"`
			Recipient    string `json:"recipient"`
			IdentityFile string `json:"identity_file,omitempty"`
			Fallback     string `json:"fallback,omitempty"`
		}{s.Name, s.File, string(s.Mode()), res.Recipient, res.IdentityPath, res.Fallback})
	}
	fmt.Fprintf(f.ErrOut, "Created store %q in %s\n", s.Name, s.File)
	switch s.Mode() {
	case store.IdentityKeyring:
		fmt.Fprintf(f.ErrOut, "Its identity is in the OS keyring (service %q, account %q).\n", "ward", s.KeyringUser())
	case store.IdentityFile:
		// Why the keyring was not used was said with the passphrase
		// question (the only way here when it failed).
		fmt.Fprintf(f.ErrOut, "Its identity is in a passphrase-protected file: %s\n", res.IdentityPath)
	case store.IdentityExternal:
		fmt.Fprintf(f.ErrOut, "Its identity is yours, in %s: unlock with --identity %s\n", io.IdentityFile, io.IdentityFile)
	}
	fmt.Fprintf(f.ErrOut, "Recipient: %s\n", res.Recipient)
	return nil
}

func initHints(err error, opts *initOptions) []string {
	switch exitCode(err) {
	case ExitNoKeyring:
		return []string{"run ward init on a terminal to set a passphrase, or give an identity with --identity FILE"}
	case ExitExists:
		return []string{"pick another name with --store NAME"}
	}
	return nil
}
