package sync

import (
	"context"
	"fmt"
	"strings"

	"github.com/opsward/ward/store"
)

// Rules of this file: the three-way table of doc.go, one case per row.
// classify reads local metadata only when the head says it may have
// changed, and values (local and remote) only when both sides changed
// since the base; a path in sync costs one metadata GET and nothing else.

// localSide is what classify knows of the local secret.
type localSide struct {
	meta    metaMap
	warns   []string
	created int64
}

// localMeta reads the local secret's metadata (Show: no values, not
// audited).
func (p *planner) localMeta(ctx context.Context, path string) (*localSide, error) {
	sc, err := p.s.Show(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("read local metadata: %w", err)
	}
	m, w := projectLocal(sc.Meta)
	return &localSide{meta: m, warns: w, created: sc.Created.UnixNano()}, nil
}

func (p *planner) classify(ctx context.Context, path string, head *store.Head, raw []byte, rm *remoteMeta) (*Item, error) {
	it := &Item{Path: path, RemotePath: p.c.Remote.remotePath(path)}
	var b *base
	if raw != nil {
		var err error
		if b, err = decodeBase(raw); err != nil {
			return nil, err
		}
		it.HasBase = true
	}
	localGone := head == nil || head.Status == store.StatusRetired
	remoteGone := rm == nil || rm.Deleted
	if head != nil {
		it.LocalVersion, it.LocalUpdated = head.Current, head.Updated.Unix()
		it.LocalDeleted = head.Status == store.StatusRetired
	}
	R := metaMap{}
	if rm != nil {
		it.RemoteVersion, it.RemoteDeleted = rm.Current, rm.Deleted
		R = projectRemote(rm.Custom)
		it.RemoteMeta = R
		it.ForeignKeys = foreignKeys(rm.Custom)
	}

	switch {
	case localGone && remoteGone:
		if b == nil {
			return nil, nil
		}
		it.Action, it.Reason = ActionForget, "gone on both sides"
		return it, nil

	case b == nil && remoteGone:
		ls, err := p.localMeta(ctx, path)
		if err != nil {
			return nil, err
		}
		it.Action, it.Reason, it.Fields = ActionPush, "new locally", "push"
		it.Warnings = ls.warns
		it.MetaPush = patchFor(R, ls.meta)
		it.fitPush()
		return it, nil

	case b == nil && localGone:
		it.Action, it.Reason, it.Fields = ActionPull, "new on the server", "pull"
		it.MetaPull = pullAll(R)
		return it, nil

	case b == nil:
		ls, err := p.localMeta(ctx, path)
		if err != nil {
			return nil, err
		}
		it.Warnings = ls.warns
		eq, _, _, err := p.compare(ctx, path, it.RemotePath, rm.Current)
		if err != nil {
			return nil, err
		}
		if !eq {
			it.Action, it.Reason = ActionConflict, "created on both sides with different values"
			return it, nil
		}
		it.decide("", false, mergeMeta(nil, nil, ls.meta, R), true)
		return it, nil

	case localGone:
		if rm.Current == b.RV && equalMeta(R, b.M) {
			it.Action, it.Reason = ActionDeleteRemote, "deleted locally"
			if head != nil {
				it.Reason = "retired locally"
			}
			return it, nil
		}
		it.Action, it.Reason = ActionConflict, "deleted locally, changed on the server"
		return it, nil
	}

	// Present locally, with a base.
	lmeta, created := b.localMeta(), b.LC
	if head.Current != b.LV || head.Updated.Unix() >= b.At-1 {
		ls, err := p.localMeta(ctx, path)
		if err != nil {
			return nil, err
		}
		lmeta, created, it.Warnings = ls.meta, ls.created, ls.warns
	}
	localChanged := head.Current != b.LV || created != b.LC

	if remoteGone {
		if !localChanged && equalMeta(lmeta, b.localMeta()) {
			it.Action, it.Reason = ActionDeleteLocal, "deleted on the server"
			return it, nil
		}
		it.Action, it.Reason = ActionConflict, "deleted on the server, changed locally"
		return it, nil
	}

	remoteChanged := rm.Current != b.RV
	fields, conflict := "", false
	switch {
	case localChanged && remoteChanged:
		eq, lh, rh, err := p.compare(ctx, path, it.RemotePath, rm.Current)
		if err != nil {
			return nil, err
		}
		switch {
		case eq:
		case sameHash(lh, b.F):
			fields = "pull"
		case sameHash(rh, b.F):
			fields = "push"
		default:
			conflict = true
		}
	case localChanged:
		fields = "push"
	case remoteChanged:
		fields = "pull"
	}
	changed := localChanged || remoteChanged || !equalMeta(lmeta, b.localMeta()) || !equalMeta(R, b.M)
	it.decide(fields, conflict, mergeMeta(b.localMeta(), b.M, lmeta, R), changed)
	if it.Action == "" {
		return nil, nil
	}
	return it, nil
}

func pullAll(R metaMap) []string {
	_ = R
	return append([]string(nil), wardKeys...)
}

// decide turns the outcome of both dimensions into an action.
func (it *Item) decide(fields string, conflict bool, mm metaMerge, changed bool) {
	if conflict || len(mm.Conflicts) > 0 {
		it.Action, it.Reason = ActionConflict, "changed on both sides"
		if !conflict {
			it.Reason = "metadata changed on both sides: " + strings.Join(mm.Conflicts, ", ")
		}
		it.MetaConflicts = mm.Conflicts
		return
	}
	it.Fields, it.MetaPush, it.MetaPull = fields, mm.Push, mm.Pull
	it.fitPush()
	push := fields == "push" || len(it.MetaPush) > 0
	pull := fields == "pull" || len(it.MetaPull) > 0
	switch {
	case push && pull:
		it.Action, it.Reason = ActionMerge, "changed on both sides, in different parts"
	case push:
		it.Action, it.Reason = ActionPush, "changed locally"
	case pull:
		it.Action, it.Reason = ActionPull, "changed on the server"
	case changed:
		it.Action, it.Reason = ActionAdopt, "both sides already agree"
	}
}

// fitPush keeps the metadata the push would leave on the server within
// KV's 64 keys.
func (it *Item) fitPush() {
	if len(it.MetaPush) == 0 {
		it.MetaPush = nil
		return
	}
	want := applyPatch(it.RemoteMeta, it.MetaPush)
	if w := fitKeys(want, it.ForeignKeys); len(w) > 0 {
		it.Warnings = append(it.Warnings, w...)
		it.MetaPush = patchFor(it.RemoteMeta, want)
	}
	if len(it.MetaPush) == 0 {
		it.MetaPush = nil
	}
}

// compare reads both sides' values of a path (the local read is audited as
// sync-compare) and reports whether they are equal, with both hashes.
func (p *planner) compare(ctx context.Context, path, rpath string, version int) (bool, []byte, []byte, error) {
	_, f, err := p.s.Get(ctx, path, store.GetOptions{Action: "sync-compare"})
	if err != nil {
		return false, nil, nil, fmt.Errorf("read local values: %w", err)
	}
	d, err := p.c.readData(ctx, rpath, version)
	if err != nil {
		return false, nil, nil, err
	}
	if d == nil || d.Deleted {
		return false, nil, nil, fmt.Errorf("%w: version %d disappeared from the server during the plan", ErrConflict, version)
	}
	lh, rh := localHash(f), fieldsHash(d.Fields)
	return sameHash(lh, rh), lh, rh, nil
}
