package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	wcrypto "github.com/opsward/ward/crypto"
)

// newTestStore makes an unlocked store with an identity kept by the test.
func newTestStore(t *testing.T) (*Store, string) {
	t.Helper()
	id := wcrypto.NewIdentity()
	file := filepath.Join(t.TempDir(), "test.ward")
	s, err := Create(context.Background(), file, CreateOptions{Mode: IdentityExternal, Recipients: []string{id.Recipient().String()}})
	if err != nil {
		t.Fatal(err)
	}
	return s, id.String()
}

func fields(kv ...string) Fields {
	f := Fields{}
	for i := 0; i < len(kv); i += 2 {
		f[kv[i]] = wcrypto.NewSecret(kv[i+1])
	}
	return f
}

func TestSetGetVersions(t *testing.T) {
	ctx := context.Background()
	s, idText := newTestStore(t)
	if _, err := s.Set(ctx, "prod/db", fields("username", "app", "password", "fake-pass-1"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Set(ctx, "prod/db", fields("password", "fake-pass-2"), SetOptions{Merge: true}); err != nil {
		t.Fatal(err)
	}
	// Reopen from disk with the identity, as a new process would.
	s2, err := Open(ctx, s.File)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := wcrypto.ParseIdentity(idText)
	if err := s2.Unlock(id); err != nil {
		t.Fatal(err)
	}
	sc, f, err := s2.Get(ctx, "prod/db", GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Current != 2 || f["password"].Reveal() != "fake-pass-2" || f["username"].Reveal() != "app" {
		t.Fatalf("got current %d, fields %v", sc.Current, f.Names())
	}
	_, f1, err := s2.Get(ctx, "prod/db", GetOptions{Version: 1})
	if err != nil || f1["password"].Reveal() != "fake-pass-1" {
		t.Fatalf("version 1: %v", err)
	}
	if _, _, err := s2.Get(ctx, "prod/nope", GetOptions{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing secret: got %v", err)
	}
	heads, err := s2.List(ctx, "prod/")
	if err != nil || len(heads) != 1 || heads[0].Path != "prod/db" || heads[0].Current != 2 {
		t.Fatalf("list: %v %+v", err, heads)
	}
	n, err := s2.VerifyAudit(ctx)
	if err != nil || n != 5 { // init, set, set, get, get
		t.Fatalf("audit: %d entries, %v", n, err)
	}
}

func TestWrongIdentity(t *testing.T) {
	s, _ := newTestStore(t)
	s2, err := Open(context.Background(), s.File)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Unlock(wcrypto.NewIdentity()); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("got %v, want ErrWrongKey", err)
	}
}

func TestRemoveRecipientRekeys(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	other := wcrypto.NewIdentity()
	if _, err := s.Set(ctx, "a/b", fields("value", "fake-1"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddRecipient(ctx, other.Recipient().String()); err != nil {
		t.Fatal(err)
	}
	s2, _ := Open(ctx, s.File)
	if err := s2.Unlock(other); err != nil {
		t.Fatalf("added recipient cannot unlock: %v", err)
	}
	oldKey := *s.DataKey()
	if err := s.RemoveRecipient(ctx, other.Recipient().String()); err != nil {
		t.Fatal(err)
	}
	s3, _ := Open(ctx, s.File)
	if err := s3.Unlock(other); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("removed recipient still unlocks: %v", err)
	}
	if err := s3.UnlockWithKey(ctx, &oldKey); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("old data key still fits after re-key: %v", err)
	}
	_, f, err := s.Get(ctx, "a/b", GetOptions{})
	if err != nil || f["value"].Reveal() != "fake-1" {
		t.Fatalf("after re-key: %v", err)
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestSetOptions(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	if _, err := s.Set(ctx, "x/y", fields("a", "fake-a", "b", "fake-b"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	rev1, _ := s.Revision(ctx)
	boom := errors.New("fake failure")
	if _, err := s.Set(ctx, "x/y", fields("a", "fake-a2"), SetOptions{Merge: true, EditMeta: func(*Meta) error { return boom }}); !errors.Is(err, boom) {
		t.Fatalf("edit error lost: %v", err)
	}
	if sc, _ := s.Show(ctx, "x/y"); sc.Current != 1 {
		t.Fatal("failed edit wrote a version")
	}
	vi, err := s.Set(ctx, "x/y", fields("c", "fake-c"), SetOptions{Merge: true, Delete: []string{"b"},
		EditMeta: func(m *Meta) error { m.Owner = "team-x"; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if got := vi.Fields; len(got) != 2 || got[0] != "a" || got[1] != "c" {
		t.Fatalf("fields %v", got)
	}
	sc, f, err := s.Get(ctx, "x/y", GetOptions{Field: "c"})
	if err != nil || sc.Meta.Owner != "team-x" || len(f) != 1 || f["c"].Reveal() != "fake-c" {
		t.Fatalf("get one field: %v %v %v", err, sc.Meta.Owner, f.Names())
	}
	if rev2, _ := s.Revision(ctx); rev2 <= rev1 {
		t.Fatalf("revision did not grow: %d -> %d", rev1, rev2)
	}
	past := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, err := s.Set(ctx, "old/one", fields("value", "fake"), SetOptions{At: past, Meta: &Meta{RotateEvery: Duration(24 * time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	old, _ := s.Show(ctx, "old/one")
	if !old.Created.Equal(past) || !old.RotationDue().Equal(past.Add(24*time.Hour)) {
		t.Fatalf("backdating: created %v", old.Created)
	}
}

func TestCheckAndSet(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	s.Set(ctx, "c/a", fields("value", "fake-1"), SetOptions{})
	if _, err := s.Set(ctx, "c/a", fields("value", "fake-2"), SetOptions{IfVersion: 2}); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale write: %v", err)
	}
	if _, err := s.Set(ctx, "c/a", fields("value", "fake-2"), SetOptions{IfVersion: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetMetaWith(ctx, "c/a", MetaOptions{IfVersion: 1, Action: "sync-pull"}, func(m *Meta) error { return nil }); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale meta: %v", err)
	}
	if _, err := s.SetMetaWith(ctx, "c/a", MetaOptions{IfVersion: 2, Action: "sync-pull"}, func(m *Meta) error { m.Owner = "o"; return nil }); err != nil {
		t.Fatal(err)
	}
	es, _ := s.Audit(ctx, AuditFilter{Limit: 1})
	if es[0].Action != "sync-pull" {
		t.Fatalf("audit action %q", es[0].Action)
	}
}

func TestRollbackRevivesRetired(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	if _, err := s.Set(ctx, "prod/db", fields("value", "fake-1"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Retire(ctx, "prod/db"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rollback(ctx, "prod/db", 1); err != nil {
		t.Fatal(err)
	}
	heads, err := s.List(ctx, "prod/")
	if err != nil || len(heads) != 1 || heads[0].Status != StatusActive || heads[0].Current != 2 {
		t.Fatalf("after rollback: %v %+v", err, heads)
	}
}

// New values restart the rotation clock; the same values, metadata and a
// rollback do not.
func TestNewValuesAreARotation(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	s.Now = func() time.Time { return now }
	if _, err := s.Set(ctx, "prod/db", fields("password", "fake-1"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetMeta(ctx, "prod/db", func(m *Meta) error { m.RotateEvery = Duration(24 * time.Hour); return nil }); err != nil {
		t.Fatal(err)
	}
	due := func() time.Time {
		t.Helper()
		sc, err := s.Show(ctx, "prod/db")
		if err != nil {
			t.Fatal(err)
		}
		return sc.RotationDue()
	}
	if got := due(); !got.Equal(t0.Add(24 * time.Hour)) {
		t.Fatalf("due %v", got)
	}
	now = t0.Add(48 * time.Hour)
	if _, err := s.Set(ctx, "prod/db", fields("password", "fake-1"), SetOptions{}); err != nil { // same value
		t.Fatal(err)
	}
	if got := due(); !got.Equal(t0.Add(24 * time.Hour)) {
		t.Fatalf("the same value moved the due date to %v", got)
	}
	if _, err := s.Set(ctx, "prod/db", fields("password", "fake-2"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := due(); !got.Equal(t0.Add(72 * time.Hour)) {
		t.Fatalf("a new value: due %v", got)
	}
	now = t0.Add(96 * time.Hour)
	if _, err := s.Rollback(ctx, "prod/db", 1); err != nil {
		t.Fatal(err)
	}
	if got := due(); !got.Equal(t0.Add(72 * time.Hour)) {
		t.Fatalf("a rollback moved the due date to %v", got)
	}
}

// Open keeps its read-only handle for the next transaction, but never in
// anyone's way: the same Store writes at once (the shared lock is let go
// first), and another writer gets the file once keptFor has passed even
// if the opener never touches the store again.
func TestOpenKeepsHandleBriefly(t *testing.T) {
	ctx := context.Background()
	s, idText := newTestStore(t)
	id, _ := wcrypto.ParseIdentity(idText)
	open := func() *Store {
		t.Helper()
		o, err := Open(ctx, s.File)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Unlock(id); err != nil {
			t.Fatal(err)
		}
		o.LockTimeout = 5 * time.Second
		return o
	}

	self := open()
	// A lock timeout well under keptFor: had the write not let its own
	// kept handle go first, its exclusive lock would wait on that shared
	// one and fail with ErrLocked.
	self.LockTimeout = keptFor / 5
	if _, err := self.Set(ctx, "app/a", fields("value", "fake-a"), SetOptions{}); err != nil {
		t.Fatalf("write right after Open: %v", err)
	}

	// A read gives the handle back for the next (a process that ends
	// right after never unmaps it); a write after it still lets it go.
	reader := open()
	reader.LockTimeout = keptFor / 5
	if _, _, err := reader.Get(ctx, "app/a", GetOptions{}); err != nil {
		t.Fatal(err)
	}
	reader.kept.mu.Lock()
	held := reader.kept.db != nil
	reader.kept.mu.Unlock()
	if !held {
		t.Fatal("a read closed the kept handle")
	}
	if _, err := reader.Set(ctx, "app/a", fields("value", "fake-a2"), SetOptions{}); err != nil {
		t.Fatalf("write right after a read: %v", err)
	}

	idle := open() // opened, then left alone
	idle.kept.mu.Lock()
	held = idle.kept.db != nil
	idle.kept.mu.Unlock()
	if !held {
		t.Fatal("Open kept no handle")
	}
	other := open()
	other.dropKept()
	if _, err := other.Set(ctx, "app/b", fields("value", "fake-b"), SetOptions{}); err != nil {
		t.Fatalf("another writer while a Store sits opened: %v", err)
	}
	if idle.kept.borrow(idle.File) != nil {
		t.Error("the idle Store still holds its handle after a writer got the file")
	}
	// Its next read opens the file afresh.
	if _, f, err := idle.Get(ctx, "app/b", GetOptions{}); err != nil || f["value"].Reveal() != "fake-b" {
		t.Fatalf("idle store read: %v", err)
	}
}

// An import keeps a secret's history times: created from CreatedAt,
// updated from At.
func TestSetCreatedAt(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	created := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	updated := time.Date(2026, 6, 7, 8, 9, 10, 0, time.UTC)
	if _, err := s.Set(ctx, "app/old", fields("value", "fake-old"), SetOptions{At: updated, CreatedAt: created}); err != nil {
		t.Fatal(err)
	}
	sc, err := s.Show(ctx, "app/old")
	if err != nil {
		t.Fatal(err)
	}
	if !sc.Created.Equal(created) || !sc.Updated.Equal(updated) {
		t.Errorf("created %s, updated %s; want %s, %s", sc.Created, sc.Updated, created, updated)
	}
	// On an existing secret it changes nothing.
	if _, err := s.Set(ctx, "app/old", fields("value", "fake-new"), SetOptions{CreatedAt: created.AddDate(-1, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	if sc, _ := s.Show(ctx, "app/old"); !sc.Created.Equal(created) {
		t.Errorf("created moved to %s on a later write", sc.Created)
	}
}

// The long commands catch SIGINT as the end of their context: a change
// whose context ended before its commit writes nothing, and a long read
// ends with the context's error, not a result (an interrupted import used
// to import everything, and exit 0).
func TestCanceledContextWritesNothing(t *testing.T) {
	s, _ := newTestStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := s.Set(ctx, "prod/a", fields("value", "fake-a"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	cancel()
	items := []Item{}
	for i := range 600 {
		items = append(items, Item{Path: fmt.Sprintf("bulk/s%d", i), Fields: fields("value", "fake")})
	}
	if err := s.SetMany(ctx, items); !errors.Is(err, context.Canceled) {
		t.Fatalf("SetMany after cancel: %v", err)
	}
	if _, err := s.Set(ctx, "prod/b", fields("value", "fake-b"), SetOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Set after cancel: %v", err)
	}
	if _, err := s.Doctor(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Doctor after cancel: %v", err)
	}
	if err := s.GetMany(ctx, []string{"prod/a"}, GetOptions{}, func(*Secret, Fields) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("GetMany after cancel: %v", err)
	}
	heads, err := s.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(heads) != 1 {
		t.Fatalf("%d secrets after the canceled writes, want 1", len(heads))
	}
}

// Rename moves a field's value to a new name in a merged version, unread
// by the caller; to a name taken, or from one missing, it is refused.
func TestSetRename(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	if _, err := s.Set(ctx, "prod/db", fields("password", "fake-p", "user", "fake-u"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Set(ctx, "prod/db", nil, SetOptions{Merge: true, Rename: map[string]string{"password": "pass"}}); err != nil {
		t.Fatal(err)
	}
	_, f, err := s.Get(ctx, "prod/db", GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f["pass"].Reveal() != "fake-p" || f["user"].Reveal() != "fake-u" || len(f) != 2 {
		t.Fatalf("fields after rename: %q", f.Names())
	}
	// A swap keeps both values.
	if _, err := s.Set(ctx, "prod/db", nil, SetOptions{Merge: true, Rename: map[string]string{"pass": "user", "user": "pass"}}); err != nil {
		t.Fatal(err)
	}
	if _, f, _ = s.Get(ctx, "prod/db", GetOptions{}); f["user"].Reveal() != "fake-p" || f["pass"].Reveal() != "fake-u" {
		t.Fatalf("after a swap: %q", f.Names())
	}
	if _, err := s.Set(ctx, "prod/db", nil, SetOptions{Merge: true, Rename: map[string]string{"pass": "user"}}); !errors.Is(err, ErrExists) {
		t.Errorf("rename onto a taken name: %v", err)
	}
	if _, err := s.Set(ctx, "prod/db", nil, SetOptions{Merge: true, Rename: map[string]string{"nope": "x"}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("rename of a missing field: %v", err)
	}
	if _, err := s.Set(ctx, "prod/new", nil, SetOptions{Merge: true, Rename: map[string]string{"a": "b"}}); err == nil {
		t.Error("a new secret with no fields was written")
	}
}

// The edit form's saves: a field renamed into the name of one removed in
// the same write takes that name; a field removed and given anew keeps the
// new value; two fields renamed to one name are refused, not one lost.
func TestSetRenameDelete(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	if _, err := s.Set(ctx, "prod/db", fields("old", "fake-old", "new", "fake-new", "user", "fake-u"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	get := func() Fields {
		t.Helper()
		_, f, err := s.Get(ctx, "prod/db", GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	if _, err := s.Set(ctx, "prod/db", nil, SetOptions{Merge: true, Rename: map[string]string{"new": "old"}, Delete: []string{"old"}}); err != nil {
		t.Fatalf("rename into a deleted name: %v", err)
	}
	if f := get(); f["old"].Reveal() != "fake-new" || len(f) != 2 {
		t.Fatalf("after a rename into a deleted name: %q", f.Names())
	}
	if _, err := s.Set(ctx, "prod/db", fields("user", "fake-u2"), SetOptions{Merge: true, Delete: []string{"user"}}); err != nil {
		t.Fatal(err)
	}
	if f := get(); f["user"].Reveal() != "fake-u2" || f["old"].Reveal() != "fake-new" || len(f) != 2 {
		t.Fatalf("after a delete and a new value of the same name: %q", f.Names())
	}
	_, err := s.Set(ctx, "prod/db", nil, SetOptions{Merge: true, Rename: map[string]string{"old": "x", "user": "x"}})
	if !errors.Is(err, ErrExists) {
		t.Errorf("two fields renamed to one name: %v", err)
	}
	if f := get(); len(f) != 2 {
		t.Fatalf("a refused rename changed the fields: %q", f.Names())
	}
}

// IfCreated: a write checked against the secret the caller saw fails when
// another secret is at the path now (purged and made anew), and names
// ErrReplaced as well as ErrConflict.
func TestSetIfCreated(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	if _, err := s.Set(ctx, "prod/db", fields("value", "fake-1"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	sc, err := s.Show(ctx, "prod/db")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Purge(ctx, "prod/db"); err != nil {
		t.Fatal(err)
	}
	s.Now = func() time.Time { return sc.Created.Add(time.Second) }
	if _, err := s.Set(ctx, "prod/db", fields("value", "fake-anew"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Set(ctx, "prod/db", fields("value", "fake-2"), SetOptions{IfVersion: 1, IfCreated: sc.Created})
	if !errors.Is(err, ErrReplaced) || !errors.Is(err, ErrConflict) {
		t.Fatalf("a write into the secret made anew: %v", err)
	}
	_, err = s.SetMetaWith(ctx, "prod/db", MetaOptions{IfCreated: sc.Created}, func(m *Meta) error { m.Owner = "x"; return nil })
	if !errors.Is(err, ErrReplaced) {
		t.Fatalf("a metadata change into the secret made anew: %v", err)
	}
}
