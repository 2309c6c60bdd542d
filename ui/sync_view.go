package ui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	wsync "github.com/opsward/ward/sync"
)

// View draws the sync screen in its current state.
func (s *syncScreen) View(w, h int) string {
	st := s.c.Styles
	var lines []string
	switch s.state {
	case syncLoading:
		lines = []string{st.App.Header.Render("Sync"), st.App.Muted.Render("reading remotes…")}
	case syncChoose:
		lines = s.chooseView(w)
	case syncPlanning:
		lines = append(s.titleLines(w), s.planningLine(w))
	case syncPlanned:
		lines = s.planView(w, h)
	case syncApplying:
		lines = append(s.titleLines(w), s.applyingLines(w)...)
	case syncDone:
		lines = append(s.titleLines(w), s.summaryLines(w)...)
	case syncFailed:
		lines = append(s.titleLines(w), s.failedLines(w)...)
	}
	for i := range lines {
		lines[i] = fit(lines[i], w)
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	return joinLines(lines)
}

// where names the remote: its address and where on the server.
func (s *syncScreen) where() string {
	r := s.remote
	loc := r.Mount
	if r.Prefix != "" {
		loc += "/" + r.Prefix
	}
	if r.Namespace != "" {
		loc = r.Namespace + ": " + loc
	}
	return r.Addr + " · " + loc
}

func (s *syncScreen) titleLines(w int) []string {
	st := s.c.Styles
	if s.remote.Name == "" {
		return []string{st.App.Header.Render("Sync")}
	}
	return []string{fit(st.App.Header.Render("Sync with "+s.remote.Name)+st.App.Muted.Render(" · "+s.where()), w)}
}

func (s *syncScreen) chooseView(w int) []string {
	st := s.c.Styles
	lines := []string{st.App.Header.Render("Sync · choose a remote"), ""}
	nameW := 0
	for _, r := range s.remotes {
		nameW = max(nameW, lipgloss.Width(r.Name))
	}
	for i, r := range s.remotes {
		loc := r.Mount
		if r.Prefix != "" {
			loc += "/" + r.Prefix
		}
		text := padRight(r.Name, nameW) + "  " + r.Addr + "  " + loc
		if i == s.sel {
			lines = append(lines, st.List.Selected.Render(fit("› "+text, w)))
			continue
		}
		lines = append(lines, "  "+text)
	}
	return lines
}

func (s *syncScreen) planningLine(w int) string {
	st := s.c.Styles
	ev := s.progress
	if ev.Phase == "" {
		if s.client == nil {
			return st.App.Muted.Render("connecting to " + s.remote.Name + "…")
		}
		return st.App.Muted.Render("planning…")
	}
	line := fmt.Sprintf("planning… %s judged", plural(ev.Done, "path"))
	if ev.Path != "" {
		line += " · " + ev.Path
	}
	return fit(st.App.Muted.Render(line), w)
}

func (s *syncScreen) countsLine() string {
	c := s.counts()
	parts := []string{
		fmt.Sprintf("push %d", c.push),
		fmt.Sprintf("pull %d", c.pull),
	}
	if c.merge > 0 {
		parts = append(parts, fmt.Sprintf("merge %d", c.merge))
	}
	parts = append(parts,
		fmt.Sprintf("delete %d", c.deleteRemote+c.deleteLocal),
		fmt.Sprintf("conflicts %d", c.conflict),
		fmt.Sprintf("failed %d", c.failed),
		fmt.Sprintf("in sync %d", s.plan.Noop+c.adopt))
	if c.resolved > 0 {
		parts = append(parts, fmt.Sprintf("resolved %d", c.resolved))
	}
	return strings.Join(parts, " · ")
}

func (s *syncScreen) planView(w, h int) []string {
	st := s.c.Styles
	lines := append(s.titleLines(w), s.countsLine(), "")
	if len(s.rows) == 0 {
		msg := "Everything is in sync."
		if n := s.counts().adopt; n > 0 {
			msg = fmt.Sprintf("Nothing moves; a to record %s as in sync.", plural(n, "path"))
		}
		return append(lines, st.App.Muted.Render(msg))
	}
	foot := s.selectedLines(w)
	n := max(1, h-len(lines)-len(foot))
	sel := max(s.sel, 0)
	s.offset = min(max(s.offset, sel-n+1), sel)
	s.offset = max(0, min(s.offset, len(s.rows)-n))
	// The heading just above the selection stays in view.
	if s.offset > 0 && s.offset == sel && !s.rows[s.offset-1].selectable() {
		s.offset--
	}
	pathW := 0
	for _, r := range s.rows {
		switch {
		case r.item >= 0:
			pathW = max(pathW, lipgloss.Width(s.plan.Items[r.item].Path))
		case r.fail != nil:
			pathW = max(pathW, lipgloss.Width(r.fail.Path))
		}
	}
	pathW = min(pathW, max(12, w/2))
	for i := s.offset; i < len(s.rows) && i < s.offset+n; i++ {
		lines = append(lines, s.rowView(s.rows[i], i == s.sel, pathW, w))
	}
	for len(lines) < h-len(foot) {
		lines = append(lines, "")
	}
	return append(lines, foot...)
}

// selectedLines tell more about the selected row, at the foot of the plan:
// what moves which way, the warnings, or the whole error of a failure.
func (s *syncScreen) selectedLines(w int) []string {
	st := s.c.Styles
	if s.sel < 0 || s.sel >= len(s.rows) {
		return nil
	}
	r := s.rows[s.sel]
	var text string
	switch {
	case r.fail != nil:
		text = r.fail.Path + ": " + r.fail.Op + ": " + errText(r.fail.Err)
	case r.item >= 0:
		text = s.itemDetail(&s.plan.Items[r.item])
	}
	if text == "" {
		return nil
	}
	out := wrapLines(st.App.Muted.Render(text), w, "  ")
	if len(out) > 3 {
		out = append(out[:2], fit(out[2], w-1)+"…")[:3]
	}
	return append([]string{""}, out...)
}

func (s *syncScreen) itemDetail(it *wsync.Item) string {
	remote := s.remote.Name
	side := func(v int, deleted bool) string {
		switch {
		case v == 0:
			return "absent"
		case deleted:
			return fmt.Sprintf("deleted at v%d", v)
		}
		return fmt.Sprintf("v%d", v)
	}
	parts := []string{fmt.Sprintf("local %s · %s %s", side(it.LocalVersion, it.LocalDeleted), remote, side(it.RemoteVersion, it.RemoteDeleted))}
	switch it.Fields {
	case "push":
		parts = append(parts, "values → "+remote)
	case "pull":
		parts = append(parts, "values ← "+remote)
	}
	short := func(keys []string) string {
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = strings.TrimPrefix(k, "ward-")
		}
		return strings.Join(out, ", ")
	}
	if len(it.MetaPush) > 0 {
		keys := make([]string, 0, len(it.MetaPush))
		for k := range it.MetaPush {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts = append(parts, short(keys)+" → "+remote)
	}
	if len(it.MetaPull) > 0 {
		parts = append(parts, short(it.MetaPull)+" ← "+remote)
	}
	if len(it.MetaConflicts) > 0 {
		parts = append(parts, "changed on both sides: "+short(it.MetaConflicts))
	}
	if how := s.resolved[it.Path]; how != "" {
		parts = append(parts, "resolved: "+how)
	}
	text := it.Path + ": " + strings.Join(parts, " · ")
	if len(it.Warnings) > 0 {
		text += " · warning: " + strings.Join(it.Warnings, "; ")
	}
	return text
}

// actionLabel is the word in the plan's action column.
func actionLabel(a wsync.Action) string {
	switch a {
	case wsync.ActionDeleteRemote:
		return "delete remote"
	case wsync.ActionDeleteLocal:
		return "retire local"
	}
	return string(a)
}

func (s *syncScreen) rowView(r planRow, selected bool, pathW, w int) string {
	st := s.c.Styles
	if !r.selectable() {
		return st.Detail.Section.Render(fmt.Sprintf("%s (%d)", r.head, r.count))
	}
	var label, path, note string
	switch {
	case r.item >= 0:
		it := &s.plan.Items[r.item]
		label, path, note = actionLabel(it.Action), it.Path, it.Reason
		if how := s.resolved[it.Path]; how != "" {
			label, note = "resolved", how
		} else if len(it.Warnings) > 0 {
			note += " · " + plural(len(it.Warnings), "warning")
		}
	case r.skip:
		label, path, note = "skipped", r.fail.Path, errText(r.fail.Err)
	default:
		label, path, note = "failed", r.fail.Path, r.fail.Op+": "+errText(r.fail.Err)
	}
	marker := "  "
	if selected {
		marker = "› "
	}
	left := marker + padRight(label, 14) + padRight(fitMiddle(path, pathW), pathW) + "  "
	if selected {
		left = st.List.Selected.Render(left)
	}
	return fit(left+st.App.Muted.Render(note), w)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// progressBar draws done/total as a bar of width w: "[####----]" in
// block characters.
func progressBar(st *Styles, done, total, w int) string {
	w = max(4, w)
	inner := w - 2
	fill := 0
	if total > 0 {
		fill = min(inner, inner*done/total)
	}
	return "[" + st.Detail.Revealed.Render(strings.Repeat("█", fill)) + st.App.Muted.Render(strings.Repeat("░", inner-fill)) + "]"
}

func (s *syncScreen) applyingLines(w int) []string {
	st := s.c.Styles
	ev := s.progress
	total := max(ev.Total, 1)
	pct := 100 * ev.Done / total
	count := fmt.Sprintf(" %d/%d %3d%%", ev.Done, ev.Total, pct)
	msg := "Applying… esc is off until it ends; s stops it after the writes under way."
	if s.stopping {
		msg = "Stopping… the writes under way finish first."
	}
	lines := []string{
		msg,
		"",
		progressBar(&st, ev.Done, total, min(60, w-lipgloss.Width(count))) + count,
	}
	if ev.Path != "" {
		last := actionLabel(ev.Action) + " " + ev.Path
		if ev.Err != nil {
			last += " · failed"
		}
		lines = append(lines, st.App.Muted.Render("last: "+last))
	}
	return lines
}

func (s *syncScreen) summaryLines(w int) []string {
	st := s.c.Styles
	sum := s.summary
	head := fmt.Sprintf("pushed %d · pulled %d · deleted %d · conflicts %d · failures %d",
		sum.Pushed, sum.Pulled, sum.Deleted, len(sum.Conflicts), len(sum.Failures))
	lines := []string{st.App.Header.Render("Applied") + "  " + head}
	switch {
	case sum.Adopted > 0:
		lines = append(lines, st.App.Muted.Render(fmt.Sprintf("%d already in sync, %d recorded as in sync", sum.Noop, sum.Adopted)))
	case sum.Noop > 0:
		lines = append(lines, st.App.Muted.Render(fmt.Sprintf("%d already in sync", sum.Noop)))
	}
	if sum.Stopped != "" {
		lines = append(lines, "")
		lines = append(lines, wrapLines(st.Status.Error.Render("Stopped: ")+sum.Stopped, w, "  ")...)
		lines = append(lines, plural(sum.NotAttempted, "path")+" not attempted (untouched).")
		lines = append(lines, wrapLines(st.Detail.Label.Render("next   ")+syncHint(s.remote.Name, s.applyErr), w, "       ")...)
	} else if s.applyErr != nil {
		lines = append(lines, "", st.Status.Error.Render("error: ")+s.applyErr.Error())
	}
	if len(sum.Conflicts) > 0 {
		lines = append(lines, "", st.Detail.Section.Render(fmt.Sprintf("Conflicts left as they are (%d) · p to plan again and resolve", len(sum.Conflicts))))
		for _, p := range sum.Conflicts {
			lines = append(lines, "  "+p)
		}
	}
	if len(sum.Failures) > 0 {
		lines = append(lines, "", st.Detail.Section.Render(fmt.Sprintf("Failures (%d)", len(sum.Failures))))
		for _, f := range sum.Failures {
			lines = append(lines, wrapLines("  "+f.Path+"  "+st.App.Muted.Render(f.Op+": "+errText(f.Err)), w, "    ")...)
		}
	}
	if len(sum.Skipped) > 0 {
		lines = append(lines, "", st.Detail.Section.Render(fmt.Sprintf("Skipped (%d)", len(sum.Skipped))))
		for _, f := range sum.Skipped {
			lines = append(lines, fit("  "+f.Path+"  "+st.App.Muted.Render(errText(f.Err)), w))
		}
	}
	return lines
}

func (s *syncScreen) failedLines(w int) []string {
	st := s.c.Styles
	what := map[string]string{
		"list remotes": "Could not read the remotes",
		"connect":      "Could not connect to " + s.remote.Name,
		"plan":         "Could not plan the sync with " + s.remote.Name,
		"apply":        "The apply with " + s.remote.Name + " failed",
	}[s.stage]
	if what == "" {
		what = "Sync failed"
	}
	lines := []string{st.Status.Error.Render(what), ""}
	lines = append(lines, wrapLines(errText(s.err), w, "  ")...)
	if s.remote.Name != "" {
		lines = append(lines, "", st.Detail.Label.Render("where  ")+s.remote.Name+" at "+s.where())
		lines = append(lines, wrapLines(st.Detail.Label.Render("next   ")+syncHint(s.remote.Name, s.err), w, "       ")...)
	}
	return lines
}

// wrapLines wraps s to w cells, indenting the lines after the first.
func wrapLines(s string, w int, indent string) []string {
	out := strings.Split(ansi.Wrap(s, max(10, w-lipgloss.Width(indent)), " "), "\n")
	for i := 1; i < len(out); i++ {
		out[i] = indent + out[i]
	}
	return out
}
