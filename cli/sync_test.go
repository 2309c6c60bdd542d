package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	wsync "github.com/opsward/ward/sync"
)

func TestProgressLine(t *testing.T) {
	tests := []struct {
		name string
		e    wsync.Event
		want string
	}{
		{"planning", wsync.Event{Phase: "plan", Done: 120}, "ward: planning: 120 paths"},
		{"start", wsync.Event{Phase: "apply", Done: 0, Total: 40}, "ward: applying [------------------------] 0/40"},
		{"half", wsync.Event{Phase: "apply", Done: 20, Total: 40}, "ward: applying [############------------] 20/40"},
		{"done", wsync.Event{Phase: "apply", Done: 40, Total: 40}, "ward: applying [########################] 40/40"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := progressLine(tt.e); got != tt.want {
				t.Errorf("progressLine = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestProgressRedraw: one line redrawn with \r, throttled, the last event
// always drawn, and cleared at the end; nothing at all when off.
func TestProgressRedraw(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf}
	for i := 1; i <= 1000; i++ {
		p.event(wsync.Event{Phase: "apply", Done: i, Total: 1000})
	}
	p.clear()
	out := buf.String()
	if strings.Contains(out, "\n") {
		t.Errorf("progress wrote a newline: %q", out)
	}
	if n := strings.Count(out, "\r"); n < 3 || n > 100 {
		t.Errorf("progress drew %d times for 1000 fast events; want a few (throttled), first and last", n)
	}
	if !strings.Contains(out, "1000/1000") || !strings.HasSuffix(out, "\r\x1b[K") {
		t.Errorf("last event not drawn, or line not cleared: %q", out)
	}

	off := &progress{}
	off.event(wsync.Event{Phase: "plan", Done: 1})
	off.clear()

	var again bytes.Buffer
	p = &progress{w: &again, last: time.Now()}
	p.clear()
	if again.Len() != 0 {
		t.Errorf("clear with nothing drawn wrote %q", again.String())
	}
}
