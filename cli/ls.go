package cli

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/opsward/ward/store"
)

type lsOptions struct {
	f      *Factory
	Prefix string
	Long   bool
	All    bool
}

func newLsCmd(f *Factory) *cobra.Command {
	opts := &lsOptions{f: f}
	cmd := &cobra.Command{
		Use:     "ls [PREFIX] [--long]",
		Aliases: []string{"list"},
		Short:   "List secrets",
		Long: `List the paths of the secrets whose path starts with PREFIX (a folder such
as prod/, or any start of a path), sorted. Retired secrets (ward rm) are
left out unless --all is given.

--long adds kind, status, current version, last update, owner, and what
needs attention by the dates (expired, expires in Nd, rotation overdue). On a
terminal the columns are aligned under a header; piped, they are
tab-separated without a header, with times in RFC 3339.

JSON (--json): [{"path","kind","status","version","updated","owner",
"expires","rotation_due"}]` + exitStatus(
			"10   no such store",
			"12   wrong identity or passphrase",
		),
		Args: rangeArgs(0, 1, "at most one PREFIX"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Prefix = args[0]
			}
			return runLs(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Long, "long", "l", false, "show kind, status, version, updated and owner")
	cmd.Flags().BoolVarP(&opts.All, "all", "a", false, "also list retired secrets")
	return cmd
}

func runLs(ctx context.Context, opts *lsOptions) error {
	f := opts.f
	prefix := strings.TrimLeft(opts.Prefix, "/")
	if p := strings.TrimSuffix(prefix, "/"); p != "" {
		if _, err := store.CleanPath(p); err != nil {
			return &usageError{fmt.Errorf("prefix: %w", err)} // it matches nothing ward stores
		}
	}
	s, err := f.OpenStore(ctx)
	if err != nil {
		return err
	}
	heads, err := s.List(ctx, prefix)
	if err != nil {
		return err
	}
	if !opts.All {
		heads = slices.DeleteFunc(heads, func(h store.Head) bool { return h.Status == store.StatusRetired })
	}
	if f.JSON {
		type item struct {
			Path        string     `json:"path"`
			Kind        string     `json:"kind"`
			Status      string     `json:"status"`
			Version     int        `json:"version"`
			Updated     *time.Time `json:"updated"`
			Owner       string     `json:"owner"`
			Expires     *time.Time `json:"expires"`
			RotationDue *time.Time `json:"rotation_due"`
		}
		out := make([]item, 0, len(heads))
		for _, h := range heads {
			out = append(out, item{h.Path, string(h.Kind), string(h.Status), h.Current, timeOrNil(h.Updated), h.Owner, timeOrNil(h.Expires), timeOrNil(h.RotateDue)})
		}
		return f.printJSON(out)
	}
	if !opts.Long {
		for _, h := range heads {
			if _, err := fmt.Fprintln(f.Out, h.Path); err != nil {
				return err
			}
		}
		return nil
	}
	t := newTable(f, "PATH", "KIND", "STATUS", "VERSION", "UPDATED", "OWNER", "ATTENTION")
	st := f.styles()
	now := time.Now()
	for _, h := range heads {
		status := string(h.Status)
		if f.IsStdoutTTY() && h.Status == store.StatusCompromised {
			status = st.bad.Render(status)
		}
		var notes []string
		for _, a := range h.Attention(now) {
			notes = append(notes, a.Text)
		}
		t.add(h.Path, orDash(string(h.Kind)), orDash(status), strconv.Itoa(h.Current), f.fmtTime(h.Updated), orDash(h.Owner), orDash(strings.Join(notes, ", ")))
	}
	return t.print()
}
