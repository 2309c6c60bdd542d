package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/opsward/ward/store"
)

type auditOptions struct {
	f     *Factory
	Path  string
	Since string
	Limit int
	// limitSet: --limit was given (0 then is a mistake, not "all").
	limitSet bool
}

func newAuditCmd(f *Factory) *cobra.Command {
	opts := &auditOptions{f: f}
	cmd := &cobra.Command{
		Use:   "audit [--path P] [--since T] [--limit N]",
		Short: "List the audit log, or verify it",
		Long: `List audit log entries, oldest first: every retrieval, copy, export and
change, with time, actor, action, path, field, version and outcome. No
entry ever holds a value. Listing checks the hash chain as it reads and
fails if it is broken.

--path P keeps entries for path P, or under P when it ends in "/".
--since T keeps entries at or after T: an RFC 3339 time, a date, or a
duration back from now such as 24h or 7d. --limit N keeps the newest N.

JSON (--json): one object per line (JSON lines, for a SIEM):
{"seq","time","actor","action","path","field","version","outcome","detail"}` + exitStatus(
			"2    bad --since or --limit",
			"13   the audit chain is broken (entries removed, changed or reordered)",
		),
		Args: exactArgs(0, "no arguments (did you mean ward audit verify?)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.limitSet = cmd.Flags().Changed("limit")
			return runAudit(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Path, "path", "", "entries for path `P` (or under P/)")
	cmd.Flags().StringVar(&opts.Since, "since", "", "entries at or after `T` (RFC 3339, date, or duration like 24h)")
	cmd.Flags().IntVar(&opts.Limit, "limit", 0, "the newest `N` entries")
	cmd.AddCommand(newAuditVerifyCmd(f), newAuditRestartCmd(f))
	return cmd
}

func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	if d, err := store.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-time.Duration(d)), nil
	}
	return time.Time{}, usageErrorf("bad --since %q: want an RFC 3339 time, a date such as 2026-01-31, or a duration such as 24h", s)
}

func runAudit(ctx context.Context, opts *auditOptions) error {
	f := opts.f
	since, err := parseSince(opts.Since, time.Now())
	if err != nil {
		return err
	}
	if opts.Limit < 0 || opts.limitSet && opts.Limit == 0 {
		return usageErrorf("--limit must be at least 1 (leave it out for every entry)")
	}
	if p := strings.TrimSuffix(opts.Path, "/"); p != "" {
		if _, err := store.CleanPath(p); err != nil {
			return &usageError{fmt.Errorf("--path: %w", err)}
		}
	}
	s, err := f.OpenStore(ctx)
	if err != nil {
		return err
	}
	entries, err := s.Audit(ctx, store.AuditFilter{Path: opts.Path, Since: since, Limit: opts.Limit})
	if err != nil {
		if ae := (*store.AuditError)(nil); errors.As(err, &ae) && ae.Lost {
			return err // its own hint says how to go on
		}
		return withHint(err, "ward audit verify says where the chain breaks")
	}
	if f.JSON {
		for _, e := range entries {
			e.Time = e.Time.UTC()
			b, err := json.Marshal(e)
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(f.Out, "%s\n", b); err != nil {
				return err
			}
		}
		return nil
	}
	t := newTable(f, "SEQ", "TIME", "ACTOR", "ACTION", "PATH", "VERSION", "OUTCOME", "DETAIL")
	for _, e := range entries {
		target := e.Path
		if e.Field != "" {
			target += "#" + e.Field
		}
		v := "-"
		if e.Version > 0 {
			v = strconv.Itoa(e.Version)
		}
		t.add(strconv.FormatUint(e.Seq, 10), f.fmtTime(e.Time), e.Actor, e.Action, orDash(target), v, e.Outcome, orDash(e.Detail))
	}
	return t.print()
}

func newAuditVerifyCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: "Check the audit log's hash chain",
		Long: `Check every entry of the audit log against the hash chain and the head
kept in the store header: an entry removed, changed or reordered is found
and named by its sequence number.

JSON (--json): {"ok":true,"entries":N}` + exitStatus(
			"13   the chain is broken",
		),
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := f.OpenStore(ctx)
			if err != nil {
				return err
			}
			n, err := s.VerifyAudit(ctx)
			if err != nil {
				return err
			}
			if f.JSON {
				return f.printJSON(map[string]any{"ok": true, "entries": n})
			}
			_, err = fmt.Fprintf(f.Out, "audit log intact: %d entries\n", n)
			return err
		},
	}
}

func newAuditRestartCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "restart",
		Short: "Record that the audit tail was lost, and start a new one",
		Long: `The newest retrievals are audited in a file beside the store,
NAME.ward-audit, until the next change moves them into the store. When
that file is missing (deleted, or moved aside because it was damaged),
every command refuses to go on with exit status 13: the retrievals it
recorded are gone, and that must not pass unseen.

restart records the loss as an entry in the store's own audit chain
("audit-restart") and starts a new file. Keep a damaged file you moved
aside for an investigation.` + exitStatus(
			"4    the file is there: nothing to restart (move a damaged one aside first)",
		),
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := f.OpenStore(ctx)
			if err != nil {
				return err
			}
			if err := s.RestartTail(ctx); err != nil {
				return err
			}
			if f.JSON {
				return f.printJSON(map[string]any{"ok": true})
			}
			_, err = fmt.Fprintf(f.ErrOut, "Recorded the loss of the audit tail of %s in its audit log; a new one begins.\n", s.Name)
			return err
		},
	}
}
