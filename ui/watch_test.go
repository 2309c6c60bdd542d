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
	other, err := store.Open(context.Background(), s.File)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.UnlockWithKey(context.Background(), s.DataKey()); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Set(context.Background(), "ops/from-elsewhere", store.Fields{"value": wcrypto.NewSecret("fake")}, store.SetOptions{}); err != nil {
		t.Fatal(err)
	}
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
	ctx := context.Background()
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 120, 40)
	openDetail(t, d, "ppdb")
	d.must("Fields (version 2)")
	d.send(watchTickMsg{}) // the first look only notes the revision
	d.keys("r")            // reveal the selected field
	d.must(canary)
	other, err := store.Open(ctx, s.File)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.UnlockWithKey(ctx, s.DataKey()); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Set(ctx, "prod/payments/db", store.Fields{"password": wcrypto.NewSecret(canary + "elsewhere")}, store.SetOptions{Merge: true}); err != nil {
		t.Fatal(err)
	}
	d.send(watchTickMsg{})
	d.must("Fields (version 3)")
	d.mustNot(canary)
}
