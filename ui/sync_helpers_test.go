package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
	wsync "github.com/opsward/ward/sync"
	"github.com/opsward/ward/sync/kvtest"
)

// syncFixture is the test store with a remote "team" on an in-process KV
// v2 server, synced once, then changed on both sides so that a plan holds
// one of each kind:
//
//	staging/auth/token   changed here             push
//	dev/search/api-key   changed on the server    pull
//	ops/new-remote       new on the server        pull
//	prod/edge/tls        retired here             delete on the server
//	prod/payments/db     changed on both sides    conflict
//	prod/payments/stripe metadata GET refused     failure (left alone)
//
// Every value on either side starts with canary.
type syncFixture struct {
	s   *store.Store
	srv *kvtest.Server
	c   *Common
}

// remoteRoot is where the fixture's remote keeps its keys on the server.
const remoteRoot = "team/"

func fastSyncOptions(token string) wsync.ConnectOptions {
	return wsync.ConnectOptions{Token: wcrypto.NewSecret(token), Workers: 4, Timeout: 3 * time.Second,
		Attempts: 2, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
}

func newSyncFixture(t *testing.T) *syncFixture {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	t.Setenv("VAULT_TOKEN", "")
	ctx := context.Background()
	s := newTestStore(t)
	srv := kvtest.Serve(t, kvtest.Options{})
	if err := wsync.AddRemote(ctx, s, wsync.Remote{Name: "team", Addr: srv.URL(), Mount: "secret", Prefix: "team"}); err != nil {
		t.Fatal(err)
	}
	opts := fastSyncOptions(srv.RootToken())
	cl, err := wsync.Connect(ctx, s, "team", opts)
	if err != nil {
		t.Fatal(err)
	}
	p, err := cl.Plan(ctx, s, wsync.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum, err := cl.Apply(ctx, s, p, wsync.ApplyOptions{}); err != nil || sum.Pushed != 6 {
		t.Fatalf("first sync: %v %+v", err, sum)
	}
	setLocal := func(path string, kv ...string) {
		f := store.Fields{}
		for i := 0; i+1 < len(kv); i += 2 {
			f[kv[i]] = wcrypto.NewSecret(canary + kv[i+1])
		}
		if _, err := s.Set(ctx, path, f, store.SetOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	seed := func(path string, kv ...string) {
		data := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			data[kv[i]] = canary + kv[i+1]
		}
		if _, err := srv.Seed(remoteRoot+path, data, nil); err != nil {
			t.Fatal(err)
		}
	}
	setLocal("staging/auth/token", "value", "auth-token-2")
	seed("dev/search/api-key", "value", "search-key-remote")
	seed("ops/new-remote", "value", "new-remote")
	if _, err := s.Retire(ctx, "prod/edge/tls"); err != nil {
		t.Fatal(err)
	}
	setLocal("prod/payments/db", "username", "user", "password", "db-password-local")
	seed("prod/payments/db", "username", "user-remote", "password", "db-password-remote")
	srv.Faults().FailPath("GET secret/metadata/team/prod/payments/stripe", 403)

	c, _ := newTestCommon(t, s)
	c.Ctx = WithSyncOptions(ctx, opts)
	return &syncFixture{s: s, srv: srv, c: c}
}

// remoteValue reads one field of the current version on the server with
// the root token.
func (fx *syncFixture) remoteValue(t *testing.T, path, field string) string {
	t.Helper()
	req, err := http.NewRequest("GET", fx.srv.URL()+"/v1/secret/data/"+remoteRoot+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Vault-Token", fx.srv.RootToken())
	resp, err := fx.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Data map[string]any `json:"data"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("read %s on the server: status %d: %v", path, resp.StatusCode, err)
	}
	v, _ := body.Data.Data[field].(string)
	return v
}

// localValue reads one field of the current local version.
func (fx *syncFixture) localValue(t *testing.T, path, field string) string {
	t.Helper()
	_, f, err := fx.s.Get(context.Background(), path, store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return f[field].Reveal()
}

// openSync opens the sync screen from the browser and waits for the plan.
func openSync(t *testing.T, d *driver) *syncScreen {
	t.Helper()
	d.keys("S")
	sc, ok := d.root.top().(*syncScreen)
	if !ok {
		t.Fatalf("S did not open the sync screen:\n%s", d.view())
	}
	return sc
}

func auditCount(t *testing.T, s *store.Store, action, path string) []store.Entry {
	t.Helper()
	es, err := s.Audit(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Entry
	for _, e := range es {
		if e.Action == action && (path == "" || e.Path == path) {
			out = append(out, e)
		}
	}
	return out
}
