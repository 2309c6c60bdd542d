package ui

import (
	"errors"
	"fmt"
	"github.com/opsward/ward/store"
	"path/filepath"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// statusBar is the bottom line: store, count, filter, the last message or
// error, and the clipboard countdown. Errors say what failed and where;
// they come from the store, whose errors never hold a value.
type statusBar struct {
	text string
	err  error
	// noteSeq numbers what set showed, so a note's clearing timer clears
	// that note only; sticky notes have none.
	noteSeq int
	sticky  bool

	clipUntil time.Time
	clipWhat  string
	clipSeq   int
}

// statusInfo is what the root tells the bar about the list.
type statusInfo struct {
	store          string
	count, matches int
	loaded         bool
	filter         string
}

// set shows a note or an error. A note goes after noteFor (noteExpiry);
// an error stays until the next message or screen, to be read.
func (s *statusBar) set(text string, err error) {
	s.text, s.err, s.sticky = text, err, false
	s.noteSeq++
}

// setSticky shows a note that stays until the next message: the first
// run's, which names the identity file to back up.
func (s *statusBar) setSticky(text string) {
	s.set(text, nil)
	s.sticky = true
}

// noteFor is how long a note (saved, copied, retired…) stays on the bar.
const noteFor = 8 * time.Second

// noteExpiredMsg clears the note numbered seq if it is still shown.
type noteExpiredMsg struct{ seq int }

// noteExpiry arms the clearing of the note shown now, if it is one that
// goes.
func (s *statusBar) noteExpiry(c *Common) tea.Cmd {
	if s.text == "" || s.err != nil || s.sticky {
		return nil
	}
	seq := s.noteSeq
	return c.Tick(noteFor, func(time.Time) tea.Msg { return noteExpiredMsg{seq} })
}

func (s *statusBar) handleNoteExpired(msg noteExpiredMsg) {
	if msg.seq == s.noteSeq && s.err == nil && !s.sticky {
		s.text = ""
	}
}

// clipTickMsg re-arms the countdown once a second while it runs; seq ties it
// to one copy, so a second copy does not start a second ticker.
type clipTickMsg struct{ seq int }

func clipTick(c *Common, seq int) tea.Cmd {
	return c.Tick(time.Second, func(time.Time) tea.Msg { return clipTickMsg{seq} })
}

func (r *Root) handleCopied(msg copiedMsg) tea.Cmd {
	if msg.err != nil {
		r.status.set("", msg.err)
		return nil
	}
	s := &r.status
	s.clipSeq++
	s.clipUntil = r.c.Now().Add(r.c.ClipboardClear)
	s.clipWhat = msg.ref
	s.set("copied "+msg.ref, nil)
	return clipTick(r.c, s.clipSeq)
}

func (s *statusBar) handleTick(c *Common, msg clipTickMsg) tea.Cmd {
	if msg.seq != s.clipSeq || s.clipUntil.IsZero() {
		return nil
	}
	if !c.Now().Before(s.clipUntil) {
		s.clipUntil = time.Time{}
		s.set("clipboard cleared (if it still held "+s.clipWhat+")", nil)
		return nil
	}
	return clipTick(c, msg.seq)
}

func (s *statusBar) clipLeft(c *Common) (time.Duration, bool) {
	if s.clipUntil.IsZero() {
		return 0, false
	}
	left := s.clipUntil.Sub(c.Now())
	if left < 0 {
		left = 0
	}
	return left, true
}

func (s *statusBar) view(c *Common, w int, info statusInfo) string {
	st := c.Styles
	parts := []string{info.store}
	switch {
	case c.Store == nil:
	case !info.loaded:
		parts = append(parts, "loading…")
	default:
		parts = append(parts, plural(info.count, "secret"))
	}
	if info.filter != "" {
		parts = append(parts, fmt.Sprintf("filter %q: %d", info.filter, info.matches))
	}
	left := strings.Join(parts, " · ")
	right := ""
	if d, ok := s.clipLeft(c); ok {
		secs := int((d + time.Second - 1) / time.Second)
		right = st.Status.Clip.Render(fmt.Sprintf("clipboard clears in %ds", secs))
	}
	// A message that does not fit beside the rest (an error, or a note
	// such as where a new store's identity file is) gets lines of its own
	// above the bar (at most maxErrLines), so it is read whole, not cut.
	var above string
	msg, style := s.text, st.Status.Info
	if s.err != nil {
		msg, style = "error: "+statusText(s.err), st.Status.Error
	}
	switch {
	case msg == "":
	case lipgloss.Width(left)+3+lipgloss.Width(msg)+lipgloss.Width(right) < w:
		left += " · " + style.Render(msg)
	default:
		lines := wrapAtMost(msg, w, maxErrLines)
		for i, l := range lines {
			lines[i] = style.Render(fit(l, w))
		}
		above = strings.Join(lines, "\n") + "\n"
	}
	gap := w - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		// The countdown matters more than the end of a long message.
		left = fit(left, max(0, w-lipgloss.Width(right)-1))
		gap = max(0, w-lipgloss.Width(left)-lipgloss.Width(right))
	}
	return above + st.Status.Bar.Render(fit(left+strings.Repeat(" ", gap)+right, w))
}

// maxErrLines bounds the lines a long error takes above the status bar.
const maxErrLines = 3

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// statusText is err for the status bar, with the next step where the CLI
// would give one as a hint.
func statusText(err error) string {
	var ae *store.AuditError
	if errors.As(err, &ae) && ae.Lost {
		return filepath.Base(ae.File) + ": " + ae.Reason + ". Nothing is revealed or copied until ward audit restart (in a shell) records the loss"
	}
	return err.Error()
}
