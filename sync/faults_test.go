package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
	"github.com/opsward/ward/sync/kvtest"
)

func TestServerDownAtStart(t *testing.T) {
	srv := serveDouble(t, kvtest.Options{})
	srv.Stop()
	start := time.Now()
	_, err := Dial(tctx(t), testRemote(srv), fastOpts(srv.RootToken()))
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %s", d)
	}
}

func TestDeniedOnePath(t *testing.T) {
	srv := serve(t)
	s := newStore(t)
	limited := srv.token(t, kvPolicy(
		`path "secret/metadata/`+srv.prefix+`/b" { capabilities = ["deny"] }`,
		`path "secret/data/`+srv.prefix+`/c" { capabilities = ["deny"] }`), nil)
	c, err := Dial(tctx(t), testRemote(srv), fastOpts(limited))
	must(t, err)
	seed(t, srv, "b", nil, "value", "x")
	set(t, s, "a", "value", "1")
	set(t, s, "c", "value", "1")
	p := plan(t, c, s)
	if len(p.Failures) != 1 || p.Failures[0].Path != "b" || !errors.Is(p.Failures[0], ErrDenied) {
		t.Fatalf("plan failures %v", p.Failures)
	}
	sum := apply(t, c, s, p, ApplyOptions{})
	if sum.Pushed != 1 || len(sum.Failures) != 2 {
		t.Fatalf("%+v", sum)
	}
	names := fmt.Sprint(sum.Failures)
	if !strings.Contains(names, "c: push: ") || !strings.Contains(names, "status 403") || !errors.Is(sum.Failures[1], ErrDenied) {
		t.Fatalf("failures %v", names)
	}
	if a := auditActions(t, s); a["sync"] != 1 {
		t.Fatalf("audit %v", a)
	}
	// The refused push is in the audit log as a failure, by path.
	es, err := s.Audit(context.Background(), store.AuditFilter{Path: "c"})
	must(t, err)
	failed := 0
	for _, e := range es {
		if e.Action == "sync-push" {
			if e.Outcome != "failed" {
				t.Fatalf("a refused push audited as %q", e.Outcome)
			}
			failed++
		}
	}
	if failed != 1 {
		t.Fatalf("%d failed sync-push entries for c", failed)
	}
}

func TestRetry5xxThenSuccess(t *testing.T) {
	srv := serveDouble(t, kvtest.Options{})
	s := newStore(t)
	c := dial(t, srv)
	set(t, s, "a", "value", "1")
	srv.Faults().FailNext(2, 503)
	_, sum := syncOnce(t, c, s, ApplyOptions{})
	if sum.Pushed != 1 || len(sum.Failures) != 0 {
		t.Fatalf("%+v", sum)
	}
	srv.Faults().FailNext(10, 500)
	_, err := c.Plan(tctx(t), s, PlanOptions{})
	var re *RemoteError
	if !errors.As(err, &re) || re.Status != 500 || !strings.Contains(err.Error(), "after 4 attempts") {
		t.Fatalf("err %v", err)
	}
}

func TestTimeouts(t *testing.T) {
	srv := serveDouble(t, kvtest.Options{})
	s := newStore(t)
	set(t, s, "a", "value", "1")
	o := fastOpts(srv.RootToken())
	o.Timeout, o.Attempts = 100*time.Millisecond, 2
	c, err := Dial(tctx(t), testRemote(srv), o)
	must(t, err)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv.Faults().Delay(release)
	_, err = c.Plan(tctx(t), s, PlanOptions{})
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "no answer within 100ms (tried 2 times)") {
		t.Fatalf("err %v", err)
	}
	// The caller's deadline is honoured too.
	srv.Faults().Delay(nil)
	c2, err := Dial(tctx(t), testRemote(srv), fastOpts(srv.RootToken()))
	must(t, err)
	srv.Faults().Delay(release)
	ctx, cancel := context.WithTimeout(tctx(t), 50*time.Millisecond)
	defer cancel()
	if _, err := c2.Plan(ctx, s, PlanOptions{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
}

func TestRedirectToAnotherHostRefused(t *testing.T) {
	srv := serveDouble(t, kvtest.Options{})
	other := kvtest.Serve(t, kvtest.Options{RootToken: srv.RootToken()})
	s := newStore(t)
	c := dial(t, srv)
	other.ResetCounts()
	srv.Faults().RedirectNext(1, other.URL())
	_, err := c.Plan(tctx(t), s, PlanOptions{})
	if !errors.Is(err, ErrRedirect) || !strings.Contains(err.Error(), "redirected to another host") {
		t.Fatalf("err %v", err)
	}
	if other.Total() != 0 {
		t.Fatal("the other host got a request (and the token)")
	}
}

func TestGarbageJSON(t *testing.T) {
	srv := serveDouble(t, kvtest.Options{})
	s := newStore(t)
	c := dial(t, srv)
	srv.Faults().GarbageNext(1)
	_, err := c.Plan(tctx(t), s, PlanOptions{})
	if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), srv.URL()) || !strings.Contains(err.Error(), "secret/metadata/team/payments/") {
		t.Fatalf("err %v", err)
	}
}

func TestMountKinds(t *testing.T) {
	srv := serve(t)
	kv1 := srv.mount(t, "kv1", map[string]any{"type": "kv", "options": map[string]any{"version": "1"}})
	transit := srv.mount(t, "transit", map[string]any{"type": "transit"})
	nested := srv.mount(t, "kv2", map[string]any{"type": "kv-v2"})
	for mount, want := range map[string]string{
		kv1: "KV version 1", transit: "transit engine", "ward-test-no-such-mount": "not found",
		nested + "/team": fmt.Sprintf("the KV mount is %q", nested),
	} {
		r := testRemote(srv)
		r.Mount = mount
		_, err := Dial(tctx(t), r, fastOpts(srv.RootToken()))
		if !errors.Is(err, ErrNotKVv2) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", mount, err)
		}
	}
	// A token whose policies grant nothing under the mount cannot tell it
	// from a missing one.
	other := srv.token(t, `path "`+kv1+`/*" { capabilities = ["read"] }`, nil)
	if _, err := Dial(tctx(t), testRemote(srv), fastOpts(other)); !errors.Is(err, ErrNotKVv2) || !strings.Contains(err.Error(), "not found, or the token may not use it") {
		t.Errorf("no access: %v", err)
	}
}

// TestTokenExpiryOnTheClock moves the double's clock: a token that ran
// out, one renewed because it is close to expiry, and one that expires in
// the middle of a sync. TestTokenRevokedAndRenewed does the same against
// either server without a clock.
func TestTokenExpiryOnTheClock(t *testing.T) {
	srv := serveDouble(t, kvtest.Options{})
	short := srv.AddToken(kvtest.Token{TTL: time.Minute})
	srv.Advance(2 * time.Minute)
	_, err := Dial(tctx(t), testRemote(srv), fastOpts(short))
	if !errors.Is(err, ErrLoginAgain) || !strings.Contains(err.Error(), "log in again: ward remote login team") {
		t.Fatalf("err %v", err)
	}

	renewable := srv.AddToken(kvtest.Token{TTL: time.Hour, Renewable: true})
	srv.Advance(55 * time.Minute)
	c, err := Dial(tctx(t), testRemote(srv), fastOpts(renewable))
	must(t, err)
	ti, err := c.lookupSelf(tctx(t))
	must(t, err)
	if ti.Data.TTL < 30*60 {
		t.Fatalf("not renewed: ttl %d", ti.Data.TTL)
	}

	// Expiry in the middle of a sync stops it with the same message.
	s := newStore(t)
	set(t, s, "a", "value", "1")
	mid := srv.AddToken(kvtest.Token{TTL: time.Hour})
	c, err = Dial(tctx(t), testRemote(srv), fastOpts(mid))
	must(t, err)
	srv.Advance(2 * time.Hour)
	if _, err := c.Plan(tctx(t), s, PlanOptions{}); !errors.Is(err, ErrLoginAgain) {
		t.Fatalf("err %v", err)
	}
}

// TestShortTokenKeptAlive: a renewable two-minute token (max TTL 10
// minutes) stays alive through a sync longer than its TTL: ward renews it
// whenever less than half its lease is left, until the max TTL caps it;
// then it runs out and ward says to log in again. The client shares the
// double's clock.
func TestShortTokenKeptAlive(t *testing.T) {
	srv := serveDouble(t, kvtest.Options{})
	tok := srv.AddToken(kvtest.Token{TTL: 2 * time.Minute, MaxTTL: 10 * time.Minute, Renewable: true})
	o := fastOpts(tok)
	o.now = srv.Now
	c, err := Dial(tctx(t), testRemote(srv), o)
	must(t, err)
	s := newStore(t)
	renewals := func() int { return srv.Count("PUT auth/token/renew-self") }
	for i := 0; i < 8; i++ { // 8 × 75 s = 10 min, past the max TTL
		srv.Advance(75 * time.Second)
		set(t, s, fmt.Sprintf("k%d", i), "value", "1")
		_, err := c.Plan(tctx(t), s, PlanOptions{})
		if i < 7 && err != nil {
			t.Fatalf("step %d (%d renewals): %v", i, renewals(), err)
		}
		if i == 7 && !errors.Is(err, ErrLoginAgain) {
			t.Fatalf("past the max TTL: %v", err)
		}
	}
	// 2 min lease, renewed with under 1 min left, every 75 s, until capped.
	if n := renewals(); n < 4 || n > 8 {
		t.Fatalf("%d renewals", n)
	}
}

// TestTokenRevokedAndRenewed: a revoked token (the server answers as for
// an expired one) gets "log in again", at connect time and in the middle
// of a sync; a renewable token close to expiry is renewed once at connect
// time.
func TestTokenRevokedAndRenewed(t *testing.T) {
	srv := serve(t)
	gone := srv.token(t, kvPolicy(), map[string]any{"ttl": "1h"})
	srv.api(t, "POST", "auth/token/revoke", map[string]any{"token": gone})
	_, err := Dial(tctx(t), testRemote(srv), fastOpts(gone))
	if !errors.Is(err, ErrLoginAgain) || !strings.Contains(err.Error(), "log in again: ward remote login team") {
		t.Fatalf("revoked: %v", err)
	}

	// A one-hour token with a minute left (renewed by hand with a short
	// increment): connecting renews it (for what the last renewal granted,
	// as the server decides).
	renewable := srv.token(t, kvPolicy(), map[string]any{"ttl": "1h", "renewable": true})
	tc := &testServer{addr: srv.addr, root: renewable}
	tc.api(t, "PUT", "auth/token/renew-self", map[string]any{"increment": "1m"})
	srv.ResetCounts()
	c, err := Dial(tctx(t), testRemote(srv), fastOpts(renewable))
	must(t, err)
	if n := srv.Count("PUT auth/token/renew-self") + srv.Count("POST auth/token/renew-self"); n != 1 {
		t.Fatalf("%d renewals, want 1", n)
	}
	ti, err := c.lookupSelf(tctx(t))
	must(t, err)
	if ti.Data.TTL < 50 {
		t.Fatalf("ttl %d after renewal", ti.Data.TTL)
	}
	// Renewed: a sync does not renew on every request.
	s := newStore(t)
	set(t, s, "a", "value", "1")
	syncOnce(t, c, s, ApplyOptions{})
	if n := srv.Count("PUT auth/token/renew-self") + srv.Count("POST auth/token/renew-self"); n != 1 {
		t.Fatalf("%d renewals during the sync, want still 1", n)
	}

	// Revoked in the middle of a sync: it stops with the same message.
	mid := srv.token(t, kvPolicy(), map[string]any{"ttl": "1h"})
	c, err = Dial(tctx(t), testRemote(srv), fastOpts(mid))
	must(t, err)
	srv.api(t, "POST", "auth/token/revoke", map[string]any{"token": mid})
	set(t, s, "b", "value", "1")
	if _, err := c.Plan(tctx(t), s, PlanOptions{}); !errors.Is(err, ErrLoginAgain) || !strings.Contains(err.Error(), "ward remote login team") {
		t.Fatalf("revoked mid-sync: %v", err)
	}
}

func TestServerStopsMidSync(t *testing.T) {
	srv := serveDouble(t, kvtest.Options{})
	s := newStore(t)
	c := dial(t, srv)
	for i := 0; i < 40; i++ {
		set(t, s, fmt.Sprintf("k%02d", i), "value", "v")
	}
	p := plan(t, c, s)
	srv.Faults().StopAfter(10)
	sum, err := c.Apply(tctx(t), s, p, ApplyOptions{})
	if !errors.Is(err, ErrUnreachable) || sum.Stopped == "" || sum.Pushed > 10 {
		t.Fatalf("err %v sum %+v", err, sum)
	}
	// Each failure names its own path, even the ones never sent because
	// another request found the server gone.
	for _, f := range sum.Failures {
		if !errors.Is(f, ErrUnreachable) || !strings.Contains(f.Err.Error(), "/"+f.Path+":") {
			t.Errorf("failure of %s: %v", f.Path, f.Err)
		}
	}
	bases, _ := Bases(tctx(t), s, "team")
	if len(bases) != sum.Pushed {
		t.Fatalf("%d bases for %d pushes", len(bases), sum.Pushed)
	}
	heads, _ := s.List(tctx(t), "")
	for _, h := range heads {
		if h.Current != 1 {
			t.Fatalf("%s changed locally", h.Path)
		}
	}
	if a := auditActions(t, s); a["sync"] != 1 {
		t.Fatalf("audit %v", a)
	}
}

// TestResume kills an apply part way (its context ends after some paths,
// as a kill would, with requests in flight), fails the metadata write of
// others (the values are on the server, the base is not recorded), drops
// connections, then syncs again: everything converges, with one version
// per key on both sides.
func TestResume(t *testing.T) {
	srv := serveDouble(t, kvtest.Options{})
	s := newStore(t)
	c := dial(t, srv)
	const n = 60
	for i := 0; i < n; i++ {
		_, err := s.Set(tctx(t), fmt.Sprintf("svc/k%02d", i), fields("value", fmt.Sprint("v", i)), store.SetOptions{Meta: &store.Meta{Kind: store.KindAPIKey}})
		must(t, err)
	}
	for i := 0; i < 5; i++ {
		seed(t, srv, fmt.Sprintf("remote/r%d", i), nil, "value", "r")
	}
	srv.Faults().FailPath("PATCH secret/metadata/team/payments/svc/k1*", 500)
	p := plan(t, c, s)
	ctx, cancel := context.WithCancel(tctx(t))
	done := 0
	_, err := c.Apply(ctx, s, p, ApplyOptions{Progress: func(e Event) {
		if done++; done == 25 {
			cancel()
		}
	}})
	if err == nil {
		t.Fatal("apply was not interrupted")
	}
	srv.Faults().Reset()
	srv.Faults().DropNext(3, kvtest.DropBeforeResponse)
	for round := 0; round < 2; round++ {
		_, sum := syncOnce(t, c, s, ApplyOptions{})
		if len(sum.Failures) != 0 || len(sum.Conflicts) != 0 {
			t.Fatalf("round %d: %+v %v", round, sum, sum.Failures)
		}
	}
	wantNoop(t, c, s, srv, n+5)
	for i := 0; i < n; i++ {
		m := remoteMetaOf(t, c, fmt.Sprintf("svc/k%02d", i))
		if m.Current != 1 || m.Custom[keyKind] != "api-key" {
			t.Fatalf("k%02d: version %d, custom %v", i, m.Current, m.Custom)
		}
	}
	heads, _ := s.List(tctx(t), "")
	for _, h := range heads {
		if h.Current != 1 {
			t.Fatalf("%s has %d local versions", h.Path, h.Current)
		}
	}
}

func TestCanaryNeverLeaks(t *testing.T) {
	srv := serve(t)
	s := newStore(t)
	limited := srv.token(t, kvPolicy(`path "secret/data/`+srv.prefix+`/denied" { capabilities = ["deny"] }`), nil)
	c, err := Dial(tctx(t), testRemote(srv), fastOpts(limited))
	must(t, err)
	set(t, s, "db", "password", canary)
	set(t, s, "denied", "password", canary)
	seed(t, srv, "remote", nil, "password", canary)
	p := plan(t, c, s)
	sum, _ := c.Apply(tctx(t), s, p, ApplyOptions{})
	set(t, s, "db", "password", canary+"-local")
	seed(t, srv, "db", nil, "password", canary+"-remote")
	p2 := plan(t, c, s)
	diff, err := c.Diff(tctx(t), s, p2.Items[0])
	must(t, err)
	es, _ := s.Audit(tctx(t), store.AuditFilter{})
	var out strings.Builder
	for _, v := range []any{p, sum, p2, es} {
		b, _ := json.Marshal(v)
		out.Write(b)
	}
	fmt.Fprintf(&out, "%v %+v %#v %v", sum, sum, diff, sum.Failures)
	if len(sum.Failures) == 0 {
		t.Fatal("expected a failure to check")
	}
	if strings.Contains(out.String(), canary) {
		t.Fatalf("canary leaked: %s", out.String())
	}
	if diff.Fields[0].Local.Reveal() != canary+"-local" {
		t.Fatal("diff lost the value")
	}
	_ = wcrypto.Redacted
}

// TestCanaryGarbage: an answer that is not JSON, with a value in the
// store, names server and path and nothing else.
func TestCanaryGarbage(t *testing.T) {
	srv := serveDouble(t, kvtest.Options{})
	s := newStore(t)
	c := dial(t, srv)
	set(t, s, "db", "password", canary)
	srv.seed(t, "db", map[string]any{"password": canary + "-remote"}, nil)
	srv.Faults().GarbageNext(1)
	_, err := c.Plan(tctx(t), s, PlanOptions{})
	if err == nil || strings.Contains(fmt.Sprintf("%v %+v", err, err), canary) {
		t.Fatalf("err %v", err)
	}
}

// TestTokenWithoutDefaultPolicy: a token whose policies do not include
// "default" may not look itself up (403, as a policy refuses). That is not
// a dead token: ward connects, warns that it cannot see the expiry, syncs,
// and still reports a denied path as that path's failure; once the token
// is revoked, the answer is the bare "permission denied" and ward says to
// log in again.
func TestTokenWithoutDefaultPolicy(t *testing.T) {
	srv := serve(t)
	tok := srv.token(t, kvPolicy(`path "secret/data/`+srv.prefix+`/c" { capabilities = ["deny"] }`),
		map[string]any{"no_default_policy": true, "ttl": "1h"})
	c, err := Dial(tctx(t), testRemote(srv), fastOpts(tok))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if w := strings.Join(c.Warnings, "\n"); !strings.Contains(w, "auth/token/lookup-self") {
		t.Fatalf("warnings %q", w)
	}
	s := newStore(t)
	set(t, s, "a", "value", "1")
	set(t, s, "c", "value", "1")
	sum, err := c.Apply(tctx(t), s, plan(t, c, s), ApplyOptions{})
	if err != nil || sum.Pushed != 1 || len(sum.Failures) != 1 || !errors.Is(sum.Failures[0], ErrDenied) {
		t.Fatalf("apply: %v %+v %v", err, sum, sum.Failures)
	}
	// ward remote login takes it, and says the expiry is unknown.
	must(t, AddRemote(tctx(t), s, testRemote(srv)))
	res, err := Login(tctx(t), s, "team", LoginInput{Token: wcrypto.NewSecret(tok)}, memTokens{}, fastOpts(""))
	if err != nil || !res.TTLUnknown || res.TTL != 0 {
		t.Fatalf("login: %v %+v", err, res)
	}
	srv.api(t, "POST", "auth/token/revoke", map[string]any{"token": tok})
	set(t, s, "d", "value", "1")
	if _, err := c.Plan(tctx(t), s, PlanOptions{}); !errors.Is(err, ErrLoginAgain) {
		t.Fatalf("revoked: %v", err)
	}
}

func TestServerMessage(t *testing.T) {
	for _, tc := range []struct {
		errs []string
		want string
	}{
		{[]string{"1 error occurred:\n\t* permission denied\n\n"}, "permission denied"},
		{[]string{"2 errors occurred:\n\t* a\n\t* b\n\n"}, "a; b"},
		{[]string{"check-and-set parameter did not match the current version"}, "check-and-set parameter did not match the current version"},
		{[]string{"invalid role or secret ID"}, "invalid role or secret ID"},
		{nil, ""},
	} {
		if got := serverMessage(tc.errs); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.errs, got, tc.want)
		}
	}
	e := &RemoteError{Remote: "v", Addr: "http://x", Op: "write", Path: "secret/data/a", Status: 403,
		Errors: []string{"1 error occurred:\n\t* permission denied\n\n"}, Err: ErrDenied}
	if got, want := e.Error(), "remote v (http://x): write secret/data/a: status 403: permission denied"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}

func TestShownPathEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"team/app":         "team/app",
		"team/a b":         "team/a b",
		"team/\x1b[2Jx":    `"team/\x1b[2Jx"`,
		"team/\xffx":       `"team/\xffx"`,
		"team/d\u202eevil": `"team/d\u202eevil"`,
	} {
		if got := shownPath(in); got != want {
			t.Errorf("shownPath(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestServerMessageEscaped(t *testing.T) {
	got := serverMessage([]string{"bad \x1b]0;owned\a thing", "d\u202eevil"})
	if strings.ContainsAny(got, "\x1b\a\u202e") || !strings.Contains(got, `\x1b]0;owned\a thing`) {
		t.Fatalf("serverMessage = %q", got)
	}
	if got := serverMessage([]string{"permission denied"}); got != "permission denied" {
		t.Fatalf("plain message changed: %q", got)
	}
}
