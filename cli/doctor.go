package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/opsward/ward/store"
)

type doctorOptions struct {
	f           *Factory
	AcceptOlder bool
}

func newDoctorCmd(f *Factory) *cobra.Command {
	opts := &doctorOptions{f: f}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check every record, the audit chain and the key envelope",
		Long: `Open the store's header and key envelope, then every record and version,
check that each is where it belongs and agrees with the index, that no
values are orphaned, and that the audit chain is whole. Values are read to
check them but never printed. Problems are named by path where the record
opens, else by the record's keyed hash.

--accept-older-commit goes on from the commit before a newest commit
record that does not check out (writes are refused until then): after a
power loss during a ward write, or once what still opens is copied out. It
is recorded in the audit log.

JSON (--json): {"file","ok","secrets","versions","audit_entries",
"recipients","problems":[{"where","what"}]}` + exitStatus(
			"10   no such store",
			"12   wrong identity or passphrase",
			"13   a problem was found (the report says where)",
		),
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDoctor(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.AcceptOlder, "accept-older-commit", false, "go on from the older commit when the newest commit record is damaged")
	return cmd
}

func runDoctor(ctx context.Context, opts *doctorOptions) error {
	f := opts.f
	s, err := f.OpenStore(ctx)
	if err != nil {
		return err
	}
	if opts.AcceptOlder {
		if err := s.AcceptOlderCommit(ctx); err != nil {
			return err
		}
		f.status("Went on from the older commit; the audit log records it")
	}
	r, err := s.Doctor(ctx)
	if err != nil {
		return err
	}
	if f.JSON {
		type problem struct {
			Where string `json:"where"`
			What  string `json:"what"`
		}
		ps := make([]problem, 0, len(r.Problems))
		for _, p := range r.Problems {
			ps = append(ps, problem{p.Where, p.What})
		}
		if err := f.printJSON(struct {
			File         string    `json:"file"`
			OK           bool      `json:"ok"`
			Secrets      int       `json:"secrets"`
			Versions     int       `json:"versions"`
			AuditEntries int       `json:"audit_entries"`
			Recipients   int       `json:"recipients"`
			Problems     []problem `json:"problems"`
			Unread       bool      `json:"unread,omitempty"`
		}{r.File, r.OK(), r.Secrets, r.Versions, r.AuditEntries, r.Recipients, ps, r.Unread}); err != nil {
			return err
		}
	} else {
		st := f.styles()
		fmt.Fprintf(f.Out, "store:         %s\n", r.File)
		if r.Unread {
			fmt.Fprintln(f.Out, "records:       not read (the file's page tree is damaged; reading it could loop or fault)")
		} else {
			fmt.Fprintf(f.Out, "key envelope:  opens (%d %s)\n", r.Recipients, plural(r.Recipients, "recipient", "recipients"))
			fmt.Fprintf(f.Out, "secrets:       %d\n", r.Secrets)
			fmt.Fprintf(f.Out, "versions:      %d with values\n", r.Versions)
			fmt.Fprintf(f.Out, "audit entries: %d\n", r.AuditEntries)
		}
		if r.OK() {
			fmt.Fprintln(f.Out, st.ok.Render("no problems found"))
			return nil
		}
		fmt.Fprintln(f.Out, st.bad.Render(fmt.Sprintf("%d problem(s):", len(r.Problems))))
		for _, p := range r.Problems {
			fmt.Fprintf(f.Out, "  %s: %s\n", p.Where, p.What)
		}
	}
	if r.OK() {
		return nil
	}
	err = fmt.Errorf("store %s: %d %s, listed above: %w", r.File, len(r.Problems), plural(len(r.Problems), "problem", "problems"), store.ErrCorrupt)
	if r.OnlyTail() {
		return onlyHints(err, tailHint(store.TailFile(r.File)))
	}
	return onlyHints(err, "ward does not repair a store, and a write checks only what it touches: restore the file (and its .ward-audit) from a backup, or export what still opens")
}
