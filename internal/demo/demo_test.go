package demo

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

func newStore(t testing.TB) *store.Store {
	t.Helper()
	id := wcrypto.NewIdentity()
	s, err := store.Create(context.Background(), filepath.Join(t.TempDir(), "demo.ward"), store.CreateOptions{
		Mode: store.IdentityExternal, Recipients: []string{id.Recipient().String()},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFill(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	start := time.Now()
	if err := Fill(ctx, s, 300); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Fill(300) took %s, want under 2s", d)
	}
	t.Logf("Fill(300) took %s", time.Since(start))
	hs, err := s.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) < 280 || len(hs) > 300 {
		t.Errorf("got %d secrets, want about 300", len(hs))
	}
	now := s.Now()
	var expiring, overdue, compromised, retired, multi int
	kinds := map[store.Kind]int{}
	folders := map[string]bool{}
	for _, h := range hs {
		kinds[h.Kind]++
		folders[h.Path[:strings.LastIndex(h.Path, "/")]] = true
		if !h.Expires.IsZero() && h.Expires.Before(now.Add(14*24*time.Hour)) {
			expiring++
		}
		if !h.RotateDue.IsZero() && h.RotateDue.Before(now) {
			overdue++
		}
		switch h.Status {
		case store.StatusCompromised:
			compromised++
		case store.StatusRetired:
			retired++
		}
		if h.Current > 1 {
			multi++
		}
	}
	if expiring != 1 || overdue != 1 || compromised != 1 || retired != 1 {
		t.Errorf("expiring=%d overdue=%d compromised=%d retired=%d, want 1 each", expiring, overdue, compromised, retired)
	}
	if multi < 10 {
		t.Errorf("%d secrets with several versions, want some", multi)
	}
	for _, k := range []store.Kind{store.KindPassword, store.KindAPIKey, store.KindToken, store.KindSSHKey, store.KindTLSCert, store.KindOAuthClient} {
		if kinds[k] == 0 {
			t.Errorf("no secret of kind %s", k)
		}
	}
	if len(folders) < 20 {
		t.Errorf("%d folders, want many", len(folders))
	}
	// Every value is obviously fake.
	for _, h := range hs[:50] {
		_, f, err := s.Get(ctx, h.Path, store.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range f {
			val := v.Reveal()
			if h.Kind == store.KindSSHKey || name == "username" || name == "url" {
				continue
			}
			if !strings.Contains(val, "demo-") && !strings.Contains(val, "fake-") {
				t.Errorf("%s#%s does not look fake", h.Path, name)
			}
		}
	}
	sc, err := s.Show(ctx, Overdue)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Meta.Owner != "team-payments" || sc.RotationDue().After(now) {
		t.Errorf("%s: owner %q, due %s: want team-payments, overdue", Overdue, sc.Meta.Owner, sc.RotationDue())
	}
}
