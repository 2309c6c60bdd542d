package ui

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/crypto/gen"
	"github.com/opsward/ward/store"
)

// generate makes a new value with crypto/gen and saves it as a new version
// (merged over the current fields). The value is never drawn: reveal it on
// the detail, which is audited.

var genKinds = []gen.Kind{gen.KindPassword, gen.KindToken, gen.KindPassphrase, gen.KindSSHEd25519}

// A toggle is one on/off option of a kind.
type toggle struct {
	label string
	on    bool
}

type genRow int

const (
	gKind genRow = iota
	gSize
	gToggle // one row per toggle; index in genForm.toggleAt
	gComment
	gPrefix // tokens only
	gField
	gSave
)

type genKeys struct {
	Next, Prev, Cycle, Toggle, Save, Cancel key.Binding
}

func (k genKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Next, k.Cycle, k.Toggle, k.Save, k.Cancel}
}
func (k genKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Next, k.Prev, k.Cycle}, {k.Toggle, k.Save, k.Cancel}}
}

type generate struct {
	c    *Common
	keys genKeys
	sec  *store.Secret

	kind    int
	size    textinput.Model
	toggles map[gen.Kind][]toggle
	comment textinput.Model
	prefix  textinput.Model
	field   textinput.Model
	focus   int
	err     error
	saving  bool
}

func newGenerate(c *Common, sec *store.Secret, field string) *generate {
	g := &generate{c: c, sec: sec, keys: genKeys{
		Next:   key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab/↓", "next")),
		Prev:   key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab/↑", "previous")),
		Cycle:  key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "kind")),
		Toggle: key.NewBinding(key.WithKeys(" ", "x"), key.WithHelp("space", "toggle")),
		Save:   key.NewBinding(key.WithKeys("enter", "ctrl+s"), key.WithHelp("enter", "generate & save")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}}
	g.size = newInput("", 4)
	g.size.Validate = func(s string) error {
		if strings.Trim(s, "0123456789") != "" {
			return fmt.Errorf("digits only")
		}
		return nil
	}
	g.comment = newInput("comment, e.g. deploy@web1", gen.MaxSSHCommentLength)
	g.prefix = newInput("optional, e.g. ghp_", gen.MaxPrefixLength)
	g.field = newInput("value", gen.MaxFieldLength)
	if field == "" || field == gen.FieldPrivateKey || field == gen.FieldPublicKey {
		field = gen.FieldValue
	}
	g.field.SetValue(field)
	g.toggles = map[gen.Kind][]toggle{
		gen.KindPassword:   {{"symbols", true}, {"no look-alikes (0O1lI)", false}},
		gen.KindToken:      {{"base64url (else hex)", false}},
		gen.KindPassphrase: {{"capitalize", false}, {"add a digit", false}},
	}
	// The secret's kind picks the generator, as ctrl+g in the form does.
	if sec != nil {
		want := map[store.Kind]gen.Kind{store.KindSSHKey: gen.KindSSHEd25519, store.KindToken: gen.KindToken, store.KindAPIKey: gen.KindToken}[sec.Meta.Kind]
		if i := slices.Index(genKinds, want); i >= 0 {
			g.kind = i
		}
	}
	g.setKind(g.kind)
	return g
}

func (g *generate) genKind() gen.Kind { return genKinds[g.kind] }

// setKind switches kind and resets the size to the kind's default.
func (g *generate) setKind(k int) {
	g.kind = (k + len(genKinds)) % len(genKinds)
	switch g.genKind() {
	case gen.KindPassword:
		g.size.SetValue(strconv.Itoa(gen.DefaultPasswordLength))
	case gen.KindToken:
		g.size.SetValue(strconv.Itoa(gen.DefaultTokenBytes))
	case gen.KindPassphrase:
		g.size.SetValue(strconv.Itoa(gen.DefaultPassphraseWords))
	}
}

func (g *generate) sizeLabel() string {
	switch g.genKind() {
	case gen.KindPassword:
		return "length"
	case gen.KindToken:
		return "bytes"
	}
	return "words"
}

// rows lists the rows of the current kind; for toggles, the second value is
// the toggle's index.
func (g *generate) rows() [][2]int {
	rs := [][2]int{{int(gKind), 0}}
	if g.genKind() == gen.KindSSHEd25519 {
		rs = append(rs, [2]int{int(gComment), 0})
	} else {
		rs = append(rs, [2]int{int(gSize), 0})
		for i := range g.toggles[g.genKind()] {
			rs = append(rs, [2]int{int(gToggle), i})
		}
		if g.genKind() == gen.KindToken {
			rs = append(rs, [2]int{int(gPrefix), 0})
		}
		rs = append(rs, [2]int{int(gField), 0})
	}
	return append(rs, [2]int{int(gSave), 0})
}

func (g *generate) row() (genRow, int) {
	rs := g.rows()
	g.focus = min(max(g.focus, 0), len(rs)-1)
	return genRow(rs[g.focus][0]), rs[g.focus][1]
}

func (g *generate) rowInput(r genRow) *textinput.Model {
	switch r {
	case gSize:
		return &g.size
	case gComment:
		return &g.comment
	case gPrefix:
		return &g.prefix
	case gField:
		return &g.field
	}
	return nil
}

func (g *generate) setFocus(n int) tea.Cmd {
	r, _ := g.row()
	if in := g.rowInput(r); in != nil {
		in.Blur()
	}
	rs := g.rows()
	g.focus = (n + len(rs)) % len(rs)
	if in := g.rowInput(genRow(rs[g.focus][0])); in != nil {
		in.CursorEnd()
		return in.Focus()
	}
	return nil
}

// spec builds the generator spec from the inputs.
func (g *generate) spec() (gen.Spec, error) {
	s := gen.Spec{Kind: g.genKind(), Field: strings.TrimSpace(g.field.Value())}
	n, _ := strconv.Atoi(g.size.Value())
	t := g.toggles[s.Kind]
	switch s.Kind {
	case gen.KindPassword:
		s.Password = gen.PasswordOptions{Length: n, Lower: true, Upper: true, Digits: true, Symbols: t[0].on, ExcludeAmbiguous: t[1].on}
	case gen.KindToken:
		s.Token = gen.TokenOptions{Bytes: n, Encoding: gen.EncodingHex, Prefix: strings.TrimSpace(g.prefix.Value())}
		if t[0].on {
			s.Token.Encoding = gen.EncodingBase64URL
		}
	case gen.KindPassphrase:
		s.Passphrase = gen.PassphraseOptions{Words: n, Capitalize: t[0].on, Digit: t[1].on}
	case gen.KindSSHEd25519:
		s.SSHComment = strings.TrimSpace(g.comment.Value())
	}
	if s.Kind != gen.KindSSHEd25519 && n == 0 {
		return s, fmt.Errorf("%s must be a number above 0", g.sizeLabel())
	}
	return s, s.Validate()
}

func (g *generate) Init() tea.Cmd { return g.setFocus(0) }

// Typing is true throughout: a stray q must not quit mid-way.
func (g *generate) Typing() bool { return true }

func (g *generate) Keys() help.KeyMap {
	k := g.keys
	r, _ := g.row()
	k.Cycle.SetEnabled(r == gKind)
	k.Toggle.SetEnabled(r == gToggle)
	k.Save.SetEnabled(!g.saving)
	return k
}

// generatedMsg is the outcome of generating and saving a value.
type generatedMsg struct {
	path, spec string
	version    int
	err        error
}

func (generatedMsg) broadcast()            {}
func (m generatedMsg) ownError() bool      { return m.err != nil }
func (m generatedMsg) changedPath() string { return m.path }
func (m generatedMsg) outcome() (string, error) {
	return fmt.Sprintf("generated %s for %s (version %d)", m.spec, m.path, m.version), m.err
}

// saveGenerated writes the generated value as a new version, checked
// against the secret the dialog was opened on (sec): not over a version
// written meanwhile, not into another secret now at its path, and not
// bringing back one retired meanwhile, unseen.
func saveGenerated(c *Common, sec *store.Secret, spec gen.Spec) tea.Cmd {
	s, ctx := c.Store, c.Ctx
	path, at, orig := sec.Path, sec.Current, sec.Meta
	keep := func(cur *store.Meta) error { return mergeMeta(cur, orig, orig, orig, true) }
	return func() tea.Msg {
		vals, err := spec.Generate()
		if err != nil {
			return generatedMsg{path: path, err: fmt.Errorf("generate for %s: %w", path, err)}
		}
		f := make(store.Fields, len(vals))
		for k, v := range vals {
			f[k] = wcrypto.NewSecret(v)
		}
		vi, err := s.Set(ctx, path, f, store.SetOptions{Merge: true, Action: "gen", IfVersion: at, IfCreated: sec.Created, EditMeta: keep})
		var clash *metaClash
		switch {
		case err == nil:
		case errors.Is(err, store.ErrReplaced), errors.Is(err, store.ErrNotFound):
			err = fmt.Errorf("save generated value for %s: the secret was moved away or purged since this dialog opened: nothing was saved", path)
		case errors.As(err, &clash): // only a retire can clash: the dialog changes no metadata
			err = fmt.Errorf("save generated value for %s: it was retired elsewhere since this dialog opened: nothing was saved", path)
		case errors.Is(err, store.ErrConflict):
			err = fmt.Errorf("save generated value for %s: a new version was written elsewhere since this dialog opened: nothing was saved; esc, and g again", path)
		default:
			err = fmt.Errorf("save generated value for %s: %w", path, err)
		}
		return generatedMsg{path: path, spec: spec.String(), version: vi.N, err: err}
	}
}

func (g *generate) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case generatedMsg:
		if !g.saving || msg.path != g.sec.Path {
			return nil
		}
		g.saving = false
		if msg.err != nil {
			g.err = msg.err
			return nil
		}
		return g.c.pop(g)
	case tea.KeyMsg:
		return g.handleKey(msg)
	}
	return nil
}

func (g *generate) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := g.Keys().(genKeys)
	r, ti := g.row()
	switch {
	case key.Matches(msg, k.Cancel):
		return g.c.pop(g)
	case key.Matches(msg, k.Save):
		spec, err := g.spec()
		if err != nil {
			g.err = err
			return nil
		}
		g.err, g.saving = nil, true
		return saveGenerated(g.c, g.sec, spec)
	case key.Matches(msg, k.Next):
		return g.setFocus(g.focus + 1)
	case key.Matches(msg, k.Prev):
		return g.setFocus(g.focus - 1)
	case key.Matches(msg, k.Cycle):
		d := 1
		if msg.String() == "left" {
			d = -1
		}
		g.setKind(g.kind + d)
		return nil
	case key.Matches(msg, k.Toggle):
		ts := g.toggles[g.genKind()]
		ts[ti].on = !ts[ti].on
		return nil
	}
	if in := g.rowInput(r); in != nil {
		var cmd tea.Cmd
		*in, cmd = in.Update(msg)
		return cmd
	}
	return nil
}

func (g *generate) View(w, h int) string {
	st := g.c.Styles
	cur, curT := g.row()
	labelW := 10
	line := func(r genRow, label, body string) string {
		marker, l := "  ", st.Form.Label.Render(padRight(label, labelW))
		if r == cur {
			marker, l = "› ", st.Form.Focused.Render(padRight(label, labelW))
		}
		return fit(marker+l+body, w)
	}
	input := func(in *textinput.Model) string {
		in.Width = max(8, w-labelW-4)
		return in.View()
	}
	lines := []string{fit(st.App.Header.Render("Generate a new value for "+g.sec.Path), w), ""}
	lines = append(lines, line(gKind, "kind", "‹ "+string(g.genKind())+" ›"))
	if g.genKind() == gen.KindSSHEd25519 {
		lines = append(lines, line(gComment, "comment", input(&g.comment)))
		lines = append(lines, fit(st.Form.Hint.Render("  writes fields private_key and public_key"), w))
	} else {
		lines = append(lines, line(gSize, g.sizeLabel(), input(&g.size)))
		for i, t := range g.toggles[g.genKind()] {
			box := "[ ] "
			if t.on {
				box = "[x] "
			}
			r := gToggle
			if !(cur == gToggle && curT == i) {
				r = -1
			}
			lines = append(lines, line(r, "", box+t.label))
		}
		if g.genKind() == gen.KindToken {
			lines = append(lines, line(gPrefix, "prefix", input(&g.prefix)))
		}
		lines = append(lines, line(gField, "field", input(&g.field)))
	}
	lines = append(lines, "")
	spec, specErr := g.spec()
	if specErr != nil {
		lines = append(lines, fit(st.Form.Error.Render(specErr.Error()), w))
	} else {
		lines = append(lines, fit(fmt.Sprintf("entropy: %.0f bits · spec %s", spec.Bits(), spec.String()), w))
	}
	save := "[ generate & save as a new version ]"
	if g.saving {
		save = "generating…"
	}
	lines = append(lines, line(gSave, "", save))
	// A save refused for the spec's reason says it once, above.
	if g.err != nil && (specErr == nil || !strings.Contains(g.err.Error(), specErr.Error())) {
		lines = append(lines, "")
		for _, l := range wrapAtMost(g.err.Error(), w, 4) { // whole, not cut at the edge
			lines = append(lines, st.Form.Error.Render(fit(l, w)))
		}
	}
	return scrollTo(lines, len(lines)-1, h)
}
