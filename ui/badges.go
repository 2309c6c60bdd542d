package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/opsward/ward/store"
)

// expiringWithin is how far ahead an expiry earns a badge.
const expiringWithin = 30 * 24 * time.Hour

// badge is a status marker with words, so it reads without colour.
type badge struct {
	text  string
	style lipgloss.Style
}

// badgesFor lists what needs the operator's attention about h at now.
func badgesFor(st *Styles, h *store.Head, now time.Time) []badge {
	var out []badge
	switch h.Status {
	case store.StatusCompromised:
		out = append(out, badge{"COMPROMISED", st.Badge.Compromised})
	case store.StatusRetired:
		out = append(out, badge{"retired", st.Badge.Retired})
	case store.StatusPending:
		out = append(out, badge{"pending", st.Badge.Overdue})
	}
	if !h.Expires.IsZero() && h.Status != store.StatusRetired {
		switch left := h.Expires.Sub(now); {
		case left <= 0:
			out = append(out, badge{"expired", st.Badge.Compromised})
		case left <= expiringWithin:
			out = append(out, badge{"expires in " + days(left), st.Badge.Expiring})
		}
	}
	if !h.RotateDue.IsZero() && !h.RotateDue.After(now) && h.Status != store.StatusRetired {
		out = append(out, badge{"rotation overdue", st.Badge.Overdue})
	}
	return out
}

func renderBadges(bs []badge) string {
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = b.style.Render("[" + b.text + "]")
	}
	return strings.Join(parts, " ")
}

// days renders a positive duration in whole days, rounding up, so "expires
// in 1d" is never said of something that has three hours left and "0d" is
// never said at all.
func days(d time.Duration) string {
	n := int((d + 24*time.Hour - 1) / (24 * time.Hour))
	return fmt.Sprintf("%dd", n)
}
