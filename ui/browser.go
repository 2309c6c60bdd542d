package ui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/opsward/ward/store"
)

// browserKeys are the list's bindings. While the filter has the focus only
// the arrow keys, enter and esc act on the list; letters go to the filter.
type browserKeys struct {
	Up, Down, PgUp, PgDown, Home, End key.Binding
	Open, Filter, Clear, Add          key.Binding
	Sync                              key.Binding // only with a remote
}

func newBrowserKeys() browserKeys {
	return browserKeys{
		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PgUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PgDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		Home:   key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("home/g", "first")),
		End:    key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("end/G", "last")),
		Open:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Filter: key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Clear:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		Add:    key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add secret")),
		Sync:   key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "sync"), key.WithDisabled()),
	}
}

// forMode returns the bindings that apply: letters are the filter's while
// it has the focus.
func (k browserKeys) forMode(typing, filtered bool) browserKeys {
	if typing {
		k.Up = key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "up"))
		k.Down = key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "down"))
		k.Home = key.NewBinding(key.WithKeys("home"), key.WithHelp("home", "first"), key.WithDisabled())
		k.End = key.NewBinding(key.WithKeys("end"), key.WithHelp("end", "last"), key.WithDisabled())
		k.Filter.SetEnabled(false)
		k.Add.SetEnabled(false)
		k.Sync.SetEnabled(false)
	}
	k.Clear.SetEnabled(typing || filtered)
	return k
}

func (k browserKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Open, k.Filter, k.Clear, k.Add, k.Sync}
}

func (k browserKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PgUp, k.PgDown},
		{k.Home, k.End, k.Open},
		{k.Filter, k.Clear, k.Add, k.Sync},
	}
}

// browser lists every secret, grouped by folder, or ranked by the filter.
// It draws only the rows on screen, so 100,000 secrets cost no more per
// frame than 100.
type browser struct {
	c    *Common
	keys browserKeys

	loaded bool
	rev    uint64 // the store's revision at the last look (see watch.go)
	heads  []store.Head
	lower  []string // lower-case paths, for the filter
	// The grouped view: rows are head indexes (>= 0) or folder headings
	// (-(folder index)-1).
	folders []string
	tree    []int32

	input  textinput.Model
	query  string
	cands  []int32 // heads matching query, in path order
	ranked []int32 // cands, best first: the rows while filtering

	cursor, offset int
	pageRows       int    // rows drawn at the last View, for paging
	selectPath     string // to select once the next load arrives
	hasRemotes     bool   // the sync key shows only then
}

func newBrowser(c *Common) *browser {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = "type to filter"
	in.Cursor.SetMode(cursor.CursorStatic)
	return &browser{c: c, keys: newBrowserKeys(), input: in, pageRows: 10}
}

// headsLoadedMsg carries the list of secrets.
type headsLoadedMsg struct {
	heads []store.Head
	err   error
}

func loadHeads(c *Common) tea.Cmd {
	s, ctx := c.Store, c.Ctx
	return func() tea.Msg {
		hs, err := s.List(ctx, "")
		if err != nil {
			err = fmt.Errorf("list secrets in %s: %w", s.File, err)
		}
		return headsLoadedMsg{hs, err}
	}
}

func (b *browser) Init() tea.Cmd {
	return tea.Batch(loadHeads(b.c), loadRemotes(b.c, nil), readRevision(b.c))
}

func (b *browser) Typing() bool { return b.input.Focused() }

func (b *browser) Keys() help.KeyMap {
	k := b.keys
	k.Sync.SetEnabled(b.hasRemotes)
	return k.forMode(b.Typing(), b.query != "")
}

func (b *browser) filterText() string { return b.query }

func (b *browser) matchCount() int { return len(b.ranked) }

// setHeads installs a new list, keeping the filter and the selection.
func (b *browser) setHeads(hs []store.Head) {
	keep := b.selectPath
	if keep == "" {
		keep = b.selectedPath()
	}
	b.selectPath = ""
	b.heads, b.loaded = hs, true
	b.lower = make([]string, len(hs))
	for i := range hs {
		b.lower[i] = strings.ToLower(hs[i].Path)
	}
	b.buildTree()
	q := b.query
	b.query, b.cands = "", nil
	b.applyFilter(q)
	b.cursor = 0
	if keep != "" {
		b.selectByPath(keep)
	}
	b.clampCursor(1)
}

// buildTree groups the heads by folder: a stable sort on the folder part
// keeps the store's path order within each folder.
func (b *browser) buildTree() {
	idx := make([]int32, len(b.heads))
	dir := make([]string, len(b.heads))
	for i := range b.heads {
		idx[i] = int32(i)
		p := b.heads[i].Path
		dir[i] = p[:max(0, lastSlash(p))]
	}
	slices.SortStableFunc(idx, func(x, y int32) int { return strings.Compare(dir[x], dir[y]) })
	b.folders = b.folders[:0]
	b.tree = make([]int32, 0, len(idx)+len(idx)/8)
	for n, i := range idx {
		if n == 0 || dir[i] != dir[idx[n-1]] {
			b.folders = append(b.folders, dir[i])
			b.tree = append(b.tree, -int32(len(b.folders)))
		}
		b.tree = append(b.tree, i)
	}
}

func (b *browser) rows() []int32 {
	if b.query != "" {
		return b.ranked
	}
	return b.tree
}

// applyFilter matches q against every path; a query that extends the last
// one only searches the last matches.
func (b *browser) applyFilter(q string) {
	q = strings.ToLower(q)
	if q == b.query {
		return
	}
	terms := strings.Fields(q)
	if len(terms) == 0 {
		b.query, b.cands, b.ranked = "", nil, nil
		return
	}
	var pool []int32
	if b.query != "" && strings.HasPrefix(q, b.query) {
		pool = b.cands
	}
	cands := make([]int32, 0, 1024)
	scores := make([]int32, 0, 1024)
	var best int32
	try := func(i int32) {
		if s, ok := fuzzyScoreTerms(b.lower[i], terms); ok {
			cands = append(cands, i)
			scores = append(scores, int32(s))
			best = max(best, int32(s))
		}
	}
	if pool != nil {
		for _, i := range pool {
			try(i)
		}
	} else {
		for i := range b.lower {
			try(int32(i))
		}
	}
	b.query, b.cands = q, cands
	b.ranked = rankByScore(cands, scores, best)
}

func (b *browser) selectedPath() string {
	rows := b.rows()
	if b.cursor < 0 || b.cursor >= len(rows) || rows[b.cursor] < 0 {
		return ""
	}
	return b.heads[rows[b.cursor]].Path
}

func (b *browser) selectByPath(p string) {
	for n, i := range b.rows() {
		if i >= 0 && b.heads[i].Path == p {
			b.cursor = n
			return
		}
	}
}

// clampCursor keeps the cursor in range and off folder headings, moving in
// direction dir (+1 or -1) to find a secret, then the other way.
func (b *browser) clampCursor(dir int) {
	rows := b.rows()
	if len(rows) == 0 {
		b.cursor = 0
		return
	}
	b.cursor = min(max(b.cursor, 0), len(rows)-1)
	for _, d := range []int{dir, -dir} {
		for c := b.cursor; c >= 0 && c < len(rows); c += d {
			if rows[c] >= 0 {
				b.cursor = c
				return
			}
		}
	}
}

func (b *browser) move(delta int) {
	b.cursor += delta
	dir := 1
	if delta < 0 {
		dir = -1
	}
	b.clampCursor(dir)
}

func (b *browser) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case headsLoadedMsg:
		if msg.err == nil {
			b.setHeads(msg.heads)
		}
		return nil
	case remotesLoadedMsg:
		// Not knowing (an unreadable remote list) hides the key; the sync
		// screen would report the error.
		if msg.to == nil {
			b.hasRemotes = msg.err == nil && len(msg.remotes) > 0
		}
		return nil
	case watchTickMsg:
		return readRevision(b.c)
	case revisionMsg:
		return b.handleRevision(msg)
	case changeResult:
		if _, err := msg.outcome(); err == nil {
			b.selectPath = msg.changedPath()
			return loadHeads(b.c)
		}
		return nil
	case tea.KeyMsg:
		return b.handleKey(msg)
	}
	return nil
}

func (b *browser) handleKey(msg tea.KeyMsg) tea.Cmd {
	typing := b.Typing()
	k := b.Keys().(browserKeys)
	page := max(1, b.lastPage())
	switch {
	case key.Matches(msg, k.Up):
		b.move(-1)
	case key.Matches(msg, k.Down):
		b.move(1)
	case key.Matches(msg, k.PgUp):
		b.move(-page)
	case key.Matches(msg, k.PgDown):
		b.move(page)
	case key.Matches(msg, k.Home):
		b.cursor = 0
		b.clampCursor(1)
	case key.Matches(msg, k.End):
		b.cursor = len(b.rows()) - 1
		b.clampCursor(-1)
	case key.Matches(msg, k.Open):
		b.input.Blur()
		if p := b.selectedPath(); p != "" {
			return b.c.push(newDetail(b.c, p))
		}
	case key.Matches(msg, k.Clear):
		// The secret found with the filter stays selected in the whole
		// list.
		keep := b.selectedPath()
		b.input.Blur()
		b.input.SetValue("")
		b.applyFilter("")
		if keep != "" {
			b.selectByPath(keep)
		}
		b.clampCursor(1)
	case key.Matches(msg, k.Filter):
		return b.input.Focus()
	case key.Matches(msg, k.Add):
		return b.c.push(newSecretForm(b.c, nil))
	case key.Matches(msg, k.Sync):
		return b.c.push(newSyncScreen(b.c))
	case typing:
		var cmd tea.Cmd
		b.input, cmd = b.input.Update(msg)
		if strings.ToLower(b.input.Value()) != b.query {
			b.applyFilter(b.input.Value())
			b.cursor = 0
			b.clampCursor(1)
		}
		return cmd
	}
	return nil
}

// lastPage is the number of rows on screen at the last draw.
func (b *browser) lastPage() int { return b.pageRows }

// View draws the filter line and the visible rows. It records the page size
// and scroll offset it drew with, so paging moves by what was seen.
func (b *browser) View(w, h int) string {
	st := b.c.Styles
	var lines []string
	switch {
	case b.Typing() || b.query != "":
		b.input.Width = max(1, w-4)
		lines = append(lines, b.input.View())
	case !b.loaded:
		lines = append(lines, st.App.Muted.Render("loading secrets…"))
	default:
		lines = append(lines, st.App.Muted.Render(fmt.Sprintf("%s in %s · / to filter", plural(len(b.heads), "secret"), plural(len(b.folders), "folder"))))
	}
	rows := b.rows()
	n := max(1, h-len(lines))
	b.pageRows = n
	if b.loaded && len(rows) == 0 {
		msg := "no secrets yet · a to add one"
		if b.query != "" {
			msg = "nothing matches " + quoteShown(b.query)
		}
		return strings.Join(append(lines, st.App.Muted.Render(msg)), "\n")
	}
	b.offset = min(max(b.offset, b.cursor-n+1), b.cursor)
	b.offset = max(0, min(b.offset, len(rows)-n))
	// A folder heading just above the selection stays in view.
	if b.offset > 0 && b.offset == b.cursor && rows[b.offset-1] < 0 {
		b.offset--
	}
	now := b.c.Now()
	// Scrolled into a folder: its heading stays on the first line, so a
	// row is never shown without the folder it is in.
	if b.query == "" && b.offset > 0 && rows[b.offset] >= 0 && n > 2 {
		if b.cursor >= b.offset+n-1 {
			b.offset++ // the heading takes a line: keep the cursor in view
		}
		if rows[b.offset] >= 0 {
			for r := b.offset - 1; r >= 0; r-- {
				if rows[r] < 0 {
					lines = append(lines, fit(b.rowView(rows[r], false, w, now)+st.App.Muted.Render(" (continued)"), w))
					n--
					break
				}
			}
		}
	}
	end := min(len(rows), b.offset+n)
	if end < len(rows) && end-b.offset > 1 && rows[end-1] < 0 {
		end-- // a heading whose rows are all below: it shows with them
	}
	for r := b.offset; r < end; r++ {
		lines = append(lines, b.rowView(rows[r], r == b.cursor, w, now))
	}
	return strings.Join(lines, "\n")
}
