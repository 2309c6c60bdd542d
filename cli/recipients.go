package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

func newRecipientsCmd(f *Factory) *cobra.Command {
	var own bool
	rm := &cobra.Command{
		Use:   "rm R",
		Short: "Remove a recipient and re-key the store",
		Long: `Remove recipient R (as added, or its rcpt:… fingerprint from ls) and
re-key: a fresh data key, every record resealed, in
one transaction (the removed holder may have kept the old data key). The
last recipient cannot be removed, and the store's own identity (listed
first) only with --own: after that, only --identity with another
recipient's identity file opens the store. On a terminal ward asks you to
type the recipient's fingerprint to confirm; elsewhere it needs --yes.

JSON (--json): {"recipient","fingerprint","action":"rm"}` + exitStatus(
			"2    bad recipient, the last one, or the store's own identity without --own",
			"3    not a recipient of the store",
			"6    not on a terminal and no --yes",
		),
		Args: exactArgs(1, "one recipient"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRecipientsChange(cmd.Context(), f, args[0], true, own)
		},
	}
	rm.Flags().BoolVar(&own, "own", false, "allow removing the store's own identity")
	cmd := &cobra.Command{
		Use:   "recipients ls|add R|rm R",
		Short: "List, add or remove the store's recipients",
		Long: `The store's data key is encrypted to each recipient: its own identity
(listed first) and any recovery or team keys (age1... or ssh-ed25519).

JSON (--json) for ls: [{"recipient","fingerprint","own"}]` + exitStatus(
			"2    bad recipient",
			"3    no such recipient",
			"6    rm not on a terminal and no --yes",
		),
		Args: exactArgs(0, "a subcommand: ls, add or rm"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRecipientsLs(cmd.Context(), f)
		},
	}
	cmd.AddCommand(
		&cobra.Command{
			Use:   "ls",
			Short: "List the recipients",
			Long: `List the recipients, the store's own first, with their fingerprints.
Piped: recipient, fingerprint, and "own" or "extra", tab-separated.

JSON (--json): [{"recipient","fingerprint","own"}]` + exitStatus(),
			Args: exactArgs(0, "no arguments"),
			RunE: func(cmd *cobra.Command, args []string) error { return runRecipientsLs(cmd.Context(), f) },
		},
		&cobra.Command{
			Use:   "add R",
			Short: "Encrypt the data key to one more recipient",
			Long: `Wrap the store's data key to recipient R as well (age1... or an
ssh-ed25519 public key line). Adding one already there changes nothing.

JSON (--json): {"recipient","fingerprint","action":"add"}` + exitStatus("2    bad recipient"),
			Args: exactArgs(1, "one recipient"),
			RunE: func(cmd *cobra.Command, args []string) error {
				return runRecipientsChange(cmd.Context(), f, args[0], false, false)
			},
		},
		rm,
	)
	return cmd
}

func runRecipientsLs(ctx context.Context, f *Factory) error {
	s, err := f.OpenStore(ctx)
	if err != nil {
		return err
	}
	rs, err := s.Recipients(ctx)
	if err != nil {
		return err
	}
	if f.JSON {
		type item struct {
			Recipient   string `json:"recipient"`
			Fingerprint string `json:"fingerprint"`
			Own         bool   `json:"own"`
		}
		out := make([]item, 0, len(rs))
		for i, r := range rs {
			out = append(out, item{r, wcrypto.Fingerprint(r), i == 0})
		}
		return f.printJSON(out)
	}
	t := newTable(f, "RECIPIENT", "FINGERPRINT", "ROLE")
	for i, r := range rs {
		role := "extra"
		if i == 0 {
			role = "own"
		}
		t.add(r, wcrypto.Fingerprint(r), role)
	}
	return t.print()
}

func runRecipientsChange(ctx context.Context, f *Factory, r string, remove, allowOwn bool) error {
	// rm also takes the fingerprint that ls and add print (rcpt:…).
	byPrint := remove && strings.HasPrefix(r, "rcpt:")
	var canon, fp string
	if byPrint {
		fp = r
	} else {
		var err error
		if canon, err = wcrypto.CanonicalRecipient(r); err != nil {
			return &usageError{err}
		}
		fp = wcrypto.Fingerprint(canon)
	}
	s, err := f.OpenStore(ctx)
	if err != nil {
		return err
	}
	action, own := "add", false
	if remove {
		action = "rm"
		rs, lerr := s.Recipients(ctx)
		if lerr != nil {
			return lerr
		}
		if byPrint {
			for _, x := range rs {
				if wcrypto.Fingerprint(x) == fp {
					canon = x
				}
			}
		}
		if !slices.Contains(rs, canon) {
			return withHint(fmt.Errorf("recipient %s is not one of the store's: %w", fp, store.ErrNotFound), "ward recipients ls lists them")
		}
		if len(rs) == 1 {
			return usageErrorf("recipient %s is the last one: the store would be unreadable", fp)
		}
		what := "removing recipient " + fp + " and re-keying the store"
		if own = rs[0] == canon; own {
			// The store's own identity (keyring or identity file) stops
			// opening it: only the other recipients' identities will. A
			// --yes in a script is not enough for that.
			if !allowOwn && len(rs) > 1 { // the last one: RemoveRecipient refuses
				return withHint(usageErrorf("recipient %s is the store's own identity: without it, only --identity with another recipient's identity file opens the store", fp), "if that is what you want: ward recipients rm --own "+fp)
			}
			what += " (it is the store's own identity: from then on only --identity with another recipient's identity opens the store)"
		}
		if err := f.confirmDestructive(what, fp); err != nil {
			return err
		}
		err = s.RemoveRecipient(ctx, canon)
	} else {
		rs, lerr := s.Recipients(ctx)
		if lerr != nil {
			return lerr
		}
		if slices.Contains(rs, canon) && !f.JSON {
			f.status("Recipient %s is already one of the store's: nothing changed", fp)
			return nil
		}
		err = s.AddRecipient(ctx, canon)
	}
	if err != nil {
		return err
	}
	if f.JSON {
		return f.printJSON(map[string]string{"recipient": canon, "fingerprint": fp, "action": action})
	}
	if remove {
		f.status("Removed recipient %s and re-keyed the store", fp)
		if own {
			fmt.Fprintf(f.ErrOut, "ward: warning: that was the store's own identity: open the store with --identity and another recipient's identity from now on\n")
		}
	} else {
		f.status("Added recipient %s", fp)
	}
	return nil
}
