package ui

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/opsward/ward/store"
)

// flow runs the whole program under teatest and waits on what the terminal
// shows; it never sleeps. Everything the program wrote is kept in all, for
// the canary check at the end.
type flow struct {
	t   *testing.T
	tm  *teatest.TestModel
	all bytes.Buffer
}

func newFlow(t *testing.T, c *Common, w, h int) *flow {
	t.Helper()
	c.Tick = tea.Tick // real timers: the program runs them
	f := &flow{t: t, tm: teatest.NewTestModel(t, NewRoot(c), teatest.WithInitialTermSize(w, h))}
	t.Cleanup(func() { _ = f.tm.Quit() })
	return f
}

// wait blocks until every one of texts has been drawn since the last wait.
func (f *flow) wait(texts ...string) {
	f.t.Helper()
	var last []byte
	teatest.WaitFor(f.t, f.tm.Output(), func(b []byte) bool {
		last = b
		s := ansi.Strip(string(b))
		for _, x := range texts {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	f.all.Write(last)
}

func (f *flow) key(k string) { f.tm.Send(keyMsg(k)) }

func (f *flow) typeText(s string) { f.tm.Type(s) }

// quit quits with q and waits for the program to end.
func (f *flow) quit() {
	f.t.Helper()
	f.key("q")
	f.tm.WaitFinished(f.t, teatest.WithFinalTimeout(5*time.Second))
	out, _ := io.ReadAll(f.tm.FinalOutput(f.t))
	f.all.Write(out)
}

func (f *flow) noValueShown() {
	f.t.Helper()
	if strings.Contains(f.all.String(), canary) {
		f.t.Errorf("a value was drawn")
	}
}

func TestFlowBrowseFilterOpen(t *testing.T) {
	c, _ := newTestCommon(t, newTestStore(t))
	f := newFlow(t, c, 100, 30)
	f.wait("6 secrets in 5 folders", "stripe", "[COMPROMISED]")
	f.key("/")
	f.typeText("stripe")
	f.wait(`filter "stripe": 1`)
	f.key("enter")
	f.wait("kind      api-key", "status    compromised", mask)
	f.key("esc")
	f.key("esc")
	f.wait("6 secrets in 5 folders")
	f.quit()
	f.noValueShown()
}

func TestFlowReveal(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	f := newFlow(t, c, 120, 40)
	f.wait("6 secrets")
	f.key("/")
	f.typeText("ppdb")
	f.key("enter")
	f.wait("Fields (version 2)", mask)
	f.noValueShown()
	if n := len(audits(t, s, "prod/payments/db", "reveal")); n != 0 {
		t.Fatalf("%d reveal entries before r", n)
	}
	f.key("r")
	f.wait(canary + "db-password-2")
	es := audits(t, s, "prod/payments/db", "reveal")
	if len(es) != 1 || es[0].Field != "password" {
		t.Fatalf("audit after reveal: %+v", es)
	}
	f.quit()
}

func TestFlowAddSecret(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	f := newFlow(t, c, 80, 24)
	f.wait("6 secrets")
	f.key("a")
	f.wait("Add a secret")
	f.typeText("ops/new-thing")
	for range 10 { // kind, status, owner, tags, usage, description, rotate every, expires, name, value
		f.key("tab")
	}
	f.typeText(canary + "added")
	f.key("ctrl+s")
	f.wait("added ops/new-thing", "ops/", "new-thing")
	f.quit()
	f.noValueShown()
	if ok, _ := s.Exists(context.Background(), "ops/new-thing"); !ok {
		t.Error("the secret is not in the store")
	}
}

func TestFlowGenerate(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	f := newFlow(t, c, 120, 40)
	f.wait("6 secrets")
	f.key("/")
	f.typeText("search")
	f.key("enter")
	f.wait("Fields (version 1)")
	f.key("g")
	f.wait("‹ token ›", "entropy: 256 bits") // an API key: a token
	f.key("enter")
	f.wait("generated token:", "for dev/search/api-key", "Fields (version 2)")
	f.quit()
	f.noValueShown()
	sc, _ := s.Show(context.Background(), "dev/search/api-key")
	if sc.Current != 2 || sc.Versions[1].Action != "gen" {
		t.Errorf("versions %+v", sc.Versions)
	}
}

func TestFlowRetireWithConfirm(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	f := newFlow(t, c, 120, 40)
	f.wait("6 secrets")
	f.key("/")
	f.typeText("search")
	f.key("enter")
	f.wait("Fields (version 1)")
	f.key("d")
	f.wait("Retire dev/search/api-key?", "y retire")
	f.key("y")
	f.wait("retired dev/search/api-key", "[retired]")
	f.quit()
	sc, _ := s.Show(context.Background(), "dev/search/api-key")
	if sc.Meta.Status != store.StatusRetired {
		t.Errorf("status %s", sc.Meta.Status)
	}
}

func TestFlowFirstRunPassphrase(t *testing.T) {
	if !noKeyring(t) {
		return
	}
	c := newFirstRunCommon(t)
	f := newFlow(t, c, 80, 24)
	f.wait("Welcome to ward", "no OS keyring here") // the probe's answer
	f.key("enter")
	f.wait("passphrase", "again")
	f.typeText("s3cret phrase")
	f.key("enter")
	f.typeText("s3cret phrase")
	f.key("enter")
	f.wait("no secrets yet")
	f.quit()
	if strings.Contains(f.all.String(), "s3cret") {
		t.Error("the passphrase was drawn")
	}
	if _, err := os.Stat(store.IdentityFileFor(c.StoreFile)); err != nil {
		t.Errorf("identity file: %v", err)
	}
}
