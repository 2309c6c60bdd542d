package ui

import (
	"context"
	"testing"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

// A secret written by another process shows up in the list at the next
// look at the store's revision, with the selection kept.
func TestBrowserSeesChangesFromElsewhere(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	if d.watches == 0 {
		t.Fatal("the browser does not watch the store")
	}
	d.mustNot("from-elsewhere")
	// Another process (here: the same store file, another handle).
	setElsewhere(t, s, "ops/from-elsewhere", store.Fields{"value": wcrypto.NewSecret("fake")})
	before := d.watches
	d.send(watchTickMsg{})
	d.must("from-elsewhere")
	if d.watches != before+1 {
		t.Fatalf("the watch was not re-armed: %d -> %d", before, d.watches)
	}
}

// The open detail follows a change made elsewhere to its secret: the
// next revision the watch reports reloads it, and a value revealed from
// the old version is masked again.
func TestDetailSeesChangesFromElsewhere(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "ppdb")
	d.must("Fields (version 2)")
	d.send(watchTickMsg{}) // the first look only notes the revision
	d.keys("r")            // reveal the selected field
	d.must(canary)
	setElsewhere(t, s, "prod/payments/db", store.Fields{"password": wcrypto.NewSecret(canary + "elsewhere")})
	d.send(watchTickMsg{})
	d.must("Fields (version 3)")
	d.mustNot(canary)
}

// setElsewhere writes path as another process would: another handle on
// the same store file, unlocked with the same key. The write merges.
func setElsewhere(t *testing.T, s *store.Store, path string, f store.Fields) {
	t.Helper()
	other := elsewhere(t, s)
	if _, err := other.Set(context.Background(), path, f, store.SetOptions{Merge: true}); err != nil {
		t.Fatal(err)
	}
}

// metaElsewhere changes a secret's metadata through a second handle on
// s's file, as `ward meta` in another terminal does.
func metaElsewhere(t *testing.T, s *store.Store, path string, fn func(*store.Meta)) {
	t.Helper()
	other := elsewhere(t, s)
	if _, err := other.SetMeta(context.Background(), path, func(m *store.Meta) error { fn(m); return nil }); err != nil {
		t.Fatal(err)
	}
}

func elsewhere(t *testing.T, s *store.Store) *store.Store {
	t.Helper()
	ctx := context.Background()
	other, err := store.Open(ctx, s.File)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.UnlockWithKey(ctx, s.DataKey()); err != nil {
		t.Fatal(err)
	}
	return other
}

// A secret moved or purged elsewhere while its detail is open: the detail
// says it is gone and offers no key that would act on it; the first look
// at the store after opening already sees it.
func TestDetailSecretGoneElsewhere(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "ppdb")
	d.must("Fields (version 2)")
	if err := elsewhere(t, s).Purge(context.Background(), "prod/payments/db"); err != nil {
		t.Fatal(err)
	}
	d.send(watchTickMsg{})
	d.must("prod/payments/db is no longer in the store")
	d.mustNot("Fields (version 2)", "team-payments")
	for _, k := range []string{"r", "e", "d", "c", "g"} {
		d.keys(k)
		d.mustNot("Retire prod/payments/db?", "Edit prod/payments/db", "Generate a new value")
	}
	d.keys("esc")
	d.mustNot("no longer in the store")
}

// The history screen notices its secret purged elsewhere: it says so and
// R no longer offers a rollback that would fail.
func TestHistorySecretGoneElsewhere(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "ppdb")
	d.keys("h")
	d.must("History of prod/payments/db")
	if err := elsewhere(t, s).Purge(context.Background(), "prod/payments/db"); err != nil {
		t.Fatal(err)
	}
	d.send(watchTickMsg{})
	d.must("prod/payments/db is no longer in the store")
	d.keys("G", "R")
	d.mustNot("Roll prod/payments/db back")
}
