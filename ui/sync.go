package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/opsward/ward/store"
	wsync "github.com/opsward/ward/sync"
)

// Rules this file enforces:
//   - every call to the sync service (remotes, connect, plan, apply) runs in
//     a tea.Cmd; progress comes back through a syncRun, never by IO in
//     Update;
//   - nothing is applied without the confirm dialog, which ignores keys
//     typed ahead of it;
//   - the screen holds plans and summaries, which carry paths, versions and
//     metadata, never a value.

// syncState is where the sync screen is in its one-way flow.
type syncState int

const (
	syncLoading  syncState = iota // reading the remotes
	syncChoose                    // several remotes: pick one
	syncPlanning                  // connecting and planning
	syncPlanned                   // the plan is shown
	syncApplying                  // applying, with a progress bar
	syncDone                      // the summary is shown
	syncFailed                    // an error stopped the flow
)

type syncKeys struct {
	Up, Down, Choose, Resolve, Apply, Replan, Stop, Back key.Binding
}

func newSyncKeys() syncKeys {
	return syncKeys{
		Up:      key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:    key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Choose:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "plan with this remote")),
		Resolve: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "resolve")),
		Apply:   key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "apply")),
		Replan:  key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "plan again")),
		Stop:    key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "stop after the writes under way")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}
}

func (k syncKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Choose, k.Resolve, k.Apply, k.Replan, k.Stop, k.Back}
}

func (k syncKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Choose, k.Resolve}, {k.Apply, k.Replan, k.Stop, k.Back}}
}

// syncScreen plans a sync with one remote, shows the plan grouped by
// action, applies it after a confirmation with a progress bar, and shows
// the summary. Conflicts open the conflict screen.
type syncScreen struct {
	c    *Common
	keys syncKeys

	ctx    context.Context // ends when the screen is left
	cancel context.CancelFunc

	state   syncState
	remotes []wsync.Remote
	remote  wsync.Remote
	client  *wsync.Client

	run      *syncRun    // the connect/plan or apply in flight
	progress wsync.Event // its latest event

	plan     *wsync.Plan
	resolved map[string]string // conflicts resolved since the plan: path → how
	rows     []planRow
	sel      int // index into rows
	offset   int

	summary   *wsync.Summary
	applyErr  error  // what stopped an apply (the summary says the rest)
	stopApply func() // asks the apply in flight to start no more writes
	stopping  bool   // it was asked

	err   error  // what stopped the flow, in syncFailed
	stage string // where it stopped: "list remotes", "connect", "plan"
}

// newSyncScreen returns the sync screen; it reads the remotes when
// pushed.
func newSyncScreen(c *Common) *syncScreen {
	ctx, cancel := context.WithCancel(c.Ctx)
	return &syncScreen{c: c, keys: newSyncKeys(), ctx: ctx, cancel: cancel, resolved: map[string]string{}}
}

// remotesLoadedMsg carries the configured remotes to the sync screen (to)
// that asked, or, with to nil, to the browser, which only needs to know
// whether there are any (it shows the sync key then).
type remotesLoadedMsg struct {
	to      *syncScreen
	remotes []wsync.Remote
	err     error
}

// remotesLoadedMsg is broadcast: the browser that asked may be under a
// detail by the time the answer comes.
func (remotesLoadedMsg) broadcast() {}

func loadRemotes(c *Common, to *syncScreen) tea.Cmd {
	s, ctx := c.Store, c.Ctx
	return func() tea.Msg {
		rs, err := wsync.ListRemotes(ctx, s)
		if err != nil {
			err = fmt.Errorf("list remotes in %s: %w", s.File, err)
		}
		return remotesLoadedMsg{to: to, remotes: rs, err: err}
	}
}

// planDoneMsg ends a connect-and-plan run.
type planDoneMsg struct {
	run    *syncRun
	client *wsync.Client
	plan   *wsync.Plan
	stage  string // "connect" or "plan", when err is set
	err    error
}

// applyDoneMsg ends an apply run. It is broadcast as a change, so the list
// reloads and the status bar shows the one-line summary.
type applyDoneMsg struct {
	run *syncRun
	sum *wsync.Summary
	err error
}

func (applyDoneMsg) broadcast()          {}
func (applyDoneMsg) changedPath() string { return "" }
func (m applyDoneMsg) outcome() (string, error) {
	if m.sum == nil {
		return "", m.err
	}
	if errors.Is(m.err, wsync.ErrStopped) {
		return m.sum.String(), nil
	}
	if m.err != nil {
		return "", fmt.Errorf("sync stopped: %w", m.err)
	}
	return m.sum.String(), nil
}

func (s *syncScreen) Init() tea.Cmd { return loadRemotes(s.c, s) }

func (s *syncScreen) Typing() bool { return false }

func (s *syncScreen) Keys() help.KeyMap {
	k := s.keys
	choosing := s.state == syncChoose
	planned := s.state == syncPlanned
	k.Up.SetEnabled(choosing || (planned && s.selectable() > 1))
	k.Down.SetEnabled(choosing || (planned && s.selectable() > 1))
	k.Choose.SetEnabled(choosing)
	it := s.selectedItem()
	k.Resolve.SetEnabled(planned && it != nil && it.Action == wsync.ActionConflict && s.resolved[it.Path] == "")
	k.Apply.SetEnabled(planned && s.toApply() > 0)
	k.Replan.SetEnabled(s.remote.Name != "" && (planned || s.state == syncDone || s.state == syncFailed))
	k.Stop.SetEnabled(s.state == syncApplying && !s.stopping)
	k.Back.SetEnabled(s.state != syncApplying)
	return k
}

// leave stops a plan in flight; an apply is never left half-way by the
// screen (esc is off while it runs).
func (s *syncScreen) leave() { s.cancel() }

func (s *syncScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case remotesLoadedMsg:
		if msg.to == s {
			return s.handleRemotes(msg)
		}
	case syncProgressMsg:
		if msg.run == s.run {
			s.progress = msg.ev
			return s.run.next()
		}
	case planDoneMsg:
		if msg.run == s.run {
			s.handlePlanned(msg)
		}
	case syncApplyMsg:
		if msg.to == s && s.state == syncPlanned {
			return s.apply()
		}
	case applyDoneMsg:
		if msg.run == s.run {
			s.handleApplied(msg)
		}
	case conflictResolvedMsg:
		if _, err := msg.outcome(); err == nil && s.plan != nil && msg.remote == s.remote.Name {
			s.resolved[msg.path] = msg.how
			s.buildRows()
		}
	case tea.KeyMsg:
		return s.handleKey(msg)
	}
	return nil
}

func (s *syncScreen) handleRemotes(msg remotesLoadedMsg) tea.Cmd {
	switch {
	case msg.err != nil:
		s.fail("list remotes", msg.err)
		return nil
	case len(msg.remotes) == 0:
		s.fail("list remotes", errors.New("no remote is configured for this store: add one with ward remote add NAME ADDR"))
		return nil
	}
	s.remotes = msg.remotes
	if len(msg.remotes) == 1 {
		return s.startPlan(msg.remotes[0])
	}
	s.state, s.sel = syncChoose, 0
	return nil
}

func (s *syncScreen) fail(stage string, err error) {
	s.state, s.stage, s.err = syncFailed, stage, err
}

// startPlan connects (unless the client from the last plan is still good)
// and plans, reporting progress.
func (s *syncScreen) startPlan(r wsync.Remote) tea.Cmd {
	if s.client != nil && (s.remote.Name != r.Name || s.client.Fatal() != nil) {
		s.client = nil
	}
	s.remote, s.state = r, syncPlanning
	s.plan, s.summary, s.applyErr, s.err, s.rows = nil, nil, nil, nil, nil
	s.progress = wsync.Event{}
	clear(s.resolved)
	st, ctx, name, cl, opts := s.c.Store, s.ctx, r.Name, s.client, syncOptions(s.c.Ctx)
	s.run = newSyncRun()
	run := s.run
	return run.start(func(report func(wsync.Event)) tea.Msg {
		if cl == nil {
			var err error
			if cl, err = wsync.Connect(ctx, st, name, opts); err != nil {
				return planDoneMsg{run: run, stage: "connect", err: err}
			}
		}
		p, err := cl.Plan(ctx, st, wsync.PlanOptions{Progress: report})
		if err != nil {
			return planDoneMsg{run: run, client: cl, stage: "plan", err: err}
		}
		return planDoneMsg{run: run, client: cl, plan: p}
	})
}

func (s *syncScreen) handlePlanned(msg planDoneMsg) {
	s.run = nil
	s.client = msg.client
	if msg.err != nil {
		s.fail(msg.stage, msg.err)
		return
	}
	s.plan, s.state, s.sel, s.offset = msg.plan, syncPlanned, 0, 0
	s.buildRows()
}

// toApply counts the items an apply would act on: everything but the
// conflicts still open and those resolved since the plan.
func (s *syncScreen) toApply() int {
	if s.plan == nil {
		return 0
	}
	n := 0
	for i := range s.plan.Items {
		it := &s.plan.Items[i]
		if it.Action != wsync.ActionConflict && s.resolved[it.Path] == "" {
			n++
		}
	}
	return n
}

// applyPlan is the plan without the conflicts resolved since it was made
// (they are done; applying them again would find them changed).
func (s *syncScreen) applyPlan() *wsync.Plan {
	p := *s.plan
	p.Items = make([]wsync.Item, 0, len(s.plan.Items))
	for _, it := range s.plan.Items {
		if s.resolved[it.Path] == "" {
			p.Items = append(p.Items, it)
		}
	}
	return &p
}

func (s *syncScreen) confirmApply() tea.Cmd {
	c := s.counts()
	var parts []string
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d to %s", n, what))
		}
	}
	add(c.push, "push")
	add(c.pull, "pull")
	add(c.merge, "merge")
	add(c.deleteRemote, "delete on the server (recoverable)")
	add(c.deleteLocal, "retire here")
	add(c.adopt, "record as in sync")
	body := strings.Join(parts, ", ") + "."
	switch {
	case c.conflict == 1:
		body += " 1 conflict stays as it is."
	case c.conflict > 1:
		body += fmt.Sprintf(" %d conflicts stay as they are.", c.conflict)
	}
	return s.c.openDialog(newConfirm(s.c,
		fmt.Sprintf("Apply the sync with %s?", s.remote.Name),
		fmt.Sprintf("%s (%s): %s", s.remote.Name, s.remote.Addr, body),
		"apply", s.startApply()))
}

// startApply returns the command the confirm dialog runs: it switches the
// screen to the progress bar (a message, since the dialog's command runs
// outside Update) and starts the apply.
func (s *syncScreen) startApply() tea.Cmd {
	return func() tea.Msg { return syncApplyMsg{to: s} }
}

// syncApplyMsg is the confirmed apply, sent back to the screen so that the
// state changes inside Update.
type syncApplyMsg struct{ to *syncScreen }

func (s *syncScreen) apply() tea.Cmd {
	s.state, s.progress = syncApplying, wsync.Event{Phase: "apply", Total: s.toApply()}
	st, cl, p := s.c.Store, s.client, s.applyPlan()
	// The apply is not tied to the screen: leaving it must not stop
	// writes half-way (esc is off while it runs, but ctrl+c is not). The
	// stop key ends it between paths: the writes under way finish, the
	// rest wait for the next sync, which picks up where this one stopped.
	ctx := context.WithoutCancel(s.ctx)
	stop := make(chan struct{})
	s.stopApply, s.stopping = func() { close(stop) }, false
	s.run = newSyncRun()
	run := s.run
	return run.start(func(report func(wsync.Event)) tea.Msg {
		sum, err := cl.Apply(ctx, st, p, wsync.ApplyOptions{Progress: report, Stop: stop})
		return applyDoneMsg{run: run, sum: sum, err: err}
	})
}

func (s *syncScreen) handleApplied(msg applyDoneMsg) {
	s.run = nil
	if msg.sum == nil {
		s.fail("apply", msg.err)
		return
	}
	if errors.Is(msg.err, wsync.ErrStopped) {
		msg.sum.Stopped = "you stopped it; what was written stays, and the next sync does the rest"
	}
	s.summary, s.applyErr, s.state = msg.sum, msg.err, syncDone
	s.stopApply, s.stopping = nil, false
}

func (s *syncScreen) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := s.Keys().(syncKeys)
	switch {
	case key.Matches(msg, k.Back):
		return s.c.pop(s)
	case key.Matches(msg, k.Up):
		s.move(-1)
	case key.Matches(msg, k.Down):
		s.move(1)
	case key.Matches(msg, k.Choose):
		if s.sel >= 0 && s.sel < len(s.remotes) {
			return s.startPlan(s.remotes[s.sel])
		}
	case key.Matches(msg, k.Resolve):
		if it := s.selectedItem(); it != nil {
			return s.c.push(newConflictScreen(s.c, s.client, *it))
		}
	case key.Matches(msg, k.Apply):
		return s.confirmApply()
	case key.Matches(msg, k.Replan):
		return s.startPlan(s.remote)
	case key.Matches(msg, k.Stop):
		if s.stopApply != nil && !s.stopping {
			s.stopApply()
			s.stopping = true
		}
	}
	return nil
}

func (s *syncScreen) move(d int) {
	if s.state == syncChoose {
		s.sel = min(max(s.sel+d, 0), len(s.remotes)-1)
		return
	}
	for i := s.sel + d; i >= 0 && i < len(s.rows); i += d {
		if s.rows[i].selectable() {
			s.sel = i
			return
		}
	}
}

// planRow is one line of the plan: a group heading, an item or a path
// the plan could not judge.
type planRow struct {
	head  string
	item  int // index into plan.Items, or -1
	fail  *wsync.PathError
	skip  bool // fail is a server key the store cannot hold
	count int  // items under a heading
}

func (r planRow) selectable() bool { return r.head == "" }

// planGroups orders the plan's groups; each names the actions it holds.
var planGroups = []struct {
	title   string
	actions []wsync.Action
}{
	{"Conflicts", []wsync.Action{wsync.ActionConflict}},
	{"Push to the server", []wsync.Action{wsync.ActionPush}},
	{"Pull from the server", []wsync.Action{wsync.ActionPull}},
	{"Merge (some parts each way)", []wsync.Action{wsync.ActionMerge}},
	{"Delete", []wsync.Action{wsync.ActionDeleteRemote, wsync.ActionDeleteLocal}},
}

// buildRows groups the plan for drawing; the selection stays on its path.
func (s *syncScreen) buildRows() {
	keep := ""
	if it := s.selectedItem(); it != nil {
		keep = it.Path
	}
	s.rows = s.rows[:0]
	p := s.plan
	for _, g := range planGroups {
		var rows []planRow
		for i := range p.Items {
			for _, a := range g.actions {
				if p.Items[i].Action == a {
					rows = append(rows, planRow{item: i})
				}
			}
		}
		if len(rows) > 0 {
			s.rows = append(s.rows, planRow{head: g.title, item: -1, count: len(rows)})
			s.rows = append(s.rows, rows...)
		}
	}
	if n := len(p.Failures) + len(p.Skipped); n > 0 {
		s.rows = append(s.rows, planRow{head: "Failures (left alone)", item: -1, count: n})
		for _, f := range p.Failures {
			s.rows = append(s.rows, planRow{item: -1, fail: f})
		}
		for _, f := range p.Skipped {
			s.rows = append(s.rows, planRow{item: -1, fail: f, skip: true})
		}
	}
	s.sel = -1
	for i, r := range s.rows {
		if !r.selectable() {
			continue
		}
		if s.sel < 0 || (r.item >= 0 && p.Items[r.item].Path == keep) {
			s.sel = i
		}
	}
}

func (s *syncScreen) selectable() int {
	n := 0
	for _, r := range s.rows {
		if r.selectable() {
			n++
		}
	}
	return n
}

func (s *syncScreen) selectedItem() *wsync.Item {
	if s.plan == nil || s.sel < 0 || s.sel >= len(s.rows) || s.rows[s.sel].item < 0 {
		return nil
	}
	return &s.plan.Items[s.rows[s.sel].item]
}

// planCounts are the plan's numbers, resolved conflicts left out.
type planCounts struct {
	push, pull, merge, deleteRemote, deleteLocal, conflict, adopt, resolved, failed int
}

func (s *syncScreen) counts() planCounts {
	var c planCounts
	if s.plan == nil {
		return c
	}
	for _, it := range s.plan.Items {
		if s.resolved[it.Path] != "" {
			c.resolved++
			continue
		}
		switch it.Action {
		case wsync.ActionPush:
			c.push++
		case wsync.ActionPull:
			c.pull++
		case wsync.ActionMerge:
			c.merge++
		case wsync.ActionDeleteRemote:
			c.deleteRemote++
		case wsync.ActionDeleteLocal:
			c.deleteLocal++
		case wsync.ActionConflict:
			c.conflict++
		case wsync.ActionAdopt, wsync.ActionForget:
			c.adopt++
		}
	}
	c.failed = len(s.plan.Failures) + len(s.plan.Skipped)
	return c
}

// syncHint tells the operator what to do about an error that stopped the
// flow.
func syncHint(remote string, err error) string {
	var me *wsync.MountError
	switch {
	case errors.Is(err, wsync.ErrLoginAgain), errors.Is(err, wsync.ErrNoToken):
		return "log in (ward remote login " + remote + "; with no OS keyring, a token in ~/.vault-token, or VAULT_TOKEN set before ward starts), then p to plan again"
	case errors.Is(err, wsync.ErrUnreachable):
		return "check that the server is up and the address is right (ward remote ls), then p to plan again; if the token has expired meanwhile: ward remote login " + remote
	case errors.As(err, &me), errors.Is(err, wsync.ErrNotKVv2):
		return "the remote must point at a KV version 2 mount: ward remote rm " + remote + ", then ward remote add with the right mount"
	case errors.Is(err, wsync.ErrRedirect):
		return "the server sent ward to another host; set the remote's address to the server itself"
	case errors.Is(err, store.ErrCorrupt):
		return "run ward doctor"
	case errors.Is(err, wsync.ErrNoRemote):
		return "add one: ward remote add NAME ADDR"
	case errors.Is(err, wsync.ErrStopped):
		return "p to plan again and apply the rest"
	}
	return "p to plan again; if the server refuses the token: ward remote login " + remote
}
