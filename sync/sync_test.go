package sync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opsward/ward/store"
	"github.com/opsward/ward/sync/kvtest"
)

func TestFirstSyncPushThenNoop(t *testing.T) {
	t.Setenv("VAULT_TOKEN", "")
	ctx := tctx(t)
	srv := serve(t)
	s := newStore(t)
	c := dial(t, srv)
	_, err := s.Set(ctx, "db", fields("username", "app", "password", canary), store.SetOptions{
		Meta: &store.Meta{Kind: store.KindPassword, Owner: "payments", Tags: []string{"prod", "pg"}, RotateEvery: store.Duration(30 * 24 * time.Hour)}})
	must(t, err)
	set(t, s, "api/stripe", "value", "sk-fake-1")
	set(t, s, "api/github", "value", "gh-fake-1")

	p := plan(t, c, s)
	if got := actions(p); len(got) != 3 || got["db"] != ActionPush || got["api/stripe"] != ActionPush {
		t.Fatalf("plan %v", got)
	}
	sum := apply(t, c, s, p, ApplyOptions{})
	if sum.Pushed != 3 || len(sum.Failures) != 0 || len(sum.Conflicts) != 0 {
		t.Fatalf("summary %+v", sum)
	}
	d := readRemote(t, c, "db")
	if d.Version != 1 || d.Fields["password"] != canary || d.Fields["username"] != "app" {
		t.Fatalf("remote db: %+v", d.Version)
	}
	want := map[string]string{keyKind: "password", keyOwner: "payments", keyTags: "prod,pg", keyRotateEvery: "30d"}
	for k, v := range want {
		if d.Custom[k] != v {
			t.Errorf("custom_metadata %s = %q, want %q (all: %v)", k, d.Custom[k], v, d.Custom)
		}
	}
	wantNoop(t, c, s, srv, 3)
	// No-op costs one LIST per folder and one metadata GET per key.
	if n := srv.Count("GET secret/metadata"); n != 3 {
		t.Fatalf("%d metadata GETs", n)
	}
	a := auditActions(t, s)
	if a["sync"] != 1 || a["sync-read"] != 3 || a["sync-push"] != 3 { // a read and a write entry per push
		t.Fatalf("audit %v", a)
	}
	// A plan with nothing to do still has a list of items, for jq.
	if b, _ := json.Marshal(plan(t, c, s)); !strings.Contains(string(b), `"items":[]`) {
		t.Fatalf("plan JSON %s", b)
	}
}

func TestPullForeignSecrets(t *testing.T) {
	ctx := tctx(t)
	srv := serve(t)
	s := newStore(t)
	c := dial(t, srv)
	seed(t, srv, "ci/token", nil, "value", "tok-fake")
	seed(t, srv, "db", map[string]string{"team-owner": "alice"}, "user", "u", "pass", "p-fake")
	srv.seed(t, "nums", map[string]any{"port": 5432, "on": true}, nil)
	seed(t, srv, "bad name", nil, "value", "x") // not a path the store allows
	_, sum := syncOnce(t, c, s, ApplyOptions{})
	if sum.Pulled != 3 || len(sum.Failures) != 0 || len(sum.Skipped) != 1 {
		t.Fatalf("summary %+v skipped %v", sum, sum.Skipped)
	}
	sc, f := get(t, s, "db")
	if f["pass"] != "p-fake" || sc.Meta.Kind != store.KindGeneric || sc.Meta.Status != store.StatusActive {
		t.Fatalf("db: %v %+v", f, sc.Meta)
	}
	if _, f := get(t, s, "nums"); f["port"] != "5432" || f["on"] != "true" {
		t.Fatalf("nums %v", f)
	}
	wantNoop(t, c, s, srv, 3)

	// A local change pushes, and the other tool's key stays.
	_, err := s.Set(ctx, "db", fields("pass", "p-fake-2"), store.SetOptions{Merge: true, EditMeta: func(m *store.Meta) error {
		m.Owner = "payments"
		return nil
	}})
	must(t, err)
	p, sum := syncOnce(t, c, s, ApplyOptions{})
	if actions(p)["db"] != ActionPush || sum.Pushed != 1 {
		t.Fatalf("plan %v sum %+v", actions(p), sum)
	}
	d := readRemote(t, c, "db")
	if d.Fields["pass"] != "p-fake-2" || d.Custom["team-owner"] != "alice" || d.Custom[keyOwner] != "payments" || d.Version != 2 {
		t.Fatalf("remote db v%d %v", d.Version, d.Custom)
	}
	wantNoop(t, c, s, srv, 3)
}

func TestRemoteChangePulls(t *testing.T) {
	srv := serve(t)
	s := newStore(t)
	c := dial(t, srv)
	set(t, s, "db", "password", "v1")
	syncOnce(t, c, s, ApplyOptions{})
	seed(t, srv, "db", map[string]string{keyOwner: "bob"}, "password", "v2")
	p, sum := syncOnce(t, c, s, ApplyOptions{})
	if actions(p)["db"] != ActionPull || sum.Pulled != 1 {
		t.Fatalf("%v %+v", actions(p), sum)
	}
	sc, f := get(t, s, "db")
	if f["password"] != "v2" || sc.Meta.Owner != "bob" || sc.Current != 2 {
		t.Fatalf("local %v %+v", f, sc.Meta)
	}
	wantNoop(t, c, s, srv, 1)
}

func TestConflictBothChanged(t *testing.T) {
	ctx := tctx(t)
	srv := serve(t)
	s := newStore(t)
	c := dial(t, srv)
	set(t, s, "db", "password", "base")
	syncOnce(t, c, s, ApplyOptions{})
	set(t, s, "db", "password", "local")
	seed(t, srv, "db", nil, "password", "remote")

	p, sum := syncOnce(t, c, s, ApplyOptions{})
	if actions(p)["db"] != ActionConflict || len(sum.Conflicts) != 1 || sum.Conflicts[0] != "db" {
		t.Fatalf("%v %+v", actions(p), sum)
	}
	if d := readRemote(t, c, "db"); d.Fields["password"] != "remote" || d.Version != 2 {
		t.Fatal("conflict touched the server")
	}
	if _, f := get(t, s, "db"); f["password"] != "local" {
		t.Fatal("conflict touched the store")
	}

	// The side-by-side view, then a per-field merge.
	set(t, s, "db", "password", "local", "user", "app")
	p = plan(t, c, s)
	diff, err := c.Diff(ctx, s, p.Items[0])
	must(t, err)
	if len(diff.Fields) != 2 || diff.Fields[0].Name != "password" || diff.Fields[0].Local.Reveal() != "local" ||
		diff.Fields[0].Remote.Reveal() != "remote" || diff.Fields[0].Base.Reveal() != "base" || diff.Fields[1].InRemote {
		t.Fatalf("diff %+v", diff.Fields)
	}
	sum, err = c.Resolve(ctx, s, p.Items[0], Choice{Fields: map[string]Side{"password": PreferRemote, "user": PreferLocal}})
	must(t, err)
	if sum.Pushed != 1 || sum.Pulled != 1 {
		t.Fatalf("resolve %+v", sum)
	}
	d := readRemote(t, c, "db")
	_, f := get(t, s, "db")
	if d.Fields["password"] != "remote" || d.Fields["user"] != "app" || f["password"] != "remote" || f["user"] != "app" {
		t.Fatalf("merged remote %v local %v", d.Fields, f)
	}
	wantNoop(t, c, s, srv, 1)

	// --prefer local.
	set(t, s, "db", "password", "local-2")
	seed(t, srv, "db", nil, "password", "remote-2")
	_, sum = syncOnce(t, c, s, ApplyOptions{Prefer: PreferLocal})
	if sum.Pushed != 1 || len(sum.Conflicts) != 0 {
		t.Fatalf("%+v", sum)
	}
	if d := readRemote(t, c, "db"); d.Fields["password"] != "local-2" {
		t.Fatal("prefer local did not push")
	}
	wantNoop(t, c, s, srv, 1)
}

func TestRemoteDeletedLocalChangedIsConflict(t *testing.T) {
	ctx := tctx(t)
	srv := serve(t)
	s := newStore(t)
	c := dial(t, srv)
	set(t, s, "db", "password", "v1")
	syncOnce(t, c, s, ApplyOptions{})
	must(t, c.deleteVersion(ctx, c.Remote.remotePath("db"), 1))
	set(t, s, "db", "password", "v2")
	p, sum := syncOnce(t, c, s, ApplyOptions{})
	if actions(p)["db"] != ActionConflict || len(sum.Conflicts) != 1 {
		t.Fatalf("%v %+v", actions(p), sum)
	}
	if _, f := get(t, s, "db"); f["password"] != "v2" {
		t.Fatal("local change lost")
	}
	// Keeping local writes a new version over the deleted one.
	_, sum = syncOnce(t, c, s, ApplyOptions{Prefer: PreferLocal})
	if d := readRemote(t, c, "db"); sum.Pushed != 1 || d.Version != 2 || d.Fields["password"] != "v2" {
		t.Fatalf("%+v", sum)
	}
}

func TestDeletes(t *testing.T) {
	ctx := tctx(t)
	srv := serve(t)
	s := newStore(t)
	c := dial(t, srv)
	set(t, s, "a", "value", "1")
	set(t, s, "b", "value", "1")
	set(t, s, "c", "value", "1")
	syncOnce(t, c, s, ApplyOptions{})

	// Retired locally: soft delete on the server, recoverable.
	_, err := s.Retire(ctx, "a")
	must(t, err)
	p, sum := syncOnce(t, c, s, ApplyOptions{})
	if actions(p)["a"] != ActionDeleteRemote || sum.Deleted != 1 {
		t.Fatalf("%v %+v", actions(p), sum)
	}
	m := remoteMetaOf(t, c, "a")
	if !m.Deleted || len(m.Live) != 1 {
		t.Fatalf("a not soft-deleted: %+v", m)
	}

	// Purged locally with --destroy: the versions are destroyed.
	must(t, s.Purge(ctx, "b"))
	_, sum = syncOnce(t, c, s, ApplyOptions{Destroy: true})
	if m := remoteMetaOf(t, c, "b"); sum.Deleted != 1 || !m.Deleted || len(m.Live) != 0 {
		t.Fatalf("b not destroyed: %+v %+v", sum, m)
	}

	// Deleted on the server, unchanged locally: retired here.
	must(t, c.deleteVersion(ctx, c.Remote.remotePath("c"), 1))
	p, sum = syncOnce(t, c, s, ApplyOptions{})
	if actions(p)["c"] != ActionDeleteLocal || sum.Deleted != 1 {
		t.Fatalf("%v %+v", actions(p), sum)
	}
	if sc, _ := s.Show(ctx, "c"); sc.Meta.Status != store.StatusRetired {
		t.Fatal("c not retired")
	}
	wantNoop(t, c, s, srv, 3) // gone on both sides, no base: nothing to do
	if bs, _ := Bases(ctx, s, "team"); len(bs) != 0 {
		t.Fatalf("bases left: %v", bs)
	}
	a := auditActions(t, s)
	if a["sync-delete-remote"] != 1 || a["sync-destroy-remote"] != 1 || a["sync-delete-local"] != 1 {
		t.Fatalf("audit %v", a)
	}
}

func TestCASProtectsConcurrentServerWrite(t *testing.T) {
	srv := serve(t)
	s := newStore(t)
	c := dial(t, srv)
	set(t, s, "db", "password", "v1")
	syncOnce(t, c, s, ApplyOptions{})
	set(t, s, "db", "password", "local-2")
	p := plan(t, c, s)
	if actions(p)["db"] != ActionPush {
		t.Fatal(actions(p))
	}
	seed(t, srv, "db", nil, "password", "someone-else") // between plan and apply
	sum := apply(t, c, s, p, ApplyOptions{})
	if len(sum.Conflicts) != 1 || sum.Pushed != 0 {
		t.Fatalf("%+v", sum)
	}
	if d := readRemote(t, c, "db"); d.Fields["password"] != "someone-else" || d.Version != 2 {
		t.Fatal("server write overwritten")
	}
	if p := plan(t, c, s); actions(p)["db"] != ActionConflict {
		t.Fatalf("next plan %v", actions(p))
	}
}

func TestApplyIsIdempotent(t *testing.T) {
	srv := serve(t)
	s := newStore(t)
	c := dial(t, srv)
	set(t, s, "db", "password", "v1")
	p := plan(t, c, s)
	apply(t, c, s, p, ApplyOptions{})
	// The same plan again: cas refuses, the value is ours: no new version.
	sum := apply(t, c, s, p, ApplyOptions{})
	if d := readRemote(t, c, "db"); d.Version != 1 || len(sum.Failures) != 0 {
		t.Fatalf("v%d %+v", d.Version, sum)
	}
	wantNoop(t, c, s, srv, 1)
	_ = context.Background
}

// TestApplyStop: closing ApplyOptions.Stop lets the writes under way
// finish, starts no more, and the next sync does the rest.
func TestApplyStop(t *testing.T) {
	srv := serveDouble(t, kvtest.Options{})
	o := fastOpts(srv.RootToken())
	o.Workers = 2
	c, err := Dial(tctx(t), testRemote(srv), o)
	if err != nil {
		t.Fatal(err)
	}
	s := newStore(t)
	for i := range 20 {
		set(t, s, fmt.Sprintf("app/s%02d", i), "value", "fake-stop-value")
	}
	p := plan(t, c, s)
	release := make(chan struct{})
	arrivals := srv.Faults().Delay(release)
	stop := make(chan struct{})
	type result struct {
		sum *Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		sum, err := c.Apply(tctx(t), s, p, ApplyOptions{Stop: stop})
		done <- result{sum, err}
	}()
	<-arrivals // a write is under way, held by the server
	close(stop)
	close(release)
	r := <-done
	if !errors.Is(r.err, ErrStopped) {
		t.Fatalf("apply: %v", r.err)
	}
	if len(r.sum.Failures) != 0 || r.sum.Pushed == 0 || r.sum.NotAttempted == 0 || r.sum.Pushed+r.sum.NotAttempted != 20 {
		t.Fatalf("summary: pushed %d, not attempted %d, failures %v", r.sum.Pushed, r.sum.NotAttempted, r.sum.Failures)
	}
	srv.Faults().Delay(nil)
	if sum := apply(t, c, s, plan(t, c, s), ApplyOptions{}); sum.Pushed != r.sum.NotAttempted {
		t.Fatalf("second sync pushed %d, want %d", sum.Pushed, r.sum.NotAttempted)
	}
	if p := plan(t, c, s); len(p.Items) != 0 || p.Noop != 20 {
		t.Fatalf("third plan: %d items, %d in sync", len(p.Items), p.Noop)
	}
}

// TestDotSegmentKeysSkipped: keys with "." or ".." segments, which a real
// server cannot be given over HTTP (http.ServeMux redirects such paths to
// their clean form) but a server's listing could still name, are seeded
// straight into the double and skipped by name.
func TestDotSegmentKeysSkipped(t *testing.T) {
	srv := serveDouble(t, kvtest.Options{})
	s := newStore(t)
	c := dial(t, srv)
	for _, k := range []string{"team/payments/../outside", "team/payments/a/./b"} {
		if _, err := srv.Seed(k, map[string]any{"value": "x"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	seed(t, srv, "ok", nil, "value", "x")
	_, sum := syncOnce(t, c, s, ApplyOptions{})
	if sum.Pulled != 1 || len(sum.Skipped) != 2 {
		t.Fatalf("summary %+v skipped %v", sum, sum.Skipped)
	}
}

// TestMetadataFitWarnings: a value KV cannot hold as it is is sent
// changed, with a warning that says how (a line break is not a length
// problem).
func TestMetadataFitWarnings(t *testing.T) {
	_, w := projectLocal(store.Meta{Description: "line one\nline two"})
	if len(w) != 1 || !strings.Contains(w[0], "sent as spaces") {
		t.Fatalf("line break: %q", w)
	}
	m, w := projectLocal(store.Meta{Owner: strings.Repeat("o", 600)})
	if len(w) != 1 || !strings.Contains(w[0], "shortened") || len(m[keyOwner]) != maxCustomValueLen {
		t.Fatalf("long: %q %d", w, len(m[keyOwner]))
	}
}

// A server version with no fields (another tool wrote {} or null) has
// nothing the store can keep: it is skipped, run after run, and never a
// failure.
func TestEmptyServerSecretSkipped(t *testing.T) {
	srv := serve(t)
	s := newStore(t)
	c := dial(t, srv)
	seed(t, srv, "empty", nil)
	seed(t, srv, "full", nil, "value", "fake-full")
	for run := range 2 {
		_, sum := syncOnce(t, c, s, ApplyOptions{})
		if len(sum.Failures) != 0 || len(sum.Skipped) != 1 || sum.Skipped[0].Path != "empty" || !errors.Is(sum.Skipped[0].Err, ErrUnrepresentable) {
			t.Fatalf("run %d: failures %v, skipped %v", run, sum.Failures, sum.Skipped)
		}
	}
	if ok, err := s.Exists(tctx(t), "empty"); ok || err != nil {
		t.Fatalf("empty pulled: %v %v", ok, err)
	}
}

// TestPullRefusesInexactText: a server value encoding/json would change on
// its way in (a lone surrogate escape, which it decodes as U+FFFD) is
// skipped, not pulled changed. A proxy puts the escape in the server's
// answer: the double, like Vault, cannot store one.
func TestPullRefusesInexactText(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	d := kvtest.Serve(t, kvtest.Options{})
	u, _ := url.Parse(d.URL())
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(r *http.Response) error {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return err
		}
		b = bytes.ReplaceAll(b, []byte("fake-LONE"), []byte(`fake-\ud800`))
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		r.Header.Set("Content-Length", strconv.Itoa(len(b)))
		return nil
	}
	ts := httptest.NewServer(rp)
	t.Cleanup(ts.Close)
	srv := &testServer{Server: d, addr: ts.URL, root: d.RootToken(), prefix: "team/payments"}
	s := newStore(t)
	c := dial(t, srv)
	seed(t, srv, "lone", nil, "value", "fake-LONE")
	seed(t, srv, "fine", nil, "value", "fake-fine")
	_, sum := syncOnce(t, c, s, ApplyOptions{})
	if sum.Pulled != 1 || len(sum.Skipped) != 1 || sum.Skipped[0].Path != "lone" {
		t.Fatalf("summary %+v skipped %v", sum, sum.Skipped)
	}
	if !strings.Contains(sum.Skipped[0].Err.Error(), "not text that can be kept exactly") {
		t.Errorf("skipped for %v", sum.Skipped[0].Err)
	}
	if ok, _ := s.Exists(tctx(t), "lone"); ok {
		t.Error("the changed value was pulled")
	}
}
