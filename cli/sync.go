package cli

// Rules this file enforces: the plan and the summary name paths, actions,
// versions and metadata keys, never a value; the progress line goes to
// stderr only when stderr is a terminal; conflicts are never resolved
// unless --prefer names a side, and server versions are destroyed only
// with --destroy.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/opsward/ward/store"
	wsync "github.com/opsward/ward/sync"
)

// errSyncConflicts is returned when a sync leaves conflicts (exit 5).
var errSyncConflicts = errors.New("sync conflicts left unresolved")

// errSyncFailures is returned when some paths failed (exit 1).
var errSyncFailures = errors.New("failed to sync")

type syncOptions struct {
	f       *Factory
	Name    string
	DryRun  bool
	Prefer  string
	Destroy bool
}

func newSyncCmd(f *Factory) *cobra.Command {
	opts := &syncOptions{f: f}
	cmd := &cobra.Command{
		Use:   "sync [NAME] [--dry-run] [--prefer local|remote] [--destroy]",
		Short: "Sync the store with a Vault or OpenBao KV mount",
		Long: `Sync the store with remote NAME (optional when there is only one): plan,
print the plan, apply it, print the summary. A path changed on one side
since the last sync moves to the other; a path changed on both sides with
different values is a conflict, left untouched on both sides unless
--prefer says which side wins. Paths that failed (a policy that denies one
path) are named with the reason; the others go on.

--dry-run prints the plan and changes nothing. A secret deleted or retired
locally is soft-deleted on the server (recoverable with vault kv
undelete); --destroy destroys its versions instead, and asks to confirm
(--yes off a terminal). A sync that would delete more than 10 paths, and
more than a tenth of them, on either side (a wiped server, the wrong
prefix) asks first too.

A one-line progress counter is drawn on stderr when stderr is a terminal.
Values never appear in the output: paths, actions, versions and metadata
keys only. The sync and every write are in the audit log.

Each plan line is action, path and detail, tab-separated when piped; the
summary's conflict, failed and skipped lines are tab-separated too.

JSON (--json): with --dry-run the plan, {"remote","addr","mount","prefix",
"created","items":[{"path","remote_path","action","reason",...}],"noop",
"failures":[{"path","op","error"}],"skipped":[{"path","op","error"}]};
otherwise {"plan","summary"} where summary is {"remote","pushed","pulled",
"deleted","adopted","noop","conflicts":[paths],"failures":[{"path","op",
"error"}],"skipped":[...],"stopped","not_attempted"}.` + exitStatus(
			"1    some paths failed (named in the summary)",
			"2    bad flags, or NAME missing with several remotes",
			"3    no such remote, or no remote at all",
			"5    conflicts left unresolved: ward sync --prefer local|remote",
			"6    --destroy, or many deletes, not on a terminal and no --yes",
			"15   remote authentication needed: ward remote login NAME",
			"16   remote unreachable or misbehaving",
		),
		Example: `  ward sync --dry-run
  ward sync vault
  ward sync vault --prefer remote        # conflicts: the server's side wins
  ward sync vault --dry-run --json | jq '.items[] | select(.action=="conflict") | .path'`,
		Args: rangeArgs(0, 1, "at most one NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Name = args[0]
			}
			return runSync(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the plan and change nothing")
	fl.StringVar(&opts.Prefer, "prefer", "", "resolve conflicts in favour of `side`: local or remote")
	fl.BoolVar(&opts.Destroy, "destroy", false, "destroy the server's versions of locally deleted paths (asks to confirm)")
	return cmd
}

func runSync(ctx context.Context, opts *syncOptions) error {
	f := opts.f
	prefer := wsync.Side(opts.Prefer)
	if prefer != "" && prefer != wsync.PreferLocal && prefer != wsync.PreferRemote {
		return usageErrorf("--prefer %q: want local or remote", opts.Prefer)
	}
	s, err := f.OpenStore(ctx)
	if err != nil {
		return err
	}
	name, err := pickRemote(ctx, s, opts.Name)
	if err != nil {
		return err
	}
	prog := newProgress(f)
	c, err := wsync.Connect(ctx, s, name, wsync.ConnectOptions{})
	if err != nil {
		return remoteHints(err, name)
	}
	for _, w := range c.Warnings {
		fmt.Fprintf(f.ErrOut, "ward: warning: %s\n", w)
	}
	plan, err := c.Plan(ctx, s, wsync.PlanOptions{Progress: prog.event})
	prog.clear()
	if err != nil {
		return remoteHints(err, name)
	}
	if opts.DryRun {
		if f.JSON {
			return f.printJSON(plan)
		}
		if err := printPlan(f, plan, prefer); err != nil {
			return err
		}
		f.status("%s (dry run: nothing changed)", planCounts(plan))
		return nil
	}
	if !f.JSON {
		if err := printPlan(f, plan, prefer); err != nil {
			return err
		}
	}
	// A server wiped or restored from an old snapshot, or the wrong
	// prefix, shows up as many deletes at once: ask before carrying them
	// out (retired secrets keep their versions, deleted server versions
	// can be undeleted, but neither by one command).
	if del, paths := plan.Count(wsync.ActionDeleteLocal)+plan.Count(wsync.ActionDeleteRemote), len(plan.Items)+plan.Noop; del > massDelete(paths) {
		what := fmt.Sprintf("this sync would delete %d of %d paths (%d retired here, %d deleted on the server): check that the remote is the server you mean",
			del, paths, plan.Count(wsync.ActionDeleteLocal), plan.Count(wsync.ActionDeleteRemote))
		if err := f.confirm(what); err != nil {
			return err
		}
	}
	if opts.Destroy && destroys(plan, prefer) > 0 {
		if err := f.confirmDestructive(fmt.Sprintf("destroying every server version of up to %d %s deleted locally", destroys(plan, prefer), plural(destroys(plan, prefer), "path", "paths")), "destroy"); err != nil {
			return err
		}
	}
	// The first Ctrl-C lets the writes under way finish, so that each
	// path is either sent or not; the second cuts them off.
	stop := make(chan struct{})
	done := f.softly(func() {
		prog.note(f.ErrOut, "ward: stopping once the writes under way are done (Ctrl-C again to cut them off)")
		close(stop)
	})
	sum, aerr := c.Apply(ctx, s, plan, wsync.ApplyOptions{Prefer: prefer, Destroy: opts.Destroy, Progress: prog.event, Stop: stop})
	done()
	prog.clear()
	if sum != nil {
		if f.JSON {
			if err := f.printJSON(struct {
				Plan    *wsync.Plan    `json:"plan"`
				Summary *wsync.Summary `json:"summary"`
			}{plan, sum}); err != nil {
				return err
			}
		} else if err := printSummary(f, sum); err != nil {
			return err
		}
	}
	switch {
	case errors.Is(aerr, wsync.ErrStopped):
		// The summary above says what was done and what was not.
		return fmt.Errorf("remote %s: %w", name, errInterrupted)
	case aerr != nil:
		return remoteHints(aerr, name)
	case len(sum.Conflicts) > 0:
		return onlyHints(fmt.Errorf("remote %s: %w: %s", name, errSyncConflicts, listPaths(sum.Conflicts)),
			"both sides are untouched; keep one with: ward sync "+name+" --prefer local|remote",
			"or compare and merge them in the TUI's sync screen (ward)")
	case len(sum.Failures) > 0:
		return fmt.Errorf("remote %s: %d %s %w (named above)", name, len(sum.Failures), plural(len(sum.Failures), "path", "paths"), errSyncFailures)
	}
	return nil
}

// pickRemote returns name, or the only remote when name is empty.
func pickRemote(ctx context.Context, s *store.Store, name string) (string, error) {
	if name != "" {
		if _, err := wsync.GetRemote(ctx, s, name); err != nil {
			return "", err
		}
		return name, nil
	}
	rs, err := wsync.ListRemotes(ctx, s)
	if err != nil {
		return "", err
	}
	switch len(rs) {
	case 0:
		return "", withHint(fmt.Errorf("no remotes: %w", wsync.ErrNoRemote), "add one with: ward remote add NAME --addr URL --mount MOUNT")
	case 1:
		return rs[0].Name, nil
	}
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.Name
	}
	return "", usageErrorf("%d remotes (%s): name the one to sync: ward sync NAME", len(rs), strings.Join(names, ", "))
}

// remoteHints adds the next step for an error of remote name: log in
// again for a refused or missing token.
func remoteHints(err error, name string) error {
	switch exitCode(err) {
	case ExitRemoteAuth:
		return withHint(err, "ward remote login "+name)
	case ExitRemote:
		return withHint(err, "check the server and the remote's address: ward remote ls")
	}
	return err
}

// destroys counts the paths an apply could destroy on the server.
func destroys(p *wsync.Plan, prefer wsync.Side) int {
	n := p.Count(wsync.ActionDeleteRemote)
	if prefer == wsync.PreferLocal {
		n += p.Count(wsync.ActionConflict)
	}
	return n
}

// printPlan prints one line per path with something to do, then the
// paths the plan could not judge.
func printPlan(f *Factory, p *wsync.Plan, prefer wsync.Side) error {
	t := newTable(f, "ACTION", "PATH", "DETAIL")
	for _, it := range p.Items {
		if it.Action == wsync.ActionAdopt || it.Action == wsync.ActionForget {
			continue // bookkeeping only: nothing moves
		}
		detail := itemDetail(it)
		if it.Action == wsync.ActionConflict && prefer != "" {
			detail += "; --prefer " + string(prefer) + ": the " + string(prefer) + " side wins"
		}
		t.add(string(it.Action), it.Path, detail)
	}
	for _, e := range p.Failures {
		t.add("failed", e.Path, e.Op+": "+e.Err.Error())
	}
	for _, e := range p.Skipped {
		t.add("skipped", e.Path, e.Err.Error())
	}
	return t.print()
}

// itemDetail is the reason and what moves: metadata keys by name, never
// their values.
func itemDetail(it wsync.Item) string {
	parts := []string{}
	if it.Reason != "" {
		parts = append(parts, it.Reason)
	}
	// Where the values move, their metadata goes with them; say so only
	// when metadata moves on its own (or the other way).
	if len(it.MetaPush) > 0 && it.Fields != "push" {
		keys := make([]string, 0, len(it.MetaPush))
		for k := range it.MetaPush {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts = append(parts, "metadata to the server: "+strings.Join(keys, ", "))
	}
	if len(it.MetaPull) > 0 && it.Fields != "pull" {
		parts = append(parts, "metadata from the server: "+strings.Join(it.MetaPull, ", "))
	}
	parts = append(parts, it.Warnings...)
	return strings.Join(parts, "; ")
}

// planCounts is the plan in one line: "remote r: 2 to push, ...".
func planCounts(p *wsync.Plan) string {
	return fmt.Sprintf("remote %s: %d to push, %d to pull, %d to merge, %d to delete on the server, %d to retire locally, %d conflicts, %d in sync, %d failures, %d skipped",
		p.Remote, p.Count(wsync.ActionPush), p.Count(wsync.ActionPull), p.Count(wsync.ActionMerge),
		p.Count(wsync.ActionDeleteRemote), p.Count(wsync.ActionDeleteLocal), p.Count(wsync.ActionConflict),
		p.Noop+p.Count(wsync.ActionAdopt)+p.Count(wsync.ActionForget), len(p.Failures), len(p.Skipped))
}

// printSummary prints what the apply did, then each conflict and failure
// by path.
func printSummary(f *Factory, s *wsync.Summary) error {
	w := f.Out
	if _, err := fmt.Fprintln(w, s.String()); err != nil {
		return err
	}
	for _, p := range s.Conflicts {
		fmt.Fprintf(w, "conflict\t%s\n", p)
	}
	for _, e := range s.Failures {
		fmt.Fprintf(w, "failed\t%s\t%s: %v\n", e.Path, e.Op, e.Err)
	}
	// What the store cannot hold (a field name it does not allow, no
	// fields): left on the server, said every time rather than dropped
	// unseen.
	for _, e := range s.Skipped {
		fmt.Fprintf(w, "skipped\t%s\t%s: %v\n", e.Path, e.Op, e.Err)
	}
	return nil
}

// listPaths names up to five paths, then how many more.
func listPaths(ps []string) string {
	if len(ps) <= 5 {
		return strings.Join(ps, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ps[:5], ", "), len(ps)-5)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// massDelete is how many deletes a sync of paths paths carries out without
// asking: 10, or a tenth of the paths when that is more.
func massDelete(paths int) int { return max(10, paths/10) }

// progress draws one line on stderr, redrawn with \r, when stderr is a
// terminal; elsewhere it does nothing (a log file or a pipe gets no
// carriage returns).
type progress struct {
	mu    sync.Mutex // a note can come from the signal handler
	w     io.Writer  // nil: off
	last  time.Time
	drawn bool
}

func newProgress(f *Factory) *progress {
	if fl, ok := f.ErrOut.(*os.File); ok && isTerminal(fl) {
		return &progress{w: f.ErrOut}
	}
	return &progress{}
}

// event redraws the line at most ten times a second, and always for the
// last path. Sync calls it one event at a time.
func (p *progress) event(e wsync.Event) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond && (e.Total == 0 || e.Done < e.Total) {
		return
	}
	p.last = now
	fmt.Fprintf(p.w, "\r\x1b[K%s", progressLine(e))
	p.drawn = true
}

// clear removes the line, so what follows starts on a clean one.
func (p *progress) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
}

func (p *progress) clearLocked() {
	if p.w != nil && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// note writes a line to w (stderr) with the progress line out of its way.
func (p *progress) note(w io.Writer, line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	fmt.Fprintln(w, line)
}

// progressLine is "ward: planning: 120 paths" or "ward: applying
// [#####-----] 12/40".
func progressLine(e wsync.Event) string {
	if e.Total <= 0 {
		return fmt.Sprintf("ward: %s: %d paths", phaseName(e.Phase), e.Done)
	}
	const width = 24
	n := min(width, e.Done*width/e.Total)
	return fmt.Sprintf("ward: %s [%s%s] %d/%d", phaseName(e.Phase), strings.Repeat("#", n), strings.Repeat("-", width-n), e.Done, e.Total)
}

func phaseName(p string) string {
	switch p {
	case "plan":
		return "planning"
	case "apply":
		return "applying"
	}
	return p
}
