package ui

import (
	"fmt"
	"testing"
	"time"
)

// TestFlowSync runs the program against the in-process server: open the
// sync screen, resolve the conflict by keeping local, apply after the
// confirmation, read the summary. It waits on drawn text, never sleeps.
func TestFlowSync(t *testing.T) {
	fx := newSyncFixture(t)
	f := newFlow(t, fx.c, 120, 40)
	f.wait("6 secrets", "S sync")
	f.key("S")
	f.wait("Sync with team", "push 1 · pull 2 · delete 1 · conflicts 1 · failed 1", "prod/payments/db")
	f.key("enter")
	f.wait("Conflict · prod/payments/db", "? choose")
	f.key("l")
	f.wait("Keep the local prod/payments/db?", "y keep local")
	f.key("y")
	f.wait("resolved      prod/payments/db", "conflicts 0", "resolved 1")
	f.key("a")
	f.wait("Apply the sync with team?", "y apply")
	f.key("y")
	f.wait("Applied", "pushed 1 · pulled 2 · deleted 1 · conflicts 0 · failures 1", "prod/payments/stripe")
	f.key("p")
	f.wait("push 0 · pull 0 · delete 0 · conflicts 0 · failed 1")
	f.key("esc")
	f.wait("7 secrets")
	f.quit()
	f.noValueShown()
	if got := fx.remoteValue(t, "prod/payments/db", "password"); got != canary+"db-password-local" {
		t.Errorf("remote password after keep local: %q", got)
	}
}

// TestFlowSyncStop stops an apply half-way with s: the writes under way
// finish, the rest are left for the next sync, and the summary says so.
func TestFlowSyncStop(t *testing.T) {
	fx := newSyncFixture(t)
	for i := range 8 {
		if _, err := fx.srv.Seed(fmt.Sprintf("%sops/more-%d", remoteRoot, i), map[string]any{"value": canary + "more"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	f := newFlow(t, fx.c, 120, 40)
	f.wait("6 secrets", "S sync")
	f.key("S")
	f.wait("Sync with team", "push 1 · pull 10 · delete 1 · conflicts 1")
	release := make(chan struct{})
	arrivals := fx.srv.Faults().Delay(release)
	f.key("a")
	f.wait("Apply the sync with team?", "y apply")
	f.key("y")
	select {
	case <-arrivals: // a write is under way and held
	case <-time.After(10 * time.Second):
		t.Fatal("no request reached the server")
	}
	f.wait("s stops it")
	f.key("s")
	f.wait("Stopping…")
	close(release)
	f.wait("Applied", "Stopped: you stopped it", "not attempted (untouched)", "p to plan again and apply the rest", "remote team: ")
	f.key("p")
	f.wait("conflicts 1")
	f.quit()
	f.noValueShown()
}
