package sync

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"testing"
	"time"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

const canary = "CANARY-not-a-real-secret-sync"

func tctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func newStore(t testing.TB) *store.Store {
	t.Helper()
	return newStoreIn(t, t.TempDir())
}

func newStoreIn(t testing.TB, dir string) *store.Store {
	t.Helper()
	id := wcrypto.NewIdentity()
	s, err := store.Create(context.Background(), filepath.Join(dir, "t.ward"),
		store.CreateOptions{Mode: store.IdentityExternal, Recipients: []string{id.Recipient().String()}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testRemote(srv *testServer) Remote {
	return Remote{Name: "team", Addr: srv.URL(), Mount: "secret", Prefix: srv.prefix}
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func fastOpts(token string) ConnectOptions {
	return ConnectOptions{Token: wcrypto.NewSecret(token), Workers: 8, Timeout: 3 * time.Second,
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
}

func dial(t testing.TB, srv *testServer) *Client {
	t.Helper()
	c, err := Dial(tctx(t), testRemote(srv), fastOpts(srv.RootToken()))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fields(kv ...string) store.Fields {
	f := store.Fields{}
	for i := 0; i+1 < len(kv); i += 2 {
		f[kv[i]] = wcrypto.NewSecret(kv[i+1])
	}
	return f
}

func set(t testing.TB, s *store.Store, path string, kv ...string) {
	t.Helper()
	if _, err := s.Set(context.Background(), path, fields(kv...), store.SetOptions{}); err != nil {
		t.Fatal(err)
	}
}

func get(t testing.TB, s *store.Store, path string) (*store.Secret, map[string]string) {
	t.Helper()
	sc, f, err := s.Get(context.Background(), path, store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return sc, revealAll(f)
}

func plan(t testing.TB, c *Client, s *store.Store) *Plan {
	t.Helper()
	p, err := c.Plan(tctx(t), s, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func apply(t testing.TB, c *Client, s *store.Store, p *Plan, o ApplyOptions) *Summary {
	t.Helper()
	sum, err := c.Apply(tctx(t), s, p, o)
	if err != nil {
		t.Fatalf("apply: %v (%+v)", err, sum)
	}
	return sum
}

// syncOnce plans and applies.
func syncOnce(t testing.TB, c *Client, s *store.Store, o ApplyOptions) (*Plan, *Summary) {
	t.Helper()
	p := plan(t, c, s)
	return p, apply(t, c, s, p, o)
}

func actions(p *Plan) map[string]Action {
	out := map[string]Action{}
	for _, it := range p.Items {
		out[it.Path] = it.Action
	}
	return out
}

// readRemote reads a key's current version.
func readRemote(t testing.TB, c *Client, path string) *remoteData {
	t.Helper()
	d, err := c.readData(tctx(t), c.Remote.remotePath(path), 0)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func remoteMetaOf(t testing.TB, c *Client, path string) *remoteMeta {
	t.Helper()
	m, err := c.readMeta(tctx(t), c.Remote.remotePath(path), true)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// seed writes path on the server as another tool would (see
// testServer.seed), with string fields.
func seed(t testing.TB, srv *testServer, path string, custom map[string]string, kv ...string) int {
	t.Helper()
	data := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		data[kv[i]] = kv[i+1]
	}
	return srv.seed(t, path, data, custom)
}

func wantNoop(t testing.TB, c *Client, s *store.Store, srv *testServer, n int) {
	t.Helper()
	srv.ResetCounts()
	p := plan(t, c, s)
	if len(p.Items) != 0 || p.Noop != n || len(p.Failures) != 0 {
		t.Fatalf("want all %d noop, got %d noop, items %v, failures %v", n, p.Noop, actions(p), p.Failures)
	}
	if g := srv.Count("GET secret/data"); g != 0 {
		t.Fatalf("no-op plan read %d values", g)
	}
}

func auditActions(t testing.TB, s *store.Store) map[string]int {
	t.Helper()
	es, err := s.Audit(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range es {
		out[e.Action]++
	}
	return out
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
