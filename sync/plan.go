package sync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	stdsync "sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"github.com/opsward/ward/store"
)

// Action is what apply will do with one path.
type Action string

// The actions. A path where nothing changed is counted, not listed.
const (
	ActionPush         Action = "push"          // local changes go to the server
	ActionPull         Action = "pull"          // server changes come to the store
	ActionMerge        Action = "merge"         // some parts each way, none in conflict
	ActionDeleteRemote Action = "delete-remote" // deleted or retired locally: soft delete on the server
	ActionDeleteLocal  Action = "delete-local"  // deleted on the server: retire locally
	ActionConflict     Action = "conflict"      // changed on both sides: left for the operator
	ActionAdopt        Action = "adopt"         // both sides already agree: record the base only
	ActionForget       Action = "forget"        // gone on both sides: drop the base
)

// Item is one path's planned action. It holds versions and ward metadata,
// never a value.
type Item struct {
	Path       string `json:"path"`
	RemotePath string `json:"remote_path"`
	Action     Action `json:"action"`
	Reason     string `json:"reason,omitempty"`
	// Fields is "push" or "pull" when the values move, else empty.
	Fields string `json:"fields,omitempty"`
	// MetaPush is the custom_metadata patch for the server (nil: remove
	// the key); MetaPull the ward keys the local side takes.
	MetaPush      map[string]*string `json:"meta_push,omitempty"`
	MetaPull      []string           `json:"meta_pull,omitempty"`
	MetaConflicts []string           `json:"meta_conflicts,omitempty"`

	LocalVersion  int   `json:"local_version,omitempty"` // 0: no local secret
	LocalUpdated  int64 `json:"local_updated,omitempty"` // Unix s, to see a change after the plan
	LocalDeleted  bool  `json:"local_deleted,omitempty"` // retired
	RemoteVersion int   `json:"remote_version,omitempty"`
	RemoteDeleted bool  `json:"remote_deleted,omitempty"`
	// RemoteMeta is the server's ward metadata at plan time; ForeignKeys
	// counts the other custom_metadata keys there.
	RemoteMeta  metaMap  `json:"remote_meta,omitempty"`
	ForeignKeys int      `json:"foreign_keys,omitempty"`
	HasBase     bool     `json:"has_base,omitempty"`
	Warnings    []string `json:"warnings,omitempty"`
}

// Plan is what a sync would do. It serialises to JSON for --dry-run
// --json and holds no secret value.
type Plan struct {
	Remote  string    `json:"remote"`
	Addr    string    `json:"addr"`
	Mount   string    `json:"mount"`
	Prefix  string    `json:"prefix,omitempty"`
	Under   string    `json:"under,omitempty"`
	Created time.Time `json:"created"`
	// Items lists every path with something to do, sorted by path.
	Items []Item `json:"items"`
	// Noop counts the paths already in sync.
	Noop int `json:"noop"`
	// Failures are paths the plan could not judge (a 403 on one key);
	// apply leaves them alone. Skipped are server keys the store cannot
	// hold (a path with a space).
	Failures []*PathError `json:"failures,omitempty"`
	Skipped  []*PathError `json:"skipped,omitempty"`
}

// Count returns how many items have action a.
func (p *Plan) Count(a Action) int {
	n := 0
	for i := range p.Items {
		if p.Items[i].Action == a {
			n++
		}
	}
	return n
}

// Event reports progress to a TUI or a progress line. Progress callbacks
// are called one at a time.
type Event struct {
	Phase  string `json:"phase"` // "plan" or "apply"
	Path   string `json:"path,omitempty"`
	Action Action `json:"action,omitempty"`
	Done   int    `json:"done"`
	Total  int    `json:"total"` // 0 while unknown (planning)
	Err    error  `json:"-"`
}

// PlanOptions shape a plan.
type PlanOptions struct {
	// Under limits the sync to a local folder ("prod/"); empty: all.
	Under string
	// Progress, if set, hears about each path judged.
	Progress func(Event)
}

type planner struct {
	c *Client
	s *store.Store
	o PlanOptions

	mu   stdsync.Mutex
	seen []pathSum // every path judged so far (see seenSet)
	plan *Plan
	done int
}

// pathSum names a path in the planner's seen set: 16 bytes of SHA-256,
// so the set costs 16 bytes a path however long the paths are, and two
// paths of one store colliding is not a practical concern.
type pathSum [16]byte

func sumPath(p string) pathSum {
	h := sha256.Sum256([]byte(p))
	return pathSum(h[:16])
}

// seenSet is the sorted seen list, for lookups between phases.
type seenSet []pathSum

func (ss seenSet) has(p string) bool {
	_, ok := slices.BinarySearchFunc(ss, sumPath(p), func(a, b pathSum) int { return bytes.Compare(a[:], b[:]) })
	return ok
}

func (p *planner) markSeen(paths ...string) {
	p.mu.Lock()
	for _, path := range paths {
		p.seen = append(p.seen, sumPath(path))
	}
	p.mu.Unlock()
}

// seenSorted sorts the seen list and returns it as a set.
func (p *planner) seenSorted() seenSet {
	p.mu.Lock()
	defer p.mu.Unlock()
	slices.SortFunc(p.seen, func(a, b pathSum) int { return bytes.Compare(a[:], b[:]) })
	return seenSet(p.seen)
}

// Plan compares the store, the server and the bases of the last sync, and
// says what to do with each path. It reads the server's metadata for every
// path (one LIST per folder, one metadata GET per key, Workers at a time)
// and values only where both sides changed. It changes nothing, except
// audit entries for the local values it had to compare. A failed LIST
// fails the plan (an unlisted folder would look deleted); a failure on
// one key is recorded in Plan.Failures. Errors wrap ErrLoginAgain or
// ErrUnreachable when the server stops answering.
func (c *Client) Plan(ctx context.Context, s *store.Store, o PlanOptions) (*Plan, error) {
	under := strings.Trim(o.Under, "/")
	if under != "" {
		if _, err := store.CleanPath(under); err != nil {
			return nil, fmt.Errorf("plan: folder: %w", err)
		}
		under += "/"
	}
	o.Under = under
	p := &planner{c: c, s: s, o: o, plan: &Plan{
		Remote: c.Remote.Name, Addr: c.Remote.Addr, Mount: c.Remote.Mount, Prefix: c.Remote.Prefix,
		Under: under, Created: s.Now(), Items: []Item{},
	}}
	// Memory stays flat in the number of paths: the server's folders are
	// walked and each key judged as it comes, with its local head and base
	// read for it alone; then the local secrets and the bases the server
	// did not list. What is held across phases is 16 bytes a path.
	if err := p.remotePhase(ctx); err != nil {
		return nil, err
	}
	if err := p.localPhase(ctx); err != nil {
		return nil, err
	}
	if err := p.basePhase(ctx); err != nil {
		return nil, err
	}
	slices.SortFunc(p.plan.Items, func(a, b Item) int { return strings.Compare(a.Path, b.Path) })
	sortErrs(p.plan.Failures)
	sortErrs(p.plan.Skipped)
	return p.plan, nil
}

func sortErrs(es []*PathError) {
	slices.SortFunc(es, func(a, b *PathError) int { return strings.Compare(a.Path, b.Path) })
}

// remotePhase walks the server's folders and judges each key as it is
// listed, so no listing of the whole tree is held.
func (p *planner) remotePhase(ctx context.Context) error {
	root := p.c.Remote.Prefix
	if u := strings.TrimSuffix(p.o.Under, "/"); u != "" {
		root = joinPath(root, u)
	}
	keys := make(chan []string, p.c.opts.Workers)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(keys)
		return p.walk(gctx, root, keys)
	})
	for i := 0; i < p.c.opts.Workers; i++ {
		g.Go(func() error {
			for batch := range keys {
				if err := p.visit(gctx, batch); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + "/" + b
}

// keyBatch is how many keys of a folder go to a worker together: their
// local heads and bases are read in one store transaction.
const keyBatch = 32

// walk lists folders level by level, a few at a time, and sends every key,
// in batches of up to keyBatch keys of one folder.
func (p *planner) walk(ctx context.Context, root string, keys chan<- []string) error {
	level := []string{root}
	for depth := 0; len(level) > 0; depth++ {
		if depth > store.MaxPathLen/2 {
			return fmt.Errorf("plan: the server's folders nest deeper than any local path can")
		}
		var mu stdsync.Mutex
		var next []string
		lg, lctx := errgroup.WithContext(ctx)
		lg.SetLimit(max(2, p.c.opts.Workers/4))
		for _, folder := range level {
			lg.Go(func() error {
				ks, err := p.c.list(lctx, folder)
				if err != nil {
					return fmt.Errorf("plan: list folder %q on the server: %w", folder, err)
				}
				var batch []string
				send := func() error {
					if len(batch) == 0 {
						return nil
					}
					select {
					case keys <- batch:
						batch = nil
						return nil
					case <-lctx.Done():
						return lctx.Err()
					}
				}
				for _, k := range ks {
					if name := strings.TrimSuffix(k, "/"); name == "" || name == "." || name == ".." || strings.Contains(name, "/") {
						// A segment the URL would resolve away: listing it
						// could walk in circles.
						p.record(nil, &PathError{Path: shownPath(joinPath(folder, k)), Op: "plan", Err: fmt.Errorf("%w: path segment %q", ErrUnrepresentable, name)}, true)
						continue
					}
					if sub, ok := strings.CutSuffix(k, "/"); ok {
						mu.Lock()
						next = append(next, joinPath(folder, sub))
						mu.Unlock()
						continue
					}
					if batch = append(batch, joinPath(folder, k)); len(batch) == keyBatch {
						if err := send(); err != nil {
							return err
						}
					}
				}
				return send()
			})
		}
		if err := lg.Wait(); err != nil {
			return err
		}
		level = next
	}
	return nil
}

// localOf maps a server key to its local path, or "" outside the prefix.
func (p *planner) localOf(rkey string) string {
	if p.c.Remote.Prefix == "" {
		return rkey
	}
	rest, ok := strings.CutPrefix(rkey, p.c.Remote.Prefix+"/")
	if !ok {
		return ""
	}
	return rest
}

// visit judges a batch of server keys of one folder, reading their local
// heads and bases in one store transaction.
func (p *planner) visit(ctx context.Context, rkeys []string) error {
	locals := make([]string, 0, len(rkeys))
	remote := make([]string, 0, len(rkeys))
	for _, rkey := range rkeys {
		local := p.localOf(rkey)
		if clean, err := store.CleanPath(local); err != nil || clean != local {
			if err == nil {
				err = errors.New("not a clean path")
			}
			p.record(nil, &PathError{Path: shownPath(rkey), Op: "plan", Err: fmt.Errorf("%w: %v", ErrUnrepresentable, err)}, true)
			continue
		}
		locals, remote = append(locals, local), append(remote, rkey)
	}
	found, err := p.s.HeadsAndStates(ctx, locals, baseNS(p.c.Remote.Name))
	if err != nil {
		return fmt.Errorf("plan: read the store: %w", err)
	}
	p.markSeen(locals...)
	for i, ps := range found {
		var head *store.Head
		if ps.Found {
			head = &ps.Head
		}
		rm, err := p.c.readMeta(ctx, remote[i], false)
		if err != nil {
			if f := p.c.Fatal(); f != nil {
				return f
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			p.record(nil, &PathError{Path: ps.Path, Op: "plan", Err: err}, false)
			continue
		}
		if err := p.judge(ctx, ps.Path, head, ps.State, rm); err != nil {
			return err
		}
	}
	return nil
}

// localPhase judges the local secrets the server did not list: new ones
// (a push) and ones deleted on the server. Only those are held, and only
// until they are judged.
func (p *planner) localPhase(ctx context.Context) error {
	seen := p.seenSorted()
	var rest []store.Head
	err := p.s.EachHead(ctx, p.o.Under, func(h store.Head) error {
		if !seen.has(h.Path) {
			rest = append(rest, h)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("plan: list local secrets: %w", err)
	}
	paths := make([]string, len(rest))
	for i, h := range rest {
		paths[i] = h.Path
	}
	found, err := p.s.HeadsAndStates(ctx, paths, baseNS(p.c.Remote.Name))
	if err != nil {
		return fmt.Errorf("plan: read the store: %w", err)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.c.opts.Workers)
	for i, h := range rest {
		g.Go(func() error {
			return p.judge(gctx, h.Path, &h, found[i].State, nil)
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	p.markSeen(paths...)
	return nil
}

// basePhase judges the paths with a sync base that are on neither side any
// more (deleted on both: the base is dropped).
func (p *planner) basePhase(ctx context.Context) error {
	seen := p.seenSorted()
	type orphan struct {
		path string
		raw  []byte
	}
	var rest []orphan
	err := p.s.EachState(ctx, baseNS(p.c.Remote.Name), func(path string, raw []byte) error {
		if strings.HasPrefix(path, p.o.Under) && !seen.has(path) {
			rest = append(rest, orphan{path, raw})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("plan: read sync bases: %w", err)
	}
	for _, o := range rest {
		if err := p.judge(ctx, o.path, nil, o.raw, nil); err != nil {
			return err
		}
	}
	return nil
}

// judge classifies one path and records the result.
func (p *planner) judge(ctx context.Context, path string, head *store.Head, raw []byte, rm *remoteMeta) error {
	it, err := p.classify(ctx, path, head, raw, rm)
	if err != nil {
		if f := p.c.Fatal(); f != nil {
			return f
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		p.record(nil, &PathError{Path: path, Op: "plan", Err: err}, false)
		return nil
	}
	p.record(it, nil, false)
	return nil
}

func (p *planner) record(it *Item, perr *PathError, skipped bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	ev := Event{Phase: "plan", Done: p.done}
	switch {
	case perr != nil && skipped:
		p.plan.Skipped = append(p.plan.Skipped, perr)
		ev.Path, ev.Err = perr.Path, perr
	case perr != nil:
		p.plan.Failures = append(p.plan.Failures, perr)
		ev.Path, ev.Err = perr.Path, perr
	case it == nil:
		p.plan.Noop++
	default:
		p.plan.Items = append(p.plan.Items, *it)
		ev.Path, ev.Action = it.Path, it.Action
	}
	if p.o.Progress != nil {
		p.o.Progress(ev)
	}
}

// shownPath is a server key as it may be printed: quoted, with escapes,
// when it holds anything a terminal would act on or is not UTF-8 (a
// server is not bound by ward's path rules, and plan and sync print the
// keys they skip).
func shownPath(k string) string {
	if !utf8.ValidString(k) || strings.IndexFunc(k, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return strconv.Quote(k)
	}
	return k
}
