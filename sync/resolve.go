package sync

import (
	"context"
	"errors"
	"fmt"
	"slices"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

// FieldDiff is one field on the three sides. Values are wcrypto.Secret:
// printing one shows [redacted]; the TUI reveals on request.
type FieldDiff struct {
	Name                      string
	Local, Remote, Base       wcrypto.Secret
	InLocal, InRemote, InBase bool
}

// MetaDiff is one ward metadata key on the three sides ("" when absent).
type MetaDiff struct {
	Key                 string
	Local, Remote, Base string
}

// Diff is a conflict side by side, for the TUI and `ward sync --diff`.
type Diff struct {
	Item   Item
	Fields []FieldDiff // sorted by name
	Meta   []MetaDiff  // keys that differ between any two sides
}

// Diff reads the local, remote and base values of a plan item (the local
// reads are audited as sync-diff). The base comes from the local version
// recorded at the last sync, or the server's, whichever still has values;
// without one, InBase is false throughout.
func (c *Client) Diff(ctx context.Context, s *store.Store, it Item) (*Diff, error) {
	a := &applier{c: c, s: s}
	d := &Diff{Item: it}
	var local, remote, baseF map[string]string
	if it.LocalVersion > 0 && !it.LocalDeleted {
		_, f, err := s.Get(ctx, it.Path, store.GetOptions{Version: it.LocalVersion, Action: "sync-diff"})
		if err != nil {
			return nil, fmt.Errorf("diff %s: %w", it.Path, err)
		}
		local = revealAll(f)
	}
	if it.RemoteVersion > 0 && !it.RemoteDeleted {
		rd, err := c.readData(ctx, it.RemotePath, it.RemoteVersion)
		if err != nil {
			return nil, fmt.Errorf("diff %s: %w", it.Path, err)
		}
		if rd != nil && !rd.Deleted {
			remote = rd.Fields
		}
	}
	b, err := a.readBase(ctx, it.Path)
	if err != nil {
		return nil, err
	}
	bm, lbm := metaMap{}, metaMap{}
	if b != nil {
		bm, lbm = b.M, b.localMeta()
		if _, f, err := s.Get(ctx, it.Path, store.GetOptions{Version: b.LV, Action: "sync-diff"}); err == nil && sameHash(localHash(f), b.F) {
			baseF = revealAll(f)
		} else if rd, err := c.readData(ctx, it.RemotePath, b.RV); err == nil && rd != nil && !rd.Deleted && sameHash(fieldsHash(rd.Fields), b.F) {
			baseF = rd.Fields
		}
	}
	names := map[string]bool{}
	for _, m := range []map[string]string{local, remote, baseF} {
		for k := range m {
			names[k] = true
		}
	}
	for _, n := range sortedKeys(names) {
		fd := FieldDiff{Name: n}
		var v string
		v, fd.InLocal = local[n]
		fd.Local = wcrypto.NewSecret(v)
		v, fd.InRemote = remote[n]
		fd.Remote = wcrypto.NewSecret(v)
		v, fd.InBase = baseF[n]
		fd.Base = wcrypto.NewSecret(v)
		d.Fields = append(d.Fields, fd)
	}
	var lm metaMap
	if sc, err := s.Show(ctx, it.Path); err == nil {
		lm, _ = projectLocal(sc.Meta)
	}
	for _, k := range wardKeys {
		md := MetaDiff{Key: k, Local: lm[k], Remote: it.RemoteMeta[k], Base: bm[k]}
		if lb := lbm[k]; md.Base == "" {
			md.Base = lb
		}
		if md.Local != md.Remote || md.Local != md.Base {
			d.Meta = append(d.Meta, md)
		}
	}
	return d, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Choice resolves one conflict: keep one side whole (Keep), or take each
// field (and each ward metadata key) from the side named in Fields (and
// Meta). A field missing from the chosen side is dropped. Fields not named
// come from Keep; with Keep empty every field that differs must be named.
type Choice struct {
	Keep   Side
	Fields map[string]Side
	Meta   map[string]Side
}

// Resolve applies a choice to a conflict item from a plan. Keeping one
// side is what `--prefer` does; a per-field merge writes the merged values
// to both sides (check-and-set on the server). A change on either side
// since the plan makes it a conflict again (an error wrapping ErrConflict
// in the summary) rather than overwriting it.
func (c *Client) Resolve(ctx context.Context, s *store.Store, it Item, ch Choice) (*Summary, error) {
	if ch.Fields == nil && ch.Meta == nil {
		if ch.Keep != PreferLocal && ch.Keep != PreferRemote {
			return nil, errors.New("resolve: choose local, remote or a field-by-field merge")
		}
		p := &Plan{Remote: c.Remote.Name, Items: []Item{it}}
		return c.Apply(ctx, s, p, ApplyOptions{Prefer: ch.Keep})
	}
	a := &applier{c: c, s: s, sum: &Summary{Remote: c.Remote.Name, Conflicts: []string{}, Failures: []*PathError{}}}
	err := a.merge(ctx, it, ch)
	switch {
	case errors.Is(err, ErrConflict):
		a.sum.Conflicts = append(a.sum.Conflicts, it.Path)
	case err != nil:
		a.sum.Failures = append(a.sum.Failures, &PathError{Path: it.Path, Op: "merge", Err: err})
	default:
		a.sum.Pushed, a.sum.Pulled = 1, 1
	}
	if rerr := s.Record(context.WithoutCancel(ctx), store.Entry{Action: "sync", Path: it.Path, Detail: "resolve: " + a.sum.String()}); rerr != nil && err == nil {
		err = rerr
	}
	if err != nil && !errors.Is(err, ErrConflict) {
		return a.sum, err
	}
	return a.sum, nil
}

func (a *applier) merge(ctx context.Context, it Item, ch Choice) error {
	if it.LocalVersion == 0 || it.LocalDeleted || it.RemoteVersion == 0 || it.RemoteDeleted {
		return errors.New("a field-by-field merge needs the secret on both sides; keep one side instead")
	}
	if _, err := a.checkLocal(ctx, it); err != nil {
		return err
	}
	d, err := a.c.Diff(ctx, a.s, it)
	if err != nil {
		return err
	}
	merged := store.Fields{}
	for _, fd := range d.Fields {
		side, ok := ch.Fields[fd.Name]
		if !ok {
			side = ch.Keep
		}
		switch {
		case side == PreferLocal && fd.InLocal:
			merged[fd.Name] = fd.Local
		case side == PreferRemote && fd.InRemote:
			merged[fd.Name] = fd.Remote
		case side == "" && fd.InLocal == fd.InRemote && fd.Local.Equal(fd.Remote):
			if fd.InLocal {
				merged[fd.Name] = fd.Local
			}
		case side == "":
			return fmt.Errorf("resolve: field %q differs: choose local or remote for it", fd.Name)
		}
	}
	if len(merged) == 0 {
		return errors.New("resolve: the merge leaves no field")
	}
	sc, err := a.s.Show(ctx, it.Path)
	if err != nil {
		return err
	}
	lm, _ := projectLocal(sc.Meta)
	want := metaMap{}
	var pullKeys []string
	for _, k := range wardKeys {
		side, ok := ch.Meta[k]
		if !ok {
			side = ch.Keep
		}
		v, has := lm[k]
		if side == PreferRemote {
			v, has = it.RemoteMeta[k]
			if v != lm[k] {
				pullKeys = append(pullKeys, k)
			}
		}
		if has {
			want[k] = v
		}
	}
	fitKeys(want, it.ForeignKeys)
	hash := localHash(merged)
	text, err := merged.Text(it.Path)
	if err != nil {
		return err
	}
	rv, err := a.c.writeData(ctx, it.RemotePath, text, it.RemoteVersion)
	if err != nil {
		return err
	}
	if err := a.c.patchMeta(ctx, it.RemotePath, patchFor(it.RemoteMeta, want)); err != nil {
		return err
	}
	vi, err := a.s.Set(ctx, it.Path, merged, store.SetOptions{Action: "sync-merge", EditMeta: func(m *store.Meta) error {
		applyKeys(m, want, pullKeys)
		return nil
	}})
	if err != nil {
		return fmt.Errorf("write locally: %w", err)
	}
	it.Action = ActionMerge
	return a.record(ctx, it, rv, vi.N, hash, want)
}
