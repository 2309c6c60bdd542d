package ui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	wcrypto "github.com/opsward/ward/crypto"
	wsync "github.com/opsward/ward/sync"
)

// The sync goldens are drawn from fixed plans, events and summaries (the
// kvtest server's address changes with every run); the flows and Update
// tests check the same screens against a real server.

var goldenRemote = wsync.Remote{Name: "team", Addr: "https://vault.example:8200", Mount: "secret", Prefix: "team"}

func goldenPlan() *wsync.Plan {
	denied := fmt.Errorf("remote team (https://vault.example:8200): read metadata secret/metadata/team/prod/payments/stripe: status 403: %w", wsync.ErrDenied)
	return &wsync.Plan{
		Remote: "team", Addr: goldenRemote.Addr, Mount: "secret", Prefix: "team", Noop: 12,
		Items: []wsync.Item{
			{Path: "dev/search/api-key", Action: wsync.ActionPull, Reason: "changed on the server", Fields: "pull"},
			{Path: "ops/new-remote", Action: wsync.ActionPull, Reason: "new on the server", Fields: "pull"},
			{Path: "prod/edge/tls", Action: wsync.ActionDeleteRemote, Reason: "retired locally"},
			{Path: "prod/payments/db", Action: wsync.ActionConflict, Reason: "changed on both sides", LocalVersion: 3, RemoteVersion: 2, HasBase: true},
			{Path: "staging/auth/token", Action: wsync.ActionPush, Reason: "changed locally", Fields: "push"},
			{Path: "staging/old", Action: wsync.ActionDeleteLocal, Reason: "deleted on the server"},
			{Path: "toplevel", Action: wsync.ActionMerge, Reason: "values pushed, owner pulled", Fields: "push",
				MetaPull: []string{"ward-owner"}, MetaPush: map[string]*string{"ward-tags": nil}, Warnings: []string{"description shortened to 512 bytes"}},
		},
		Failures: []*wsync.PathError{{Path: "prod/payments/stripe", Op: "plan", Err: denied}},
		Skipped:  []*wsync.PathError{{Path: "bad name", Op: "plan", Err: wsync.ErrUnrepresentable}},
	}
}

func goldenSummary() *wsync.Summary {
	return &wsync.Summary{
		Remote: "team", Pushed: 2, Pulled: 3, Deleted: 2, Noop: 12,
		Conflicts: []string{"prod/payments/db"},
		Failures: []*wsync.PathError{
			{Path: "prod/payments/stripe", Op: "plan", Err: errors.New("remote team (https://vault.example:8200): read metadata secret/metadata/team/prod/payments/stripe: status 403: permission denied")},
			{Path: "staging/auth/token", Op: "push", Err: errors.New("remote team (https://vault.example:8200): write secret/data/team/staging/auth/token: status 500: internal error")},
		},
	}
}

func goldenDiff() *wsync.Diff {
	v := func(s string) wcrypto.Secret { return wcrypto.NewSecret(canary + s) }
	return &wsync.Diff{
		Fields: []wsync.FieldDiff{
			{Name: "password", Local: v("l"), Remote: v("r"), Base: v("b"), InLocal: true, InRemote: true, InBase: true},
			{Name: "port", Local: v("5432"), Remote: v("5432"), Base: v("5432"), InLocal: true, InRemote: true, InBase: true},
			{Name: "replica-url", Remote: v("url"), InRemote: true},
			{Name: "username", Local: v("u"), Remote: v("u2"), Base: v("u"), InLocal: true, InRemote: true, InBase: true},
		},
		Meta: []wsync.MetaDiff{{Key: "ward-owner", Local: "team-payments", Remote: "platform", Base: "team-payments"}},
	}
}

// Progress messages go to the screen directly: through the driver, the
// command that re-arms the run would wait for a goroutine there is not.

// syncGoldenScreens put a sync or conflict screen in one state.
var syncGoldenScreens = []struct {
	name  string
	reach func(t *testing.T, d *driver)
}{
	{"sync_plan", func(t *testing.T, d *driver) { goldenSyncScreen(d) }},
	{"sync_plan-failure", func(t *testing.T, d *driver) {
		goldenSyncScreen(d)
		d.keys("down", "down", "down", "down", "down", "down", "down")
	}},
	{"sync_plan-confirm", func(t *testing.T, d *driver) { goldenSyncScreen(d); d.keys("a") }},
	{"sync_planning", func(t *testing.T, d *driver) {
		sc := goldenSyncScreen(d)
		sc.state, sc.plan, sc.rows, sc.run = syncPlanning, nil, nil, newSyncRun()
		sc.client = &wsync.Client{}
		sc.Update(syncProgressMsg{run: sc.run, ev: wsync.Event{Phase: "plan", Done: 214, Path: "prod/payments/db", Action: wsync.ActionConflict}})
	}},
	{"sync_progress", func(t *testing.T, d *driver) {
		sc := goldenSyncScreen(d)
		sc.state, sc.run = syncApplying, newSyncRun()
		sc.Update(syncProgressMsg{run: sc.run, ev: wsync.Event{Phase: "apply", Done: 4, Total: 6, Path: "prod/edge/tls", Action: wsync.ActionDeleteRemote}})
	}},
	{"sync_summary", func(t *testing.T, d *driver) {
		sc := goldenSyncScreen(d)
		sc.state, sc.run = syncApplying, newSyncRun()
		d.send(applyDoneMsg{run: sc.run, sum: goldenSummary()})
	}},
	{"sync_summary-stopped", func(t *testing.T, d *driver) {
		sc := goldenSyncScreen(d)
		sc.state, sc.run = syncApplying, newSyncRun()
		sum := goldenSummary()
		sum.Stopped = "remote team (https://vault.example:8200): write secret/data/team/toplevel: server unreachable: connection refused"
		sum.NotAttempted = 3
		d.send(applyDoneMsg{run: sc.run, sum: sum, err: wsync.ErrUnreachable})
	}},
	{"sync_error-login", func(t *testing.T, d *driver) {
		sc := goldenSyncScreen(d)
		sc.state, sc.run = syncPlanning, newSyncRun()
		d.send(planDoneMsg{run: sc.run, stage: "connect", err: &wsync.LoginError{Remote: "team", Reason: "token expired or revoked"}})
	}},
	{"sync_error-down", func(t *testing.T, d *driver) {
		sc := goldenSyncScreen(d)
		sc.state, sc.run = syncPlanning, newSyncRun()
		d.send(planDoneMsg{run: sc.run, stage: "connect", err: &wsync.RemoteError{Remote: "team", Addr: goldenRemote.Addr, Op: "look up token", Path: "auth/token/lookup-self", Err: fmt.Errorf("%w: connection refused", wsync.ErrUnreachable)}})
	}},
	{"conflict_diff", func(t *testing.T, d *driver) { goldenConflict(d) }},
	{"conflict_picked", func(t *testing.T, d *driver) {
		goldenConflict(d)
		d.keys("left", "down", "down", "right")
	}},
	{"conflict_confirm", func(t *testing.T, d *driver) { goldenConflict(d); d.keys("R") }},
}

func goldenSyncScreen(d *driver) *syncScreen {
	sc := newSyncScreen(d.root.c)
	d.root.screens = append(d.root.screens, sc)
	sc.remote, sc.client, sc.state, sc.run = goldenRemote, &wsync.Client{Remote: goldenRemote}, syncPlanning, newSyncRun()
	d.send(planDoneMsg{run: sc.run, client: sc.client, plan: goldenPlan()})
	return sc
}

func goldenConflict(d *driver) *conflictScreen {
	goldenSyncScreen(d)
	it := goldenPlan().Items[3]
	cs := newConflictScreen(d.root.c, &wsync.Client{Remote: goldenRemote}, it)
	d.root.screens = append(d.root.screens, cs)
	d.send(diffLoadedMsg{to: cs, diff: goldenDiff()})
	return cs
}

// TestSyncRender draws the sync and conflict screens at each size: exactly
// the window, no line wider than it, no value, and the golden text
// (go test ./ui -run TestSyncRender -update rewrites them).
func TestSyncRender(t *testing.T) {
	for _, sc := range syncGoldenScreens {
		for _, sz := range sizes {
			name := fmt.Sprintf("%s-%dx%d", sc.name, sz.w, sz.h)
			t.Run(name, func(t *testing.T) {
				c, _ := newTestCommon(t, newTestStore(t))
				d := newDriver(t, c, sz.w, sz.h)
				sc.reach(t, d)
				v := d.view()
				checkFrame(t, v, sz.w, sz.h)
				if strings.Contains(v, canary) {
					t.Errorf("a value is on screen:\n%s", v)
				}
				golden(t, name, v)
			})
		}
	}
}
