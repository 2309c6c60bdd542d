package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	wcrypto "github.com/opsward/ward/crypto"
	wsync "github.com/opsward/ward/sync"
)

func TestSyncKeyOnlyWithRemote(t *testing.T) {
	c, _ := newTestCommon(t, newTestStore(t))
	d := newDriver(t, c, 120, 30)
	d.mustNot("S sync")
	d.keys("S")
	if _, ok := d.root.top().(*browser); !ok {
		t.Fatal("S opened a screen with no remote")
	}

	fx := newSyncFixture(t)
	d = newDriver(t, fx.c, 120, 30)
	d.must("S sync")
	d.keys("/")
	d.mustNot("S sync") // typing in the filter: S is a letter
	d.keys("esc")
	d.must("S sync")
}

func TestSyncPlanApplySummary(t *testing.T) {
	fx := newSyncFixture(t)
	d := newDriver(t, fx.c, 120, 40)
	d.afterEach = func(v string) {
		if strings.Contains(v, canary) {
			t.Fatalf("a value is on screen:\n%s", v)
		}
	}
	sc := openSync(t, d)
	if sc.state != syncPlanned {
		t.Fatalf("state %d, err %v:\n%s", sc.state, sc.err, d.view())
	}
	d.must("Sync with team", fx.srv.URL(), "secret/team",
		"push 1 · pull 2 · delete 1 · conflicts 1 · failed 1 · in sync 1",
		"Conflicts (1)", "conflict      prod/payments/db", "changed on both sides",
		"Push to the server (1)", "staging/auth/token",
		"Pull from the server (2)", "dev/search/api-key", "ops/new-remote",
		"Delete (1)", "delete remote", "prod/edge/tls",
		"Failures (left alone) (1)", "failed        prod/payments/stripe",
		"a apply")
	// Nothing is written before the confirmation, and "n" cancels.
	before := len(auditCount(t, fx.s, "sync", ""))
	d.keys("a")
	d.must("Apply the sync with team?")
	if body := d.root.topDialog().(*confirm).body; !strings.Contains(body, "1 to push, 2 to pull, 1 to delete on the server (recoverable). 1 conflict stays as it is.") {
		t.Errorf("confirm says %q", body)
	}
	d.keys("n")
	if sc.state != syncPlanned || len(auditCount(t, fx.s, "sync", "")) != before {
		t.Fatal("cancel applied")
	}
	d.keys("a", "y")
	if sc.state != syncDone {
		t.Fatalf("state %d:\n%s", sc.state, d.view())
	}
	d.must("Applied", "pushed 1 · pulled 2 · deleted 1 · conflicts 1 · failures 1",
		"Conflicts left as they are (1)", "prod/payments/db",
		"Failures (1)", "prod/payments/stripe", "plan: ", "permission denied")
	if got := fx.remoteValue(t, "staging/auth/token", "value"); got != canary+"auth-token-2" {
		t.Errorf("push did not reach the server: %q", got)
	}
	if got := fx.localValue(t, "ops/new-remote", "value"); got != canary+"new-remote" {
		t.Errorf("pull did not reach the store: %q", got)
	}
	if len(auditCount(t, fx.s, "sync", "")) != before+1 {
		t.Error("no sync audit entry")
	}
	// The status bar has the one-line summary; the list reloaded.
	d.must("remote team: 1 pushed, 2 pulled, 1 deleted, 1 conflicts, 1 failures")
	// p plans again: only the conflict and the failure are left.
	d.keys("p")
	d.must("push 0 · pull 0 · delete 0 · conflicts 1 · failed 1")
	d.mustNot("a apply")
	d.keys("esc")
	if _, ok := d.root.top().(*browser); !ok {
		t.Fatal("esc did not go back")
	}
	d.must("7 secrets")
}

func TestSyncApplyIgnoresTypeAhead(t *testing.T) {
	fx := newSyncFixture(t)
	d := newDriver(t, fx.c, 100, 30)
	sc := openSync(t, d)
	// "a" then "y" typed before the dialog has been on screen: the y must
	// not confirm. Send without running the arming timer.
	d.root.Update(keyMsg("a"))
	d.root.Update(keyMsg("y"))
	d.root.Update(keyMsg("y"))
	if sc.state != syncPlanned || d.root.topDialog() == nil {
		t.Fatalf("type-ahead confirmed: state %d", sc.state)
	}
	d.mustNot("y apply")
}

func TestSyncProgressAndStaleRuns(t *testing.T) {
	c, _ := newTestCommon(t, newTestStore(t))
	sc := newSyncScreen(c)
	sc.remote = wsync.Remote{Name: "team", Addr: "https://vault.example:8200", Mount: "secret"}
	sc.state = syncPlanning
	run := newSyncRun()
	sc.run = run
	if cmd := sc.Update(syncProgressMsg{run: run, ev: wsync.Event{Phase: "plan", Done: 41, Path: "a/b"}}); cmd == nil {
		t.Fatal("a progress message did not re-arm the run")
	}
	if v := sc.View(80, 10); !strings.Contains(v, "planning… 41 paths judged · a/b") {
		t.Fatalf("planning view:\n%s", v)
	}
	// A message from an older run is ignored, and does not re-arm.
	old := newSyncRun()
	if cmd := sc.Update(syncProgressMsg{run: old, ev: wsync.Event{Done: 99}}); cmd != nil || sc.progress.Done != 41 {
		t.Fatal("a stale run's progress was taken")
	}
	sc.Update(planDoneMsg{run: old, plan: &wsync.Plan{}})
	if sc.state != syncPlanning {
		t.Fatal("a stale run's plan was taken")
	}
	sc.Update(planDoneMsg{run: run, plan: &wsync.Plan{Remote: "team", Noop: 3}})
	if sc.state != syncPlanned || !strings.Contains(sc.View(80, 10), "Everything is in sync.") {
		t.Fatalf("state %d:\n%s", sc.state, sc.View(80, 10))
	}
	if sc.Keys().(syncKeys).Apply.Enabled() {
		t.Error("apply offered with nothing to apply")
	}
	// Apply progress draws a bar.
	sc.state, sc.run = syncApplying, newSyncRun()
	sc.Update(syncProgressMsg{run: sc.run, ev: wsync.Event{Phase: "apply", Done: 3, Total: 12, Action: wsync.ActionPush, Path: "x/y"}})
	v := sc.View(80, 10)
	if !strings.Contains(v, "█") || !strings.Contains(v, " 3/12  25%") || !strings.Contains(v, "last: push x/y") {
		t.Fatalf("apply view:\n%s", v)
	}
	if sc.Keys().(syncKeys).Back.Enabled() {
		t.Error("esc offered during an apply")
	}
}

func TestSyncRunDeliversInOrder(t *testing.T) {
	r := newSyncRun()
	release := make(chan struct{})
	cmd := r.start(func(report func(wsync.Event)) tea.Msg {
		for i := 1; i <= 1000; i++ {
			report(wsync.Event{Done: i}) // never blocks: nobody reads yet
		}
		<-release
		return planDoneMsg{run: r}
	})
	msg := cmd()
	last := 0
	for {
		if _, ok := msg.(planDoneMsg); ok {
			break
		}
		pm := msg.(syncProgressMsg)
		if pm.ev.Done <= last {
			t.Fatalf("event %d after %d", pm.ev.Done, last)
		}
		last = pm.ev.Done
		if last == 1000 {
			close(release)
		}
		msg = r.next()()
	}
	if last != 1000 {
		t.Fatalf("the last event seen was %d", last)
	}
}

func TestSyncErrorsSayWhatAndWhere(t *testing.T) {
	cases := []struct {
		name  string
		setup func(fx *syncFixture)
		want  []string
	}{
		{"login", func(fx *syncFixture) {
			fx.c.Ctx = WithSyncOptions(context.Background(), fastSyncOptions("not-a-token"))
		}, []string{"Could not connect to team", "log in again", "ward remote login team"}},
		{"no token", func(fx *syncFixture) {
			o := fastSyncOptions("")
			o.Token = wcrypto.Secret{}
			o.Tokens = memTokens{}
			fx.c.Ctx = WithSyncOptions(context.Background(), o)
		}, []string{"Could not connect to team", "no token", "ward remote login team"}},
		{"server down", func(fx *syncFixture) { fx.srv.Close() },
			[]string{"Could not connect to team", "server unreachable", "check that the server is up"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fx := newSyncFixture(t)
			tc.setup(fx)
			d := newDriver(t, fx.c, 120, 30)
			sc := openSync(t, d)
			if sc.state != syncFailed {
				t.Fatalf("state %d:\n%s", sc.state, d.view())
			}
			d.must(append(tc.want, "where", "team at "+fx.srv.URL()+" · secret/team")...)
			if !sc.Keys().(syncKeys).Replan.Enabled() {
				t.Error("p not offered after an error")
			}
		})
	}
}

// memTokens is an empty token store.
type memTokens map[string]wcrypto.Secret

func (m memTokens) Get(a string) (wcrypto.Secret, error) {
	if v, ok := m[a]; ok {
		return v, nil
	}
	return wcrypto.Secret{}, wcrypto.ErrKeyringNotFound
}
func (m memTokens) Set(a string, v wcrypto.Secret) error { m[a] = v; return nil }
func (m memTokens) Delete(a string) error                { delete(m, a); return nil }

func TestSyncApplyStoppedByServer(t *testing.T) {
	fx := newSyncFixture(t)
	d := newDriver(t, fx.c, 120, 40)
	sc := openSync(t, d)
	fx.srv.Stop()
	d.keys("a", "y")
	if sc.state != syncDone {
		t.Fatalf("state %d:\n%s", sc.state, d.view())
	}
	d.must("Stopped:", "not attempted (untouched)", "failures")
	if !errors.Is(sc.applyErr, wsync.ErrUnreachable) {
		t.Errorf("apply error %v", sc.applyErr)
	}
}

func TestSyncChooseRemote(t *testing.T) {
	fx := newSyncFixture(t)
	if err := wsync.AddRemote(context.Background(), fx.s, wsync.Remote{Name: "another", Addr: "http://127.0.0.1:1", Mount: "kv"}); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, fx.c, 120, 30)
	sc := openSync(t, d)
	d.must("choose a remote", "› another", "team")
	d.keys("down", "enter")
	if sc.state != syncPlanned || sc.remote.Name != "team" {
		t.Fatalf("state %d remote %q:\n%s", sc.state, sc.remote.Name, d.view())
	}
}

func TestConflictMergeFieldByField(t *testing.T) {
	fx := newSyncFixture(t)
	d := newDriver(t, fx.c, 120, 40)
	sc := openSync(t, d)
	// The conflict is the first row; enter opens it.
	d.keys("enter")
	cs, ok := d.root.top().(*conflictScreen)
	if !ok {
		t.Fatalf("enter did not open the conflict:\n%s", d.view())
	}
	d.must("Conflict · prod/payments/db", "changed on both sides", "local", "team", "base",
		"password", "username", mask, "? choose")
	d.mustNot(canary)
	if cs.Keys().(conflictKeys).Merge.Enabled() {
		t.Fatal("merge offered with rows undecided")
	}
	// Reveal the selected row: audited locally (reveal of the local
	// version) and for the remote side, then shown; moving masks it.
	sel := cs.rows[cs.sel].name()
	reveals := len(auditCount(t, fx.s, "reveal", "prod/payments/db"))
	d.keys("r")
	d.must(canary)
	es := auditCount(t, fx.s, "reveal", "prod/payments/db")
	if len(es) != reveals+2 || es[len(es)-1].Field != sel || !strings.Contains(es[len(es)-1].Detail, "remote team") {
		t.Fatalf("reveal audit: %+v", es)
	}
	d.keys("down")
	d.mustNot(canary)
	d.keys("r", "r") // reveal and hide
	d.mustNot(canary)
	// Take local for password, remote for username.
	for i, r := range cs.rows {
		cs.sel = i
		if r.name() == "password" {
			d.keys("left")
		} else if r.differs() {
			d.keys("right")
		}
	}
	d.must("◀ local", "team ▶")
	d.keys("enter")
	d.must("Merge prod/payments/db?", "from local: password", "from team: username")
	d.keys("y")
	if d.root.top() != sc {
		t.Fatalf("not back on the plan:\n%s", d.view())
	}
	d.must("resolved      prod/payments/db", "merged", "conflicts 0", "resolved 1")
	if got := fx.localValue(t, "prod/payments/db", "password"); got != canary+"db-password-local" {
		t.Errorf("local password %q", got)
	}
	if got := fx.localValue(t, "prod/payments/db", "username"); got != canary+"user-remote" {
		t.Errorf("local username %q", got)
	}
	if got := fx.remoteValue(t, "prod/payments/db", "password"); got != canary+"db-password-local" {
		t.Errorf("remote password %q", got)
	}
	// The resolved item is not applied again.
	if n := len(sc.applyPlan().Items); n != 4 {
		t.Errorf("apply plan has %d items", n)
	}
}

func TestConflictKeepSides(t *testing.T) {
	for _, tc := range []struct {
		key, verb, want string
	}{
		{"l", "keep local", "db-password-local"},
		{"R", "keep remote", "db-password-remote"},
		{"m", "keep remote", "db-password-remote"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			fx := newSyncFixture(t)
			d := newDriver(t, fx.c, 120, 40)
			sc := openSync(t, d)
			d.keys("enter", tc.key)
			d.must(tc.verb)
			d.keys("esc") // cancel first: nothing changes
			if _, ok := d.root.top().(*conflictScreen); !ok {
				t.Fatal("cancel left the conflict")
			}
			d.keys(tc.key, "y")
			if d.root.top() != sc {
				t.Fatalf("not back on the plan:\n%s", d.view())
			}
			d.must("resolved      prod/payments/db", "kept")
			if got := fx.localValue(t, "prod/payments/db", "password"); got != canary+tc.want {
				t.Errorf("local %q", got)
			}
			if got := fx.remoteValue(t, "prod/payments/db", "password"); got != canary+tc.want {
				t.Errorf("remote %q", got)
			}
		})
	}
}

func TestConflictChangedAgainSaysSo(t *testing.T) {
	fx := newSyncFixture(t)
	d := newDriver(t, fx.c, 120, 40)
	openSync(t, d)
	d.keys("enter")
	cs := d.root.top().(*conflictScreen)
	// Someone writes on the server after the plan: keeping local must not
	// overwrite it.
	if _, err := fx.srv.Seed(remoteRoot+"prod/payments/db", map[string]any{"password": canary + "third"}, nil); err != nil {
		t.Fatal(err)
	}
	d.keys("l", "y")
	if d.root.top() != cs {
		t.Fatal("left the conflict though the resolve failed")
	}
	d.must("changed again since the plan")
	if got := fx.remoteValue(t, "prod/payments/db", "password"); got != canary+"third" {
		t.Errorf("the server's new value was overwritten: %q", got)
	}
}

func TestConflictRevealIsStaleAfterMove(t *testing.T) {
	c, _ := newTestCommon(t, newTestStore(t))
	cs := newConflictScreen(c, &wsync.Client{Remote: wsync.Remote{Name: "team"}}, wsync.Item{Path: "a", LocalVersion: 1, RemoteVersion: 1})
	cs.Update(diffLoadedMsg{to: cs, diff: &wsync.Diff{Fields: []wsync.FieldDiff{
		{Name: "one", Local: wcrypto.NewSecret(canary + "1"), InLocal: true},
		{Name: "two", Local: wcrypto.NewSecret(canary + "2"), InLocal: true},
	}}})
	gen := cs.shownSeq
	cs.Update(keyMsg("down"))
	cs.Update(conflictRevealedMsg{to: cs, gen: gen, rev: &conflictReveal{field: "one", local: wcrypto.NewSecret(canary + "1"), inLocal: true}})
	if strings.Contains(cs.View(100, 30), canary) {
		t.Fatal("a late reveal for another row was shown")
	}
	// The re-mask timer of an older reveal does not hide a newer one.
	cs.Update(conflictRevealedMsg{to: cs, gen: cs.shownSeq, rev: &conflictReveal{field: "two", local: wcrypto.NewSecret(canary + "2"), inLocal: true}})
	if !strings.Contains(cs.View(100, 30), canary+"2") {
		t.Fatal("reveal not shown")
	}
	cs.Update(conflictRemaskMsg{to: cs, seq: cs.shownSeq - 1})
	if !strings.Contains(cs.View(100, 30), canary+"2") {
		t.Fatal("a stale timer hid the value")
	}
	cs.Update(conflictRemaskMsg{to: cs, seq: cs.shownSeq})
	if strings.Contains(cs.View(100, 30), canary) {
		t.Fatal("the timer did not mask")
	}
	// Printing the messages never shows a value.
	for _, m := range []any{
		conflictRevealedMsg{rev: &conflictReveal{local: wcrypto.NewSecret(canary)}},
		diffLoadedMsg{diff: &wsync.Diff{Fields: []wsync.FieldDiff{{Local: wcrypto.NewSecret(canary)}}}},
	} {
		for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
			if s := sprintf(f, m); strings.Contains(s, canary) {
				t.Errorf("%s prints a value: %s", f, s)
			}
		}
	}
	cs.leave()
	if cs.diff != nil || cs.shown != nil {
		t.Error("leave kept values")
	}
}

func sprintf(f string, a any) string { return fmt.Sprintf(f, a) }
