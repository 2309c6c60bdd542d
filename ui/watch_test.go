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
