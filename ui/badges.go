package ui

import (
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/opsward/ward/store"
)

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
	for _, a := range h.Attention(now) {
		style := st.Badge.Overdue
		switch a.Kind {
		case "expired":
			style = st.Badge.Compromised
		case "expiring":
			style = st.Badge.Expiring
		}
		out = append(out, badge{a.Text, style})
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
