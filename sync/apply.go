package sync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	stdsync "sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

// Rules of this file: for each path, remote writes first, then the local
// write, then the new base with its audit entry in one store transaction.
// A crash anywhere in between leaves a state the next plan recognises
// (both sides changed to the same values: adopt), never a duplicate write.
// Every server write names the version it expects (cas, or the version it
// deletes), so a change made on the server after the plan is never
// overwritten: it becomes a conflict.

// Side is one side of a sync.
type Side string

// The sides.
const (
	PreferLocal  Side = "local"
	PreferRemote Side = "remote"
)

// ApplyOptions shape an apply.
type ApplyOptions struct {
	// Prefer resolves conflicts in favour of one side; empty leaves them
	// untouched (the CLI then exits with its conflict code).
	Prefer Side
	// Destroy destroys the server's versions of paths deleted locally,
	// instead of the recoverable soft delete of the latest version.
	Destroy bool
	// Progress, if set, hears about each path applied.
	Progress func(Event)
	// Stop, when closed, ends the apply between paths: the writes under
	// way finish, no more start, and Apply returns ErrStopped. (Ending
	// ctx instead also cuts the requests under way.)
	Stop <-chan struct{}
}

func stopped(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// Summary is what an apply did.
type Summary struct {
	Remote  string `json:"remote"`
	Pushed  int    `json:"pushed"`
	Pulled  int    `json:"pulled"`
	Deleted int    `json:"deleted"`
	Adopted int    `json:"adopted"` // bases recorded or dropped, nothing moved
	Noop    int    `json:"noop"`
	// Conflicts lists the paths left for the operator.
	Conflicts []string     `json:"conflicts"`
	Failures  []*PathError `json:"failures"`
	Skipped   []*PathError `json:"skipped,omitempty"`
	// Stopped says why the apply stopped before the end (the server went
	// away, the token was refused); the paths not reached are counted in
	// NotAttempted and are untouched.
	Stopped      string `json:"stopped,omitempty"`
	NotAttempted int    `json:"not_attempted,omitempty"`
}

// String is the one-line summary.
func (s *Summary) String() string {
	out := fmt.Sprintf("remote %s: %d pushed, %d pulled, %d deleted, %d conflicts, %d failures",
		s.Remote, s.Pushed, s.Pulled, s.Deleted, len(s.Conflicts), len(s.Failures))
	if len(s.Skipped) > 0 {
		out += fmt.Sprintf(", %d skipped", len(s.Skipped))
	}
	if s.Stopped != "" {
		out += fmt.Sprintf(" (stopped: %s; %d paths not attempted)", s.Stopped, s.NotAttempted)
	}
	return out
}

type applier struct {
	c *Client
	s *store.Store
	o ApplyOptions

	mu      stdsync.Mutex
	sum     *Summary
	pending []store.StateOp // adopt and forget, flushed in batches
	done    int
	total   int
}

// adoptBatch bounds the bookkeeping-only base updates of one transaction.
const adoptBatch = 256

// Apply carries out a plan. Each path is independent: a failure is
// recorded in the summary and the others go on, unless the server stops
// answering or refuses the token, which stops the apply (Summary.Stopped,
// and an error wrapping ErrUnreachable or ErrLoginAgain). Running it again,
// or planning and applying again after a crash, converges: see doc.go.
// The sync and every write are audited.
func (c *Client) Apply(ctx context.Context, s *store.Store, p *Plan, o ApplyOptions) (*Summary, error) {
	if p.Remote != c.Remote.Name {
		return nil, fmt.Errorf("apply: the plan is for remote %s, not %s", p.Remote, c.Remote.Name)
	}
	if o.Prefer != "" && o.Prefer != PreferLocal && o.Prefer != PreferRemote {
		return nil, fmt.Errorf("apply: prefer %q: want local or remote", o.Prefer)
	}
	a := &applier{c: c, s: s, o: o, total: len(p.Items), sum: &Summary{
		Remote: c.Remote.Name, Noop: p.Noop, Conflicts: []string{}, Failures: []*PathError{}, Skipped: slices.Clone(p.Skipped),
	}}
	a.sum.Failures = append(a.sum.Failures, p.Failures...)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.opts.Workers)
	var stop error
	attempted := 0
	var late atomic.Int64 // started after Stop: not attempted after all
	for i := range p.Items {
		if gctx.Err() != nil || stopped(o.Stop) {
			break
		}
		if f := c.Fatal(); f != nil {
			stop = f
			break
		}
		attempted++
		it := p.Items[i]
		g.Go(func() error {
			// g.Go waits for a free worker; Stop may have come meanwhile.
			if stopped(o.Stop) {
				late.Add(1)
				return nil
			}
			a.one(gctx, it)
			return nil
		})
	}
	_ = g.Wait()
	attempted -= int(late.Load())
	flushErr := a.flush(ctx)
	if stop == nil {
		stop = c.Fatal()
	}
	if stop == nil && ctx.Err() != nil {
		stop = ctx.Err()
	}
	if stop == nil && attempted < len(p.Items) && stopped(o.Stop) {
		stop = ErrStopped
	}
	if stop != nil {
		a.sum.Stopped = stop.Error()
		a.sum.NotAttempted = len(p.Items) - attempted
	}
	sortErrs(a.sum.Failures)
	sortErrs(a.sum.Skipped)
	slices.Sort(a.sum.Conflicts)
	entry := store.Entry{Action: "sync", Detail: a.sum.String()}
	if stop != nil || len(a.sum.Failures) > 0 {
		entry.Outcome = fmt.Sprintf("%d failures", len(a.sum.Failures))
		if stop != nil {
			entry.Outcome = "stopped"
		}
	}
	// The summary entry is written even when the caller's context has
	// ended: the sync happened and must be in the log.
	rerr := s.Record(context.WithoutCancel(ctx), entry)
	switch {
	case stop != nil:
		return a.sum, stop
	case flushErr != nil:
		return a.sum, flushErr
	case rerr != nil:
		return a.sum, fmt.Errorf("sync applied, but its audit entry failed: %w", rerr)
	}
	return a.sum, nil
}

// one applies one item and counts the outcome.
func (a *applier) one(ctx context.Context, it Item) {
	act := it.Action
	var err error
	if act == ActionConflict && a.o.Prefer != "" {
		it, err = a.resolveItem(ctx, it, a.o.Prefer)
		act = it.Action
	}
	if err == nil {
		switch act {
		case ActionConflict:
			err = fmt.Errorf("%w: %s", ErrConflict, it.Reason)
		case ActionPush, ActionPull, ActionMerge:
			err = a.exchange(ctx, it)
		case ActionDeleteRemote:
			err = a.deleteRemote(ctx, it)
		case ActionDeleteLocal:
			err = a.deleteLocal(ctx, it)
		case ActionAdopt:
			err = a.adopt(ctx, it)
		case ActionForget:
			err = a.queue(ctx, baseOp(a.c.Remote.Name, it.Path, nil))
		default:
			err = fmt.Errorf("unknown action %q", act)
		}
	}
	// A server version the store cannot hold (no fields, a field name or
	// size it does not take) is skipped, as the plan skips a server key
	// it cannot hold: nothing is lost, and it is not a failure every run.
	skipped := errors.Is(err, ErrUnrepresentable)
	if err != nil && !errors.Is(err, ErrConflict) {
		// A failed path is in the audit log as such, not only as a count
		// in the run's closing entry. Errors never hold values.
		outcome := "failed"
		if skipped {
			outcome = "skipped"
		}
		_ = a.s.Record(context.WithoutCancel(ctx), store.Entry{Action: "sync-" + string(act), Path: it.Path,
			Outcome: outcome, Detail: err.Error()})
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.done++
	switch {
	case errors.Is(err, ErrConflict):
		a.sum.Conflicts = append(a.sum.Conflicts, it.Path)
	case skipped:
		a.sum.Skipped = append(a.sum.Skipped, &PathError{Path: it.Path, Op: string(act), Err: err})
	case err != nil:
		a.sum.Failures = append(a.sum.Failures, &PathError{Path: it.Path, Op: string(act), Err: err})
	case act == ActionPush:
		a.sum.Pushed++
	case act == ActionPull:
		a.sum.Pulled++
	case act == ActionMerge:
		a.sum.Pushed++
		a.sum.Pulled++
	case act == ActionDeleteRemote || act == ActionDeleteLocal:
		a.sum.Deleted++
	case act == ActionAdopt || act == ActionForget:
		a.sum.Adopted++
	}
	if a.o.Progress != nil {
		a.o.Progress(Event{Phase: "apply", Path: it.Path, Action: act, Done: a.done, Total: a.total, Err: err})
	}
}

var errStale = fmt.Errorf("%w: changed locally since the plan", ErrConflict)

// checkLocal makes sure the local secret is as the plan saw it; nil when
// it does not exist.
func (a *applier) checkLocal(ctx context.Context, it Item) (*store.Secret, error) {
	sc, err := a.s.Show(ctx, it.Path)
	if errors.Is(err, store.ErrNotFound) {
		if it.LocalVersion != 0 {
			return nil, errStale
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if sc.Current != it.LocalVersion || sc.Updated.Unix() != it.LocalUpdated {
		return nil, errStale
	}
	return sc, nil
}

func (a *applier) readBase(ctx context.Context, path string) (*base, error) {
	raw, err := a.s.GetState(ctx, baseNS(a.c.Remote.Name), path)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeBase(raw)
}

func revealAll(f store.Fields) map[string]string {
	m := make(map[string]string, len(f))
	for k, v := range f {
		m[k] = v.Reveal()
	}
	return m
}

// exchange does push, pull and merge: values one way (or neither),
// metadata keys either way, then the base.
func (a *applier) exchange(ctx context.Context, it Item) error {
	sc, err := a.checkLocal(ctx, it)
	if err != nil {
		return err
	}
	b, err := a.readBase(ctx, it.Path)
	if err != nil {
		return err
	}
	rv, lv := it.RemoteVersion, it.LocalVersion
	var hash []byte
	var pulled map[string]string
	switch it.Fields {
	case "push":
		if hash, rv, err = a.pushValues(ctx, it, b); err != nil {
			return err
		}
	case "pull":
		d, err := a.c.readData(ctx, it.RemotePath, it.RemoteVersion)
		if err != nil {
			return err
		}
		if d == nil || d.Deleted {
			return fmt.Errorf("%w: version %d was deleted on the server since the plan", ErrConflict, it.RemoteVersion)
		}
		if err := representable(d.Fields); err != nil {
			return err
		}
		pulled, hash = d.Fields, fieldsHash(d.Fields)
	default:
		if b != nil && sc != nil && sc.Current == b.LV && sc.Created.UnixNano() == b.LC {
			hash = b.F
		} else if sc != nil {
			_, f, err := a.s.Get(ctx, it.Path, store.GetOptions{Version: lv, Action: "sync-compare"})
			if err != nil {
				return err
			}
			hash = localHash(f)
		}
	}
	R := it.RemoteMeta
	if len(it.MetaPush) > 0 {
		if err := a.c.patchMeta(ctx, it.RemotePath, it.MetaPush); err != nil {
			return err
		}
		R = applyPatch(R, it.MetaPush)
	}
	if pulled != nil || len(it.MetaPull) > 0 {
		keys := it.MetaPull
		edit := func(m *store.Meta) error { applyKeys(m, R, keys); return nil }
		if pulled != nil {
			f := make(store.Fields, len(pulled))
			for k, v := range pulled {
				f[k] = wcrypto.NewSecret(v)
			}
			vi, err := a.s.Set(ctx, it.Path, f, store.SetOptions{Action: "sync-pull", EditMeta: edit})
			if err != nil {
				return fmt.Errorf("write locally: %w", err)
			}
			lv = vi.N
		} else if _, err := a.s.SetMeta(ctx, it.Path, edit); err != nil {
			return fmt.Errorf("write local metadata: %w", err)
		}
	}
	return a.record(ctx, it, rv, lv, hash, R)
}

// pushValues writes the local values with check-and-set, unless they are
// the values of the base and the server still has that version.
func (a *applier) pushValues(ctx context.Context, it Item, b *base) ([]byte, int, error) {
	// The read is audited as a read; "sync-push" is written only once the
	// server has taken the values (see record), or as a failure.
	_, f, err := a.s.Get(ctx, it.Path, store.GetOptions{Version: it.LocalVersion, Action: "sync-read"})
	if err != nil {
		return nil, 0, fmt.Errorf("read local values: %w", err)
	}
	hash := localHash(f)
	if b != nil && sameHash(hash, b.F) && b.RV == it.RemoteVersion && !it.RemoteDeleted {
		return hash, it.RemoteVersion, nil
	}
	text, err := f.Text(it.Path)
	if err != nil {
		return nil, 0, err
	}
	rv, err := a.c.writeData(ctx, it.RemotePath, text, it.RemoteVersion)
	if errors.Is(err, ErrConflict) {
		// The write may have been ours: committed, its answer lost, and
		// a retry refused. Equal values on the server mean it was.
		d, rerr := a.c.readData(ctx, it.RemotePath, 0)
		if rerr == nil && d != nil && !d.Deleted && d.Version == it.RemoteVersion+1 && sameHash(fieldsHash(d.Fields), hash) {
			return hash, d.Version, nil
		}
	}
	if err != nil {
		return nil, 0, err
	}
	return hash, rv, nil
}

func representable(f map[string]string) error {
	if len(f) == 0 {
		return fmt.Errorf("%w: the server's version has no fields", ErrUnrepresentable)
	}
	for k, v := range f {
		if _, err := store.CleanField(k); err != nil {
			return fmt.Errorf("%w: %v", ErrUnrepresentable, err)
		}
		if len(v) > store.MaxFieldSize {
			return fmt.Errorf("%w: field %q is larger than %d bytes", ErrUnrepresentable, k, store.MaxFieldSize)
		}
	}
	return nil
}

// record writes the new base with the path's audit entry.
func (a *applier) record(ctx context.Context, it Item, rv, lv int, hash []byte, R metaMap) error {
	sc, err := a.s.Show(ctx, it.Path)
	if err != nil {
		return fmt.Errorf("read local metadata: %w", err)
	}
	lm, _ := projectLocal(sc.Meta)
	nb := &base{RV: rv, LV: lv, LC: sc.Created.UnixNano(), F: hash, M: R, LM: lm, At: a.s.Now().Unix()}
	entry := store.Entry{Action: "sync-" + string(it.Action), Path: it.Path, Version: lv,
		Detail: fmt.Sprintf("remote %s %s version %d", a.c.Remote.Name, it.RemotePath, rv)}
	if err := a.s.UpdateState(ctx, []store.StateOp{baseOp(a.c.Remote.Name, it.Path, nb)}, entry); err != nil {
		return fmt.Errorf("record sync base: %w", err)
	}
	return nil
}

func (a *applier) deleteRemote(ctx context.Context, it Item) error {
	if _, err := a.checkLocal(ctx, it); err != nil {
		return err
	}
	action := "sync-delete-remote"
	if a.o.Destroy {
		action = "sync-destroy-remote"
		rm, err := a.c.readMeta(ctx, it.RemotePath, true)
		if err != nil {
			return err
		}
		if rm != nil {
			var vs []int
			for _, v := range rm.Live {
				if v <= it.RemoteVersion {
					vs = append(vs, v)
				}
			}
			slices.Sort(vs)
			if err := a.c.destroyVersions(ctx, it.RemotePath, vs); err != nil {
				return err
			}
		}
	} else if err := a.c.deleteVersion(ctx, it.RemotePath, it.RemoteVersion); err != nil {
		return err
	}
	return a.s.UpdateState(ctx, []store.StateOp{baseOp(a.c.Remote.Name, it.Path, nil)}, store.Entry{
		Action: action, Path: it.Path, Detail: fmt.Sprintf("remote %s %s version %d", a.c.Remote.Name, it.RemotePath, it.RemoteVersion)})
}

func (a *applier) deleteLocal(ctx context.Context, it Item) error {
	sc, err := a.checkLocal(ctx, it)
	if err != nil {
		return err
	}
	if sc != nil && sc.Meta.Status != store.StatusRetired {
		if _, err := a.s.Retire(ctx, it.Path); err != nil {
			return fmt.Errorf("retire locally: %w", err)
		}
	}
	return a.s.UpdateState(ctx, []store.StateOp{baseOp(a.c.Remote.Name, it.Path, nil)}, store.Entry{
		Action: "sync-delete-local", Path: it.Path, Detail: fmt.Sprintf("deleted on remote %s (%s)", a.c.Remote.Name, it.RemotePath)})
}

// adopt records a base for a path whose sides already agree.
func (a *applier) adopt(ctx context.Context, it Item) error {
	sc, err := a.checkLocal(ctx, it)
	if err != nil {
		return err
	}
	if sc == nil {
		return fmt.Errorf("%w: gone locally since the plan", ErrConflict)
	}
	b, err := a.readBase(ctx, it.Path)
	if err != nil {
		return err
	}
	var hash []byte
	if b != nil && sc.Current == b.LV && sc.Created.UnixNano() == b.LC {
		hash = b.F
	} else {
		_, f, err := a.s.Get(ctx, it.Path, store.GetOptions{Action: "sync-compare"})
		if err != nil {
			return err
		}
		hash = localHash(f)
	}
	lm, _ := projectLocal(sc.Meta)
	nb := &base{RV: it.RemoteVersion, LV: sc.Current, LC: sc.Created.UnixNano(), F: hash, M: it.RemoteMeta, LM: lm, At: a.s.Now().Unix()}
	return a.queue(ctx, baseOp(a.c.Remote.Name, it.Path, nb))
}

// queue adds a bookkeeping base change, flushing a full batch.
func (a *applier) queue(ctx context.Context, op store.StateOp) error {
	a.mu.Lock()
	a.pending = append(a.pending, op)
	full := len(a.pending) >= adoptBatch
	a.mu.Unlock()
	if full {
		return a.flush(ctx)
	}
	return nil
}

func (a *applier) flush(ctx context.Context) error {
	a.mu.Lock()
	ops := a.pending
	a.pending = nil
	a.mu.Unlock()
	if len(ops) == 0 {
		return nil
	}
	var adopted, forgot []string
	for _, op := range ops {
		if op.Value == nil {
			forgot = append(forgot, op.Key)
		} else {
			adopted = append(adopted, op.Key)
		}
	}
	detail := fmt.Sprintf("remote %s: %d bases recorded, %d dropped", a.c.Remote.Name, len(adopted), len(forgot))
	if n := len(ops); n <= 8 {
		detail += ": " + strings.Join(append(adopted, forgot...), ", ")
	}
	return a.s.UpdateState(context.WithoutCancel(ctx), ops, store.Entry{Action: "sync-adopt", Detail: detail})
}

// resolveItem turns a conflict into the action that keeps one side.
func (a *applier) resolveItem(ctx context.Context, it Item, side Side) (Item, error) {
	localGone := it.LocalVersion == 0 || it.LocalDeleted
	remoteGone := it.RemoteVersion == 0 || it.RemoteDeleted
	it.MetaConflicts = nil
	switch {
	case side == PreferLocal && localGone:
		it.Action, it.Reason = ActionDeleteRemote, "conflict resolved: keep local (deleted)"
	case side == PreferRemote && remoteGone:
		it.Action, it.Reason = ActionDeleteLocal, "conflict resolved: keep remote (deleted)"
	case side == PreferLocal:
		sc, err := a.checkLocal(ctx, it)
		if err != nil {
			return it, err
		}
		lm, _ := projectLocal(sc.Meta)
		it.Action, it.Reason, it.Fields = ActionPush, "conflict resolved: keep local", "push"
		it.MetaPush, it.MetaPull = patchFor(it.RemoteMeta, lm), nil
		it.fitPush()
	default:
		it.Action, it.Reason, it.Fields = ActionPull, "conflict resolved: keep remote", "pull"
		it.MetaPush, it.MetaPull = nil, pullAll(it.RemoteMeta)
	}
	return it, nil
}
