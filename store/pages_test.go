package store

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

// pagesStore is a store with a few secrets, closed, and its page size.
func pagesStore(t *testing.T) (*Store, int64) {
	t.Helper()
	s, _ := newTestStore(t)
	for _, p := range []string{"prod/a", "prod/b", "prod/c"} {
		if _, err := s.Set(context.Background(), p, fields("value", "fake-"+p), SetOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(s.File)
	if err != nil {
		t.Fatal(err)
	}
	return s, int64(binary.LittleEndian.Uint32(b[pageHeaderSize+8:]))
}

// currentMeta is the meta page bbolt reads (the sound one of the
// higher transaction id); the test is skipped when it keeps no freelist.
func currentMeta(t *testing.T, b []byte, ps int64) diskMeta {
	t.Helper()
	m0, m1 := readMeta(b[:ps]), readMeta(b[ps:2*ps])
	cur := m0
	if m1.txid > m0.txid {
		cur = m1
	}
	if cur.freelist == ^uint64(0) {
		t.Skip("this bbolt keeps no freelist on disk")
	}
	return cur
}

func flip(t *testing.T, file string, off int64, n int) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i := range int64(n) {
		b[off+i] ^= 0xa5
	}
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func doctorSays(t *testing.T, s *Store, want string) {
	t.Helper()
	r, err := s.Doctor(context.Background())
	if err != nil {
		t.Fatalf("doctor: %v", err)
	}
	for _, p := range r.Problems {
		if strings.Contains(p.What, want) {
			return
		}
	}
	t.Fatalf("doctor found %+v, want a problem saying %q", r.Problems, want)
}

// A read transaction takes whichever meta page is sound and says nothing:
// a damaged newer one set the store back a commit, unseen by doctor.
func TestDoctorFindsDamagedMetaPage(t *testing.T) {
	s, ps := pagesStore(t)
	b, _ := os.ReadFile(s.File)
	m0, m1 := readMeta(b[:ps]), readMeta(b[ps:2*ps])
	if !m0.ok || !m1.ok {
		t.Fatal("a fresh store has a damaged meta page")
	}
	newer := int64(0)
	if m1.txid > m0.txid {
		newer = 1
	}
	flip(t, s.File, newer*ps+pageHeaderSize+20, 8) // in its root
	doctorSays(t, s, "the newest commit record (a meta page) does not check out")
	// What the lost commit held is not reported missing: damage is.
	ctx0 := context.Background()
	if _, _, err := s.Get(ctx0, "prod/c", GetOptions{}); !errors.Is(err, ErrNewerCommitLost) {
		t.Errorf("get of the secret the lost commit held: %v", err)
	}
	if _, err := s.List(ctx0, ""); !errors.Is(err, ErrNewerCommitLost) {
		t.Errorf("list: %v", err)
	}
	// A write would overwrite the damaged record, and with it the last
	// trace of the change it held: refused, the file as it was.
	ctx := context.Background()
	sum := fileSum(t, s.File)
	if _, err := s.Set(ctx, "prod/d", fields("value", "fake-d"), SetOptions{}); !errors.Is(err, ErrNewerCommitLost) || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("set over a damaged newest commit record: %v", err)
	}
	if fileSum(t, s.File) != sum {
		t.Fatal("the store changed")
	}
	// Going on from the older commit is a decision, and it is recorded.
	if err := s.AcceptOlderCommit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Set(ctx, "prod/d", fields("value", "fake-d"), SetOptions{}); err != nil {
		t.Fatalf("set after accepting: %v", err)
	}
	if r, err := s.Doctor(ctx); err != nil || !r.OK() {
		t.Fatalf("doctor after accepting: %v %+v", err, r)
	}
	es, err := s.Audit(ctx, AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(es, func(e Entry) bool { return e.Action == "accept-older-commit" }) {
		t.Error("the audit log does not record going on from the older commit")
	}
	if err := s.AcceptOlderCommit(ctx); !errors.Is(err, ErrNotFound) {
		t.Errorf("accepting with nothing to accept: %v", err)
	}
}

// The older commit record damaged loses nothing: writes go on, and
// rewrite it.
func TestOlderMetaPageDamagedLosesNothing(t *testing.T) {
	s, ps := pagesStore(t)
	b, _ := os.ReadFile(s.File)
	m0, m1 := readMeta(b[:ps]), readMeta(b[ps:2*ps])
	older := int64(1)
	if m1.txid > m0.txid {
		older = 0
	}
	flip(t, s.File, older*ps+pageHeaderSize+20, 8)
	doctorSays(t, s, "the older of the two commit records (meta pages) is damaged: nothing is lost")
	ctx := context.Background()
	if _, err := s.Set(ctx, "prod/d", fields("value", "fake-d"), SetOptions{}); err != nil {
		t.Fatalf("set: %v", err)
	}
	if r, err := s.Doctor(ctx); err != nil || !r.OK() {
		t.Fatalf("doctor after the write: %v %+v", err, r)
	}
}

// Only a writer reads the freelist: damage there passed doctor, then every
// write failed.
func TestDoctorFindsDamagedFreelist(t *testing.T) {
	s, ps := pagesStore(t)
	if r, err := s.Doctor(context.Background()); err != nil || !r.OK() {
		t.Fatalf("doctor on a sound store: %v %+v", err, r)
	}
	b, _ := os.ReadFile(s.File)
	cur := currentMeta(t, b, ps)
	flip(t, s.File, int64(cur.freelist)*ps, 8) // its page id
	doctorSays(t, s, "freelist page")
}

// A freelist that offers a page the tree uses passed doctor, and the next
// writes overwrote that page: every secret was lost.
func TestDoctorFindsFreelistOfferingAPageInUse(t *testing.T) {
	s, ps := pagesStore(t)
	b, _ := os.ReadFile(s.File)
	cur := currentMeta(t, b, ps)
	fl := int64(cur.freelist) * ps
	if binary.LittleEndian.Uint16(b[fl+10:]) == 0 {
		t.Skip("the freelist is empty")
	}
	binary.LittleEndian.PutUint64(b[fl+pageHeaderSize:], cur.root) // offer the root bucket's page
	if err := os.WriteFile(s.File, b, 0o600); err != nil {
		t.Fatal(err)
	}
	doctorSays(t, s, "which the tree uses: the next write would overwrite it")
}

// A page tree too damaged to read: doctor says so, and marks the report
// unread rather than passing off 0 recipients and 0 secrets as findings.
func TestDoctorTreeDamageIsUnread(t *testing.T) {
	s, ps := pagesStore(t)
	b, _ := os.ReadFile(s.File)
	cur := currentMeta(t, b, ps)
	flip(t, s.File, int64(cur.root)*ps+pageHeaderSize, 8) // the root's first element
	r, err := s.Doctor(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() || !r.Unread {
		t.Fatalf("doctor on a damaged tree: ok %v, unread %v: %+v", r.OK(), r.Unread, r.Problems)
	}
}
