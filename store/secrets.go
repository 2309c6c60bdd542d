package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	wcrypto "github.com/opsward/ward/crypto"
)

// MaxFieldSize bounds one value (KV v2 entries are usually far smaller;
// certificate chains and SSH keys fit easily).
const MaxFieldSize = 1 << 20

func versionKey(lk []byte, n int) []byte {
	return binary.BigEndian.AppendUint32(append([]byte(nil), lk...), uint32(n))
}

// versionRecord is a version's sealed payload.
func (s *Store) readSecret(tx *bolt.Tx, path string) (*Secret, []byte, error) {
	lk := s.lookupKey(path)
	raw := tx.Bucket(bktSecrets).Get(lk)
	if raw == nil {
		return nil, lk, fmt.Errorf("secret %s: %w", path, ErrNotFound)
	}
	sc, err := s.decodeSecret(lk, raw)
	if err != nil {
		return nil, lk, err
	}
	if sc.Path != path {
		return nil, lk, &CorruptError{File: s.File, Where: "record " + shortHash(lk), Reason: "filed under another path"}
	}
	return sc, lk, nil
}

func (s *Store) decodeSecret(lk, raw []byte) (*Secret, error) {
	pt, err := s.unseal(raw, "record "+shortHash(lk), "secret", string(lk))
	if err != nil {
		return nil, err
	}
	sc, err := decodeSecretRecord(pt)
	if err != nil || sc.Path == "" {
		return nil, &CorruptError{File: s.File, Where: "record " + shortHash(lk), Reason: "malformed"}
	}
	return sc, nil
}

func (s *Store) writeSecret(tx *bolt.Tx, lk []byte, sc *Secret) error {
	if err := sc.Meta.checkText(sc.Path); err != nil {
		return err
	}
	if err := s.putRec(tx, bktSecrets, lk, s.seal(encodeSecretRecord(sc), "secret", string(lk))); err != nil {
		return err
	}
	return s.putRec(tx, bktIndex, lk, s.seal(encodeHead(HeadOf(sc)), "index", string(lk)))
}

func (s *Store) readVersion(tx *bolt.Tx, lk []byte, path string, n int) ([]byte, error) {
	vk := versionKey(lk, n)
	raw := tx.Bucket(bktVersions).Get(vk)
	if raw == nil {
		return nil, &CorruptError{File: s.File, Where: fmt.Sprintf("record %s version %d", shortHash(lk), n), Reason: "values missing"}
	}
	return s.unseal(raw, fmt.Sprintf("record %s version %d", shortHash(lk), n), "version", string(vk))
}

func (s *Store) readFields(tx *bolt.Tx, lk []byte, sc *Secret, n int) (Fields, error) {
	v, ok := sc.Version(n)
	if !ok {
		return nil, fmt.Errorf("secret %s has no version %d (versions 1 to %d): %w", sc.Path, n, sc.Current, ErrNotFound)
	}
	if v.Purged {
		return nil, fmt.Errorf("secret %s version %d: values dropped by the retention limit: %w", sc.Path, n, ErrNotFound)
	}
	pt, err := s.readVersion(tx, lk, sc.Path, n)
	if err != nil {
		return nil, err
	}
	values, err := decodeValues(pt)
	if err != nil {
		return nil, &CorruptError{File: s.File, Where: fmt.Sprintf("record %s version %d", shortHash(lk), n), Reason: "malformed"}
	}
	f := make(Fields, len(values))
	for k, v := range values {
		f[k] = wcrypto.NewSecret(v)
	}
	return f, nil
}

func checkFields(f Fields) error {
	if len(f) == 0 {
		return fmt.Errorf("no fields to set: %w", ErrBadValue)
	}
	for name, v := range f {
		if _, err := CleanField(name); err != nil {
			return err
		}
		if v.Len() > MaxFieldSize {
			return fmt.Errorf("field %q is larger than %d bytes (1 MiB): %w", name, MaxFieldSize, ErrBadValue)
		}
	}
	return nil
}

// addVersion writes fields as the next version of sc and applies the
// retention limit.
func (s *Store) addVersion(tx *bolt.Tx, lk []byte, sc *Secret, f Fields, action string, now time.Time) (VersionInfo, error) {
	n := 1
	if len(sc.Versions) > 0 {
		n = sc.Versions[len(sc.Versions)-1].N + 1
	}
	// New values are a rotation: the credential in use changed (a
	// generated password, a pulled one, a new key set by hand), so the
	// rotation clock starts again. A rollback puts an older credential
	// back: not a rotation.
	if sc.Current > 0 && !strings.HasPrefix(action, "rollback") {
		prev, err := s.readFields(tx, lk, sc, sc.Current)
		if err != nil {
			return VersionInfo{}, err
		}
		if !prev.Equal(f) {
			sc.Rotated = now
		}
	}
	values := make(map[string]string, len(f))
	for k, v := range f {
		values[k] = v.Reveal()
	}
	pt := encodeValues(values)
	vk := versionKey(lk, n)
	if err := s.putRec(tx, bktVersions, vk, s.seal(pt, "version", string(vk))); err != nil {
		return VersionInfo{}, err
	}
	vi := VersionInfo{N: n, Created: now, Author: s.Actor, Action: action, Fields: f.Names()}
	sc.Versions = append(sc.Versions, vi)
	sc.Current = n
	sc.Updated = now
	if sc.Created.IsZero() {
		sc.Created = now
	}
	keep := s.KeepVersions
	if keep < 1 {
		keep = DefaultKeepVersions
	}
	live := 0
	for i := len(sc.Versions) - 1; i >= 0; i-- {
		v := &sc.Versions[i]
		if v.Purged {
			continue
		}
		live++
		if live > keep {
			if err := s.putRec(tx, bktVersions, versionKey(lk, v.N), nil); err != nil {
				return VersionInfo{}, err
			}
			v.Purged = true
		}
	}
	return vi, nil
}

// SetOptions shape a Set.
type SetOptions struct {
	// Merge keeps the current version's other fields; otherwise the new
	// version has exactly the given fields.
	Merge bool
	// Action is recorded in the version and the audit log ("set", "gen",
	// "import", …); empty means "set".
	Action string
	// Meta, for a new secret, is its initial metadata.
	Meta *Meta
	// CreateOnly fails with ErrExists if the secret exists.
	CreateOnly bool
	// Delete names fields to drop from the merged version (with Merge).
	Delete []string
	// Rename moves fields of the current version to new names (old name
	// to new, with Merge), values unread by the caller.
	Rename map[string]string
	// EditMeta, if set, changes the metadata in the same transaction as
	// the values, so an edit is one version and one audit entry, whole or
	// not at all.
	EditMeta func(*Meta) error
	// IfVersion, when not 0, makes the write check-and-set: it fails with
	// ErrConflict unless the secret exists at exactly that current version.
	IfVersion int
	// IfCreated, when not zero, fails the write with ErrReplaced (and
	// ErrConflict) unless the secret at the path was created then: the
	// one the caller saw, not another moved or made there since.
	IfCreated time.Time
	// At backdates the write (imports keep their original times; the demo
	// makes an overdue secret); zero means now.
	At time.Time
	// CreatedAt, for a new secret, is when it was created, if earlier than
	// At (an import of a secret with a history); zero means At.
	CreatedAt time.Time
	// RotatedAt is when the values being written were last rotated (an
	// import keeps the exported time, so rotation due dates do not move);
	// zero means as for any write.
	RotatedAt time.Time
}

// Set writes a new version of the secret at path, creating the secret if
// needed. A retired secret comes back to active.
func (s *Store) Set(ctx context.Context, path string, f Fields, o SetOptions) (VersionInfo, error) {
	if s.keys == nil {
		return VersionInfo{}, errNotUnlocked
	}
	path, err := CleanPath(path)
	if err != nil {
		return VersionInfo{}, err
	}
	// A merge that only renames or deletes fields gives none itself.
	if len(f) > 0 || !o.Merge || len(o.Rename)+len(o.Delete) == 0 {
		if err := checkFields(f); err != nil {
			return VersionInfo{}, fmt.Errorf("set %s: %w", path, err)
		}
	}
	if o.Action == "" {
		o.Action = "set"
	}
	var vi VersionInfo
	err = s.update(ctx, func(tx *bolt.Tx) (err error) {
		vi, err = s.setTx(tx, path, f, o)
		return err
	})
	return vi, err
}

func (s *Store) setTx(tx *bolt.Tx, path string, f Fields, o SetOptions) (VersionInfo, error) {
	var vi VersionInfo
	sc, lk, err := s.readSecret(tx, path)
	switch {
	case errors.Is(err, ErrNotFound):
		sc = &Secret{Path: path, Meta: Meta{Kind: KindGeneric, Status: StatusActive}}
		if o.Meta != nil {
			sc.Meta = *o.Meta
			if sc.Meta.Status == "" {
				sc.Meta.Status = StatusActive
			}
			if sc.Meta.Kind == "" {
				sc.Meta.Kind = KindGeneric
			}
		}
	case err != nil:
		return vi, err
	case o.CreateOnly:
		return vi, fmt.Errorf("secret %s: %w", path, ErrExists)
	}
	if o.IfVersion != 0 && sc.Current == 0 {
		return vi, fmt.Errorf("secret %s: %w (moved or purged since version %d)", path, ErrNotFound, o.IfVersion)
	}
	if err := sameSecret(sc, o.IfCreated); err != nil {
		return vi, err
	}
	if o.IfVersion != 0 && sc.Current != o.IfVersion {
		return vi, fmt.Errorf("secret %s is at version %d, not %d: %w", path, sc.Current, o.IfVersion, ErrConflict)
	}
	nf := f
	if o.Merge && sc.Current > 0 {
		cur, err := s.readFields(tx, lk, sc, sc.Current)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return vi, err
		}
		nf = make(Fields, len(cur)+len(f))
		for k, v := range cur {
			nf[k] = v
		}
		// The current version's fields go first, renamed ones and deleted
		// ones alike; then the renamed values take their new names, then
		// the given fields: so a swap works, a field can be renamed into
		// the name of one deleted in the same write, and a field deleted
		// and given anew (the edit form) keeps its new value.
		gone := func(name string) bool {
			return o.Rename[name] != "" || slices.Contains(o.Delete, name)
		}
		into := make(map[string]string, len(o.Rename))
		for from, to := range o.Rename {
			if other, ok := into[to]; ok {
				return vi, fmt.Errorf("set %s: cannot rename both %q and %q to %q: %w", path, other, from, to, ErrExists)
			}
			into[to] = from
			if _, ok := cur[from]; !ok {
				return vi, fmt.Errorf("set %s: no field %q to rename: %w", path, from, ErrNotFound)
			}
			if _, taken := cur[to]; taken && !gone(to) {
				return vi, fmt.Errorf("set %s: cannot rename %q to %q, which is taken: %w", path, from, to, ErrExists)
			}
			if _, err := CleanField(to); err != nil {
				return vi, err
			}
			delete(nf, from)
		}
		for _, k := range o.Delete {
			delete(nf, k)
		}
		for from, to := range o.Rename {
			if _, typed := f[to]; !typed {
				nf[to] = cur[from]
			}
		}
		for k, v := range f {
			nf[k] = v
		}
		if len(nf) == 0 {
			return vi, fmt.Errorf("set %s: every field would be deleted; retire or purge the secret instead", path)
		}
	}
	if len(nf) == 0 {
		return vi, fmt.Errorf("set %s: no fields to set: %w", path, ErrBadValue)
	}
	// Writing a new value brings a retired secret back, unless the same
	// write retires it; a secret created retired (an import of one) stays
	// as it was given. EditMeta sees the status as it is in the store.
	wasRetired := sc.Meta.Status == StatusRetired && sc.Current > 0
	if o.EditMeta != nil {
		m := sc.Meta
		m.Tags = slices.Clone(m.Tags)
		m.Usage = slices.Clone(m.Usage)
		if err := o.EditMeta(&m); err != nil {
			return vi, err
		}
		sc.Meta = m
	}
	if wasRetired && sc.Meta.Status == StatusRetired {
		sc.Meta.Status = StatusActive
	}
	at := s.Now()
	if !o.At.IsZero() {
		at = o.At.UTC()
	}
	isNew := sc.Current == 0
	if vi, err = s.addVersion(tx, lk, sc, nf, o.Action, at); err != nil {
		return vi, err
	}
	if isNew && !o.CreatedAt.IsZero() && o.CreatedAt.Before(sc.Created) {
		sc.Created = o.CreatedAt.UTC()
	}
	if !o.RotatedAt.IsZero() {
		sc.Rotated = o.RotatedAt.UTC()
	}
	if err := s.writeSecret(tx, lk, sc); err != nil {
		return vi, err
	}
	return vi, s.appendAudit(tx, Entry{Action: o.Action, Path: path, Version: vi.N, Detail: "fields: " + strings.Join(vi.Fields, ",")})
}

// Item is one secret to write in a SetMany.
type Item struct {
	Path   string
	Fields Fields
	SetOptions
}

// SetMany writes many secrets in one transaction (one fsync), as import,
// sync and the demo do: all of them or, on any error, none. Each still gets
// its own version and audit entry.
func (s *Store) SetMany(ctx context.Context, items []Item) error {
	if s.keys == nil {
		return errNotUnlocked
	}
	for i := range items {
		p, err := CleanPath(items[i].Path)
		if err != nil {
			return err
		}
		items[i].Path = p
		if err := checkFields(items[i].Fields); err != nil {
			return fmt.Errorf("set %s: %w", p, err)
		}
		if items[i].Action == "" {
			items[i].Action = "set"
		}
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		for i, it := range items {
			if i%256 == 255 && ctx.Err() != nil {
				return ctx.Err() // stopped: nothing is written
			}
			if _, err := s.setTx(tx, it.Path, it.Fields, it.SetOptions); err != nil {
				return err
			}
		}
		return nil
	})
}

// Revision returns a number that grows with every change (the length of
// the audit log in the store file; retrievals wait in the tail, see
// tail.go), so a long-lived view such as the TUI can see cheaply that
// another process changed the store.
func (s *Store) Revision(ctx context.Context) (uint64, error) {
	if s.keys == nil {
		return 0, errNotUnlocked
	}
	var h auditHead
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		h, err = s.readAuditHead(tx)
		return err
	})
	return h.Seq, err
}

// GetOptions shape a Get.
type GetOptions struct {
	Version int    // 0 for the current version
	Action  string // audit action: get, reveal, copy, export...; empty: "get"
	Field   string // the field revealed, for the audit log; empty: all
	// PickField resolves Field the way a PATH[#FIELD] reference does (see
	// Ref.PickField: the named field, else "value", else the only one)
	// inside the same transaction, so `ward get` opens the file once.
	PickField bool
}

// Get returns a secret and the values of one version. It reads in a
// read-only transaction and records the retrieval in the audit tail before
// it returns: if the entry cannot be written, no value is returned.
func (s *Store) Get(ctx context.Context, path string, o GetOptions) (*Secret, Fields, error) {
	if s.keys == nil {
		return nil, nil, errNotUnlocked
	}
	path, err := CleanPath(path)
	if err != nil {
		return nil, nil, err
	}
	if o.Action == "" {
		o.Action = "get"
	}
	var sc *Secret
	var f Fields
	var n int
	var mark tailMark
	err = s.view(ctx, func(tx *bolt.Tx) error {
		var lk []byte
		var err error
		if mark, err = s.readTailMark(tx); err != nil {
			return err
		}
		sc, lk, err = s.readSecret(tx, path)
		if err != nil {
			return s.lostOrNotFound(err)
		}
		n = o.Version
		if n == 0 {
			n = sc.Current
		}
		if f, err = s.readFields(tx, lk, sc, n); err != nil {
			return err
		}
		if o.PickField {
			if o.Field, err = (Ref{Path: path, Field: o.Field}).PickField(f.Names()); err != nil {
				return err
			}
		}
		if o.Field != "" {
			v, ok := f[o.Field]
			if !ok {
				return fmt.Errorf("secret %s has no field %q (fields: %s): %w", path, o.Field, strings.Join(f.Names(), ", "), ErrNotFound)
			}
			// Hand back only what was asked for and audited.
			f = Fields{o.Field: v}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if err := s.auditWith(ctx, &mark, Entry{Action: o.Action, Path: path, Field: o.Field, Version: n}); err != nil {
		return nil, nil, err
	}
	return sc, f, nil
}

// GetMany reads the current values of many secrets, with one audit entry
// per secret (action o.Action), as export does. The entries are recorded
// first (the versions read in a first transaction), then fn is called for
// each path in order with exactly the version recorded; an error from fn
// stops the read.
func (s *Store) GetMany(ctx context.Context, paths []string, o GetOptions, fn func(*Secret, Fields) error) error {
	if s.keys == nil {
		return errNotUnlocked
	}
	if o.Action == "" {
		o.Action = "get"
	}
	entries := make([]Entry, 0, len(paths))
	var mark tailMark
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		if mark, err = s.readTailMark(tx); err != nil {
			return err
		}
		for i, p := range paths {
			if i%256 == 255 && ctx.Err() != nil {
				return ctx.Err() // stopped before anything was handed out
			}
			sc, _, err := s.readSecret(tx, p)
			if err != nil {
				return err
			}
			entries = append(entries, Entry{Action: o.Action, Path: p, Version: sc.Current})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.auditWith(ctx, &mark, entries...); err != nil {
		return err
	}
	return s.view(ctx, func(tx *bolt.Tx) error {
		for _, e := range entries {
			sc, lk, err := s.readSecret(tx, e.Path)
			if err != nil {
				return err
			}
			f, err := s.readFields(tx, lk, sc, e.Version)
			if err != nil {
				return err
			}
			if err := fn(sc, f); err != nil {
				return err
			}
		}
		return nil
	})
}

// Show returns a secret's metadata and history, no values. It is not
// audited: it reveals nothing a listing does not.
func (s *Store) Show(ctx context.Context, path string) (*Secret, error) {
	if s.keys == nil {
		return nil, errNotUnlocked
	}
	path, err := CleanPath(path)
	if err != nil {
		return nil, err
	}
	var sc *Secret
	err = s.view(ctx, func(tx *bolt.Tx) (err error) {
		sc, _, err = s.readSecret(tx, path)
		return s.lostOrNotFound(err)
	})
	return sc, err
}

// lostOrNotFound is err, unless err says not found and the store's newest
// commit record does not check out: the secret may be in the commit that
// bbolt, reading the one before, cannot see (see checkMetas). Only a miss
// pays for the check. Called inside a transaction, whose lock keeps a
// commit from being half written while the meta pages are read.
func (s *Store) lostOrNotFound(err error) error {
	if errors.Is(err, ErrNotFound) {
		if merr := s.checkMetas(); merr != nil {
			return merr
		}
	}
	return err
}

// Exists reports whether a secret is at path.
func (s *Store) Exists(ctx context.Context, path string) (bool, error) {
	_, err := s.Show(ctx, path)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// List returns the heads of every secret whose path starts with prefix
// (a folder "prod/" or any string), sorted by path.
func (s *Store) List(ctx context.Context, prefix string) ([]Head, error) {
	if s.keys == nil {
		return nil, errNotUnlocked
	}
	// Two halves opened and sorted side by side, then merged: opening
	// (unsealing) and sorting 100,000 heads is most of a `ward ls`.
	var halves [2][]Head
	err := s.view(ctx, func(tx *bolt.Tx) error {
		if err := s.checkMetas(); err != nil {
			return err
		}
		var raw [][2][]byte // valid while tx is open
		if err := records(tx.Bucket(bktIndex), func(k, v []byte) error {
			raw = append(raw, [2][]byte{k, v})
			return nil
		}); err != nil {
			return err
		}
		mid := len(raw) / 2
		var errs [2]error
		var wg sync.WaitGroup
		for i, part := range [2][][2][]byte{raw[:mid], raw[mid:]} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Values are read from the file's mapping here too: a
				// fault on a damaged file is an error, as in view.
				defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
				defer s.recoverCorrupt(&errs[i])
				hs := make([]Head, 0, len(part))
				for n, kv := range part {
					if n%4096 == 0 && ctx.Err() != nil {
						errs[i] = ctx.Err()
						return
					}
					h, err := s.openHead(kv[0], kv[1])
					if err != nil {
						errs[i] = err
						return
					}
					if strings.HasPrefix(h.Path, prefix) {
						hs = append(hs, h)
					}
				}
				slices.SortFunc(hs, func(a, b Head) int { return strings.Compare(a.Path, b.Path) })
				halves[i] = hs
			}()
		}
		wg.Wait()
		if errs[0] != nil {
			return errs[0]
		}
		return errs[1]
	})
	if err != nil {
		return nil, err
	}
	a, b := halves[0], halves[1]
	out := make([]Head, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0].Path <= b[0].Path {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...), nil
}

// EachHead calls fn with the head of every secret whose path starts with
// prefix, in no particular order, in one read-only transaction (so fn
// should be quick: a writer waits for it). An error from fn stops the walk
// and is returned.
func (s *Store) EachHead(ctx context.Context, prefix string, fn func(Head) error) error {
	if s.keys == nil {
		return errNotUnlocked
	}
	return s.view(ctx, func(tx *bolt.Tx) error {
		// A list is what the operator takes for the store's contents:
		// not the commit before one whose record is damaged. (Read
		// under the transaction's shared lock: no commit is half
		// written meanwhile.)
		if err := s.checkMetas(); err != nil {
			return err
		}
		return records(tx.Bucket(bktIndex), func(k, v []byte) error {
			h, err := s.openHead(k, v)
			if err != nil {
				return err
			}
			if strings.HasPrefix(h.Path, prefix) {
				return fn(h)
			}
			return nil
		})
	})
}

func (s *Store) openHead(k, v []byte) (Head, error) {
	pt, err := s.unseal(v, "", "index", string(k))
	if err != nil {
		var ce *CorruptError
		if errors.As(err, &ce) {
			ce.Where = "index entry " + shortHash(k) // named only when needed: ls opens 100,000
		}
		return Head{}, err
	}
	h, err := decodeHead(pt)
	if err != nil {
		return Head{}, &CorruptError{File: s.File, Where: "index entry " + shortHash(k), Reason: err.Error()}
	}
	return h, nil
}

// PathState is what HeadsAndStates found for one path.
type PathState struct {
	Path  string
	Head  Head
	Found bool   // a secret is at Path
	State []byte // the state value under (ns, Path); nil: none
}

// HeadsAndStates reads, in one read-only transaction, for each path the
// head of the secret there and the value of state (ns, path): what a
// planner walking another listing needs of a batch of paths.
func (s *Store) HeadsAndStates(ctx context.Context, paths []string, ns string) ([]PathState, error) {
	if s.keys == nil {
		return nil, errNotUnlocked
	}
	out := make([]PathState, len(paths))
	err := s.view(ctx, func(tx *bolt.Tx) error {
		sb, _ := s.stateBucket(tx, false)
		for i, path := range paths {
			ps := &out[i]
			ps.Path = path
			lk := s.lookupKey(path)
			if v := tx.Bucket(bktIndex).Get(lk); v != nil {
				h, err := s.openHead(lk, v)
				if err != nil {
					return err
				}
				if h.Path != path {
					return &CorruptError{File: s.File, Where: "index entry " + shortHash(lk), Reason: "filed under another path"}
				}
				ps.Head, ps.Found = h, true
			}
			if sb == nil {
				continue
			}
			k := s.stateKey(ns, path)
			if raw := sb.Get(k); raw != nil {
				_, _, v, err := s.openState(k, raw)
				if err != nil {
					return err
				}
				ps.State = append([]byte(nil), v...)
			}
		}
		return nil
	})
	return out, err
}

// allSecrets reads every full record, for re-keying and doctor.
func (s *Store) allSecrets(tx *bolt.Tx) ([]*Secret, error) {
	var out []*Secret
	err := records(tx.Bucket(bktSecrets), func(k, v []byte) error {
		sc, err := s.decodeSecret(k, v)
		if err != nil {
			return err
		}
		out = append(out, sc)
		return nil
	})
	return out, err
}

// change loads a secret, lets fn change it, writes it back and audits.
func (s *Store) change(ctx context.Context, path string, entry Entry, fn func(tx *bolt.Tx, lk []byte, sc *Secret) error) (*Secret, error) {
	if s.keys == nil {
		return nil, errNotUnlocked
	}
	path, err := CleanPath(path)
	if err != nil {
		return nil, err
	}
	var sc *Secret
	err = s.update(ctx, func(tx *bolt.Tx) error {
		var lk []byte
		var err error
		if sc, lk, err = s.readSecret(tx, path); err != nil {
			return err
		}
		if err := fn(tx, lk, sc); err != nil {
			return err
		}
		if err := s.writeSecret(tx, lk, sc); err != nil {
			return err
		}
		entry.Path = path
		if entry.Version == 0 {
			entry.Version = sc.Current
		}
		return s.appendAudit(tx, entry)
	})
	return sc, err
}

// sameSecret checks that sc, a secret that exists, was created at created
// (zero: no check). A move keeps a secret's creation time; a copy, or one
// made anew, has its own.
func sameSecret(sc *Secret, created time.Time) error {
	if created.IsZero() || sc.Current == 0 || sc.Created.Equal(created) {
		return nil
	}
	return fmt.Errorf("secret %s was created %s, not %s: %w: %w", sc.Path,
		sc.Created.UTC().Format(time.RFC3339Nano), created.UTC().Format(time.RFC3339Nano), ErrReplaced, ErrConflict)
}

// SetMeta changes a secret's metadata through fn.
func (s *Store) SetMeta(ctx context.Context, path string, fn func(*Meta) error) (*Secret, error) {
	return s.SetMetaWith(ctx, path, MetaOptions{}, fn)
}

// MetaOptions shape a SetMetaWith.
type MetaOptions struct {
	// IfVersion, when not 0, fails the change with ErrConflict unless the
	// secret is at exactly that current version.
	IfVersion int
	// Action names the change in the audit log; empty means "meta".
	Action string
	// IfCreated is as in SetOptions.
	IfCreated time.Time
	// FailUnchanged makes a change that leaves the metadata as it was
	// write nothing (no audit entry claims a change) and fail with
	// ErrUnchanged.
	FailUnchanged bool
}

// SetMetaWith is SetMeta with a version check and an audit action.
func (s *Store) SetMetaWith(ctx context.Context, path string, o MetaOptions, fn func(*Meta) error) (*Secret, error) {
	if o.Action == "" {
		o.Action = "meta"
	}
	return s.change(ctx, path, Entry{Action: o.Action}, func(_ *bolt.Tx, _ []byte, sc *Secret) error {
		if err := sameSecret(sc, o.IfCreated); err != nil {
			return err
		}
		if o.IfVersion != 0 && sc.Current != o.IfVersion {
			return fmt.Errorf("secret %s is at version %d, not %d: %w", sc.Path, sc.Current, o.IfVersion, ErrConflict)
		}
		m := sc.Meta
		m.Tags = slices.Clone(m.Tags)
		m.Usage = slices.Clone(m.Usage)
		if err := fn(&m); err != nil {
			return err
		}
		if o.FailUnchanged && reflect.DeepEqual(m, sc.Meta) {
			return fmt.Errorf("the metadata of %s: %w", sc.Path, ErrUnchanged)
		}
		sc.Meta = m
		sc.Updated = s.Now()
		return nil
	})
}

// Retire marks a secret retired. Its versions are kept; Set brings it back.
func (s *Store) Retire(ctx context.Context, path string) (*Secret, error) {
	return s.change(ctx, path, Entry{Action: "retire"}, func(_ *bolt.Tx, _ []byte, sc *Secret) error {
		if sc.Meta.Status == StatusRetired {
			return fmt.Errorf("secret %s: %w already", sc.Path, ErrRetired)
		}
		sc.Meta.Status = StatusRetired
		sc.Updated = s.Now()
		return nil
	})
}

// Rollback writes a new version equal to version n. A retired secret
// comes back to active, as with Set.
func (s *Store) Rollback(ctx context.Context, path string, n int) (VersionInfo, error) {
	var vi VersionInfo
	_, err := s.change(ctx, path, Entry{Action: "rollback"}, func(tx *bolt.Tx, lk []byte, sc *Secret) error {
		f, err := s.readFields(tx, lk, sc, n)
		if err != nil {
			return err
		}
		vi, err = s.addVersion(tx, lk, sc, f, fmt.Sprintf("rollback to %d", n), s.Now())
		// A new current version brings a retired secret back, as Set does.
		if sc.Meta.Status == StatusRetired {
			sc.Meta.Status = StatusActive
		}
		return err
	})
	return vi, err
}

// MarkRotated records that the current version is a rotation.
func (s *Store) MarkRotated(ctx context.Context, path string) error {
	_, err := s.change(ctx, path, Entry{Action: "rotated"}, func(_ *bolt.Tx, _ []byte, sc *Secret) error {
		sc.Rotated = s.Now()
		return nil
	})
	return err
}

// Purge removes a secret and every version of it for good.
func (s *Store) Purge(ctx context.Context, path string) error {
	if s.keys == nil {
		return errNotUnlocked
	}
	path, err := CleanPath(path)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		sc, lk, err := s.readSecret(tx, path)
		if err != nil {
			return err
		}
		if err := s.deleteSecret(tx, lk, sc); err != nil {
			return err
		}
		return s.appendAudit(tx, Entry{Action: "purge", Path: path, Detail: fmt.Sprintf("%d versions", len(sc.Versions))})
	})
}

func (s *Store) deleteSecret(tx *bolt.Tx, lk []byte, sc *Secret) error {
	for _, v := range sc.Versions {
		if err := s.putRec(tx, bktVersions, versionKey(lk, v.N), nil); err != nil {
			return err
		}
	}
	if err := s.putRec(tx, bktSecrets, lk, nil); err != nil {
		return err
	}
	return s.putRec(tx, bktIndex, lk, nil)
}

// Copy makes dst a new secret with src's metadata and current values (one
// version; history stays with src). Move also removes src. dst must not
// exist.
func (s *Store) Copy(ctx context.Context, src, dst string) error {
	return s.copyOrMove(ctx, src, dst, false)
}

// Move renames src to dst, with all its versions and history.
func (s *Store) Move(ctx context.Context, src, dst string) error {
	return s.copyOrMove(ctx, src, dst, true)
}

func (s *Store) copyOrMove(ctx context.Context, src, dst string, move bool) error {
	if s.keys == nil {
		return errNotUnlocked
	}
	src, err := CleanPath(src)
	if err != nil {
		return err
	}
	if dst, err = CleanPath(dst); err != nil {
		return err
	}
	if src == dst {
		return fmt.Errorf("source and destination are both %s", src)
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		sc, slk, err := s.readSecret(tx, src)
		if err != nil {
			return err
		}
		if _, _, err := s.readSecret(tx, dst); err == nil {
			return fmt.Errorf("secret %s: %w", dst, ErrExists)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		dlk := s.lookupKey(dst)
		ns := *sc
		ns.Path = dst
		action := "cp"
		if move {
			action = "mv"
			// Every live version moves, resealed for its new place.
			for _, v := range sc.Versions {
				if v.Purged {
					continue
				}
				pt, err := s.readVersion(tx, slk, src, v.N)
				if err != nil {
					return err
				}
				vk := versionKey(dlk, v.N)
				if err := s.putRec(tx, bktVersions, vk, s.seal(pt, "version", string(vk))); err != nil {
					return err
				}
			}
			if err := s.deleteSecret(tx, slk, sc); err != nil {
				return err
			}
		} else {
			f, err := s.readFields(tx, slk, sc, sc.Current)
			if err != nil {
				return err
			}
			ns.Versions = nil
			ns.Current = 0
			ns.Created = s.Now()
			ns.Rotated = sc.Rotated
			if _, err := s.addVersion(tx, dlk, &ns, f, "cp from "+src, s.Now()); err != nil {
				return err
			}
		}
		ns.Updated = s.Now()
		if err := s.writeSecret(tx, dlk, &ns); err != nil {
			return err
		}
		return s.appendAudit(tx, Entry{Action: action, Path: dst, Version: ns.Current, Detail: "from " + src})
	})
}
