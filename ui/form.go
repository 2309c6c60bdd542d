package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/crypto/gen"
	"github.com/opsward/ward/store"
)

// The form adds a secret, or edits one's metadata and values. It never
// shows a value: value inputs echo bullets, and editing starts them empty
// ("unchanged") rather than reading the current values, which would be an
// unaudited retrieval.

type formKeys struct {
	Next, Prev, Cycle, AddField, Generate, Save, Cancel key.Binding
}

func (k formKeys) ShortHelp() []key.Binding {
	// What a narrow screen shows first: a key hidden behind the ellipsis
	// (ctrl+n, at 80 columns) could not be found.
	return []key.Binding{k.Save, k.Next, k.Cycle, k.AddField, k.Generate, k.Cancel, k.Prev}
}
func (k formKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Next, k.Prev, k.Cycle}, {k.AddField, k.Generate, k.Save, k.Cancel}}
}

// Meta inputs, in order.
const (
	inPath = iota
	inOwner
	inTags
	inUsage
	inDesc
	inRotate
	inExpires
	numMetaInputs
)

var metaLabels = [numMetaInputs]string{"path", "owner", "tags", "usage", "description", "rotate every", "expires"}

type fieldInput struct {
	name, value textinput.Model
	// held is a generated value the one-line input cannot hold (an SSH
	// private key's lines): saved as it is unless something is typed.
	held wcrypto.Secret
	// suggested: the name was put there by the form ("value", a kind's
	// usual fields); the first character typed replaces it.
	suggested bool
	// orig, in the edit form, is the name the field has in the current
	// version: a changed name renames it, an emptied one removes it.
	orig string
	// enterAt: when enter was last pressed in the value input. It does
	// not move on: a paste of several lines without bracketed paste
	// arrives as lines and enters, and would put line 2 in the next
	// input, shown. broken: text came right after that enter (within
	// pasteGap: no one types that fast), so the value lost a line break;
	// saving is refused until the value is cleared.
	enterAt time.Time
	broken  bool
}

// pasteGap: text this soon after an enter came with it, in one paste.
const pasteGap = 50 * time.Millisecond

const valuePlaceholder = "(typed value is not shown)"

// Focus targets: a meta input, the kind selector, a field's name or value,
// or one of the two buttons.
type focusKind int

const (
	fMeta focusKind = iota
	fKind
	fStatus
	fFieldName
	fFieldValue
	fAddField
	fSave
)

type focusTarget struct {
	kind focusKind
	i    int
}

type secretForm struct {
	c    *Common
	keys formKeys
	edit *store.Secret // nil: adding
	base store.Meta    // editing: the metadata as the form first showed it

	meta   [numMetaInputs]textinput.Model
	kind   int // index into store.Kinds
	status int // index into store.Statuses
	fields []fieldInput
	focus  int
	err    error
	note   string // what the last ctrl+g did, until the next key
	saving string // the path being saved, until its savedMsg
	dirty  bool   // something was typed or changed: esc asks first
}

func newSecretForm(c *Common, edit *store.Secret) *secretForm {
	f := &secretForm{c: c, edit: edit, keys: formKeys{
		Next:     key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab/↓", "next")),
		Prev:     key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab/↑", "previous")),
		Cycle:    key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "choose")),
		AddField: key.NewBinding(key.WithKeys("ctrl+n"), key.WithHelp("ctrl+n", "add field")),
		Generate: key.NewBinding(key.WithKeys("ctrl+g"), key.WithHelp("ctrl+g", "generate value")),
		Save:     key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}}
	// Placeholders say "e.g.": without colour they must not pass for values.
	ph := [numMetaInputs]string{"e.g. prod/payments/db", "e.g. team-payments", "e.g. pci, db", "e.g. ci:github/acme/api, k8s:prod/payments", "e.g. primary database", "e.g. 90d; empty for none", "e.g. 2027-01-31; empty for none"}
	for i := range f.meta {
		f.meta[i] = newInput(ph[i], 0)
	}
	// No character limits on the path and names: a pasted name cut to
	// the limit without a word was saved as another name; the save says
	// what is too long instead.
	f.kind = slices.Index(store.Kinds, store.KindPassword)
	f.status = slices.Index(store.Statuses, store.StatusActive)
	if edit == nil {
		f.addField("value")
	} else {
		m := edit.Meta
		f.meta[inPath].SetValue(edit.Path)
		f.meta[inOwner].SetValue(m.Owner)
		f.meta[inTags].SetValue(strings.Join(m.Tags, ", "))
		f.meta[inUsage].SetValue(strings.Join(m.Usage, ", "))
		f.meta[inDesc].SetValue(m.Description)
		if m.RotateEvery > 0 {
			f.meta[inRotate].SetValue(m.RotateEvery.String())
		}
		if k := slices.Index(store.Kinds, m.Kind); k >= 0 {
			f.kind = k
		}
		if i := slices.Index(store.Statuses, m.Status); i >= 0 {
			f.status = i
		}
		f.meta[inExpires].SetValue(store.FormatExpiry(m.Expires))
		// What the form shows, read back as a save reads it: a save
		// changes only what differs from it (mergeMeta).
		if b, err := f.collectMeta(); err == nil {
			f.base = b
		} else {
			f.base = m
		}
		if v, ok := edit.Version(edit.Current); ok {
			for _, name := range v.Fields {
				f.addField(name)
			}
		}
	}
	return f
}

func (f *secretForm) addField(name string) {
	fi := fieldInput{name: newInput("e.g. password", 0), value: newSecretInput(valuePlaceholder)}
	fi.name.SetValue(name)
	fi.suggested = f.edit == nil && name != ""
	if f.edit != nil && name != "" {
		fi.value.Placeholder = "unchanged"
		fi.orig = name
	}
	f.fields = append(f.fields, fi)
}

func (f *secretForm) targets() []focusTarget {
	var ts []focusTarget
	if f.edit == nil {
		ts = append(ts, focusTarget{fMeta, inPath})
	}
	ts = append(ts, focusTarget{fKind, 0}, focusTarget{fStatus, 0})
	for i := inOwner; i < numMetaInputs; i++ {
		ts = append(ts, focusTarget{fMeta, i})
	}
	for i := range f.fields {
		ts = append(ts, focusTarget{fFieldName, i}, focusTarget{fFieldValue, i})
	}
	return append(ts, focusTarget{fAddField, 0}, focusTarget{fSave, 0})
}

func (f *secretForm) current() focusTarget {
	ts := f.targets()
	f.focus = min(max(f.focus, 0), len(ts)-1)
	return ts[f.focus]
}

func (f *secretForm) input(t focusTarget) *textinput.Model {
	switch t.kind {
	case fMeta:
		return &f.meta[t.i]
	case fFieldName:
		return &f.fields[t.i].name
	case fFieldValue:
		return &f.fields[t.i].value
	}
	return nil
}

// setFocus moves the focus to target n and focuses its input, if any.
func (f *secretForm) setFocus(n int) tea.Cmd {
	if in := f.input(f.current()); in != nil {
		in.Blur()
	}
	for i := range f.fields {
		f.fields[i].enterAt = time.Time{} // an enter, then tab away: not a paste
	}
	ts := f.targets()
	f.focus = (n + len(ts)) % len(ts)
	if in := f.input(ts[f.focus]); in != nil {
		in.CursorEnd()
		return in.Focus()
	}
	return nil
}

func (f *secretForm) Init() tea.Cmd { return f.setFocus(f.focus) }

// Typing is true for the whole form: a stray q must not quit with a
// half-entered secret.
func (f *secretForm) Typing() bool { return true }

// HelpKeyFree: on the kind and status selectors and the buttons, ? opens
// the help (in a text input it is typed).
func (f *secretForm) HelpKeyFree() bool { return f.input(f.current()) == nil }

func (f *secretForm) Keys() help.KeyMap {
	k := f.keys
	k.Cycle.SetEnabled(f.current().kind == fKind || f.current().kind == fStatus)
	k.Save.SetEnabled(f.saving == "")
	return k
}

// savedMsg is the outcome of the form's save.
type savedMsg struct {
	path      string
	added     bool
	version   int
	unchanged bool // the edit changed nothing, and nothing was written
	revived   bool // a new version brought the retired secret back
	err       error
}

func (savedMsg) broadcast()            {}
func (m savedMsg) ownError() bool      { return m.err != nil }
func (m savedMsg) changedPath() string { return m.path }
func (m savedMsg) outcome() (string, error) {
	if m.added {
		return "added " + m.path, m.err
	}
	if m.unchanged {
		return "nothing changed in " + m.path, m.err
	}
	if m.revived {
		return fmt.Sprintf("saved %s (version %d); it is active again", m.path, m.version), m.err
	}
	if m.version > 0 {
		return fmt.Sprintf("saved %s (version %d)", m.path, m.version), m.err
	}
	return "saved " + m.path, m.err
}

func (f *secretForm) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case discardFormMsg:
		if msg.f == f {
			return f.c.pop(f)
		}
		return nil
	case savedMsg:
		if f.saving == "" || msg.path != f.saving {
			return nil
		}
		f.saving = ""
		if msg.err != nil {
			f.err = msg.err
			return nil
		}
		return f.c.pop(f)
	case tea.KeyMsg:
		return f.handleKey(msg)
	}
	return nil
}

func (f *secretForm) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := f.Keys().(formKeys)
	cur := f.current()
	f.note = ""
	switch {
	case key.Matches(msg, k.Cancel):
		if !f.dirty {
			return f.c.pop(f)
		}
		// Typed input (a value perhaps typed from paper) is not thrown
		// away on one key.
		return f.c.openDialog(newConfirm(f.c, "Discard this form?", "What you typed here is not saved.", "discard", func() tea.Msg { return discardFormMsg{f} }))
	case key.Matches(msg, k.Save):
		return f.save()
	case key.Matches(msg, k.AddField):
		f.addField("")
		return f.setFocus(len(f.targets()) - 4)
	case key.Matches(msg, k.Generate):
		if f.err = f.generate(cur); f.err == nil {
			f.note = "generated " + f.generatedWhat() + " (masked): ctrl+s saves it; typing in a value replaces it"
		}
		return nil
	case key.Matches(msg, k.Next):
		return f.setFocus(f.focus + 1)
	case key.Matches(msg, k.Prev):
		return f.setFocus(f.focus - 1)
	case key.Matches(msg, k.Cycle):
		d := 1
		if msg.String() == "left" {
			d = -1
		}
		f.dirty = true
		if cur.kind == fStatus {
			f.status = (f.status + d + len(store.Statuses)) % len(store.Statuses)
			return nil
		}
		f.kind = (f.kind + d + len(store.Kinds)) % len(store.Kinds)
		f.suggestFields()
		return nil
	case msg.Type == tea.KeyEnter:
		switch cur.kind {
		case fFieldValue:
			// Empty or not: a paste that begins with a line break would
			// otherwise type its next line into the next input, shown.
			if cur.i < len(f.fields) {
				f.fields[cur.i].enterAt = f.c.Now()
			}
			f.note = "enter stays in a value (a line break cannot go in it): tab moves on"
			return nil
		case fAddField:
			f.addField("")
			return f.setFocus(len(f.targets()) - 4)
		case fSave:
			return f.save()
		}
		return f.setFocus(f.focus + 1)
	}
	if msg.Paste && strings.ContainsAny(string(msg.Runes), "\n\r\t") {
		// The one-line input would turn them into spaces: a pasted PEM
		// key, saved changed without a word.
		f.err = errors.New("pasted text with line breaks or tabs: this one-line input would change it")
		if cur.kind == fFieldValue {
			f.err = errors.New("pasted text with line breaks or tabs: this one-line input would change it. Set such a value from a file: ward set PATH#FIELD < FILE")
		}
		return nil
	}
	var fi *fieldInput
	if (cur.kind == fFieldName || cur.kind == fFieldValue) && cur.i < len(f.fields) {
		fi = &f.fields[cur.i]
	}
	if in := f.input(cur); in != nil {
		if cur.kind == fFieldName && fi.suggested && msg.Type == tea.KeyRunes {
			in.SetValue("") // typing a name replaces the suggested one
		}
		before := in.Value()
		var cmd tea.Cmd
		*in, cmd = in.Update(msg)
		if cur.kind == fFieldValue {
			switch {
			case in.Value() == "":
				if fi.broken {
					f.err = nil // answered
				}
				fi.enterAt, fi.broken = time.Time{}, false
			case !fi.enterAt.IsZero() && f.c.Now().Sub(fi.enterAt) < pasteGap && in.Value() != before && msg.Type == tea.KeyRunes:
				fi.broken = true
				f.err = errLineBreak(strings.TrimSpace(fi.name.Value()))
			}
		}
		if in.Value() != before {
			f.dirty = true
			if cur.kind == fFieldName {
				fi.suggested = false
			}
			if cur.kind == fFieldValue && fi.held.Len() > 0 {
				fi.held = wcrypto.Secret{} // typed over the generated value
				in.Placeholder = valuePlaceholder
			}
		}
		return cmd
	}
	return nil
}

func errLineBreak(field string) error {
	return fmt.Errorf("field %q: text came after an enter (a paste of several lines?), and this one-line input cannot keep the line break: clear the value (ctrl+u) and set such a value from a file: ward set PATH#FIELD < FILE", field)
}

// kindFields are the fields a new secret of a kind usually has.
var kindFields = map[store.Kind][]string{
	store.KindSSHKey:      {"private_key", "public_key"},
	store.KindTLSCert:     {"certificate", "private_key"},
	store.KindOAuthClient: {"client_id", "client_secret"},
}

// suggestFields gives a new secret the kind's usual fields, as long as
// nothing was typed in the fields yet (names as suggested, values empty).
func (f *secretForm) suggestFields() {
	if f.edit != nil {
		return
	}
	for _, fi := range f.fields {
		if fi.value.Value() != "" || !fi.held.IsZero() {
			return
		}
	}
	names := make([]string, 0, len(f.fields))
	for _, fi := range f.fields {
		names = append(names, strings.TrimSpace(fi.name.Value()))
	}
	suggested := func(ns []string) bool {
		if slices.Equal(ns, []string{gen.FieldValue}) {
			return true
		}
		for _, fs := range kindFields {
			if slices.Equal(ns, fs) {
				return true
			}
		}
		return false
	}
	if !suggested(names) {
		return // names of the operator's own: left alone
	}
	want, ok := kindFields[store.Kinds[f.kind]]
	if !ok {
		want = []string{gen.FieldValue}
	}
	if slices.Equal(names, want) {
		return
	}
	f.fields = nil
	for _, n := range want {
		f.addField(n)
	}
}

// generate fills values from crypto/gen by the kind: an SSH key pair
// into private_key and public_key, a token (32 bytes, hex) for tokens and
// API keys, else a password; a single value goes to the field that has the
// focus, or the first one. Values stay masked, as typed ones do.
func (f *secretForm) generate(cur focusTarget) error {
	spec := gen.Spec{Kind: gen.KindPassword}
	switch store.Kinds[f.kind] {
	case store.KindSSHKey:
		spec = gen.Spec{Kind: gen.KindSSHEd25519}
	case store.KindToken, store.KindAPIKey:
		spec = gen.Spec{Kind: gen.KindToken}
	}
	vals, err := spec.Generate()
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	set := func(name, v string) {
		for i := range f.fields {
			if strings.TrimSpace(f.fields[i].name.Value()) == name {
				f.setValue(i, v)
				return
			}
		}
		// An untouched first field ("value", nothing typed) gives way.
		if len(f.fields) == 1 && f.fields[0].value.Value() == "" && f.fields[0].held.IsZero() && f.fields[0].name.Value() == gen.FieldValue {
			f.fields[0].name.SetValue(name)
			f.setValue(0, v)
			return
		}
		f.addField(name)
		f.setValue(len(f.fields)-1, v)
	}
	if len(vals) > 1 {
		for _, name := range spec.Fields() {
			set(name, vals[name])
		}
	} else {
		i := 0
		if (cur.kind == fFieldName || cur.kind == fFieldValue) && cur.i < len(f.fields) {
			i = cur.i
		}
		if len(f.fields) == 0 {
			f.addField(gen.FieldValue)
		}
		for _, v := range vals {
			f.setValue(i, v)
		}
	}
	f.dirty = true
	return nil
}

// generatedWhat names what ctrl+g makes for the form's kind.
func (f *secretForm) generatedWhat() string {
	switch store.Kinds[f.kind] {
	case store.KindSSHKey:
		return "an ssh-ed25519 key pair"
	case store.KindToken, store.KindAPIKey:
		return "a token"
	}
	return "a password"
}

// setValue puts a generated value in field i: in its input when one line
// holds it, else held whole beside it (an input would turn the line breaks
// of an SSH private key into spaces), with the input saying so.
func (f *secretForm) setValue(i int, v string) {
	fi := &f.fields[i]
	fi.suggested = false
	if !strings.ContainsAny(v, "\n\r\t") {
		fi.value.SetValue(v)
		fi.held = wcrypto.Secret{}
		fi.value.Placeholder = valuePlaceholder
		return
	}
	fi.value.SetValue("")
	fi.held = wcrypto.NewSecret(v)
	fi.value.Placeholder = fmt.Sprintf("(generated, %s, kept whole: type to replace)", plural(strings.Count(strings.TrimRight(v, "\n"), "\n")+1, "line"))
}

// discardFormMsg is the yes of the discard question for form f.
type discardFormMsg struct{ f *secretForm }

// collectMeta reads the metadata inputs.
func (f *secretForm) collectMeta() (store.Meta, error) {
	rot, err := store.ParseDuration(f.meta[inRotate].Value())
	if err != nil {
		return store.Meta{}, fmt.Errorf("rotate every: %w", err)
	}
	exp, err := store.ParseExpiry(f.meta[inExpires].Value())
	if err != nil {
		return store.Meta{}, err
	}
	return store.Meta{
		Kind:        store.Kinds[f.kind],
		Status:      store.Statuses[f.status],
		Expires:     exp,
		Owner:       strings.TrimSpace(f.meta[inOwner].Value()),
		Tags:        splitList(f.meta[inTags].Value()),
		Usage:       splitList(f.meta[inUsage].Value()),
		Description: strings.TrimSpace(f.meta[inDesc].Value()),
		RotateEvery: rot,
	}, nil
}

// formResult is what a valid form saves.
type formResult struct {
	path string
	meta store.Meta
	vals store.Fields
	// In the edit form: fields renamed (old name to new) and removed.
	rename map[string]string
	del    []string
}

// collect validates the form and builds what to save. Errors name the
// input, never repeat a value.
func (f *secretForm) collect() (formResult, error) {
	var r formResult
	path, err := store.CleanPath(f.meta[inPath].Value())
	if err != nil {
		return r, err
	}
	m, err := f.collectMeta()
	if err != nil {
		return r, err
	}
	r.path, r.meta = path, m
	r.vals = store.Fields{}
	names := map[string]bool{} // every name the new version will have
	for i, fi := range f.fields {
		name := strings.TrimSpace(fi.name.Value())
		v := fi.value.Value()
		if fi.broken && v != "" {
			return r, errLineBreak(name)
		}
		if v == "" && !fi.held.IsZero() {
			v = fi.held.Reveal()
		}
		if name == "" {
			if v != "" {
				return r, fmt.Errorf("field %d has a value but no name", i+1)
			}
			if fi.orig != "" {
				r.del = append(r.del, fi.orig) // name emptied: removed
			}
			continue
		}
		if _, err := store.CleanField(name); err != nil {
			return r, fmt.Errorf("field %d: %w", i+1, err)
		}
		if names[name] {
			return r, fmt.Errorf("field %q appears twice", name)
		}
		names[name] = true
		if fi.orig != "" && name != fi.orig {
			if v == "" {
				if r.rename == nil {
					r.rename = map[string]string{}
				}
				r.rename[fi.orig] = name // the value moves, unread
			} else {
				r.del = append(r.del, fi.orig)
			}
		}
		if v == "" {
			if fi.orig == "" { // a new field: it needs a value
				return r, fmt.Errorf("field %q has no value", name)
			}
			continue // unchanged (or renamed above)
		}
		r.vals[name] = wcrypto.NewSecret(v)
	}
	if f.edit == nil && len(r.vals) == 0 {
		return r, errors.New("a secret needs at least one field with a value")
	}
	if len(names) == 0 {
		return r, errors.New("a secret keeps at least one field: to remove it all, retire it (d)")
	}
	return r, nil
}

// splitList reads a comma-separated list, each item once (as ward meta
// --tag adds a tag once).
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func (f *secretForm) save() tea.Cmd {
	if f.saving != "" {
		return nil
	}
	r, err := f.collect()
	if err != nil {
		f.err = err
		return nil
	}
	path, m := r.path, r.meta
	f.err, f.saving = nil, path
	s, ctx := f.c.Store, f.c.Ctx
	if f.edit == nil {
		return func() tea.Msg {
			vi, err := s.Set(ctx, path, r.vals, store.SetOptions{CreateOnly: true, Meta: &m})
			if err != nil {
				err = fmt.Errorf("add %s: %w", path, err)
			}
			return savedMsg{path: path, added: true, version: vi.N, err: err}
		}
	}
	at := opened{version: f.edit.Current, created: f.edit.Created}
	orig, base := f.edit.Meta, f.base
	return func() tea.Msg { return editSecret(ctx, s, at, orig, base, r) }
}

// mergeMeta applies the edit form's metadata (want) to cur, the secret's
// metadata as it is in the store now, one field at a time. A field the form
// left as it showed it (base) keeps cur's value: a change made elsewhere
// while the form was open (`ward meta --status compromised` in another
// terminal, a sync) is not undone by a save that did not touch it. A field
// the form changed is taken, unless it was also changed elsewhere to
// something else since the form opened (orig): then nothing is saved and
// the error names the fields.
func mergeMeta(cur *store.Meta, orig, base, want store.Meta, writesValues bool) error {
	c := &metaClash{}
	mergeField(c, "kind", &cur.Kind, orig.Kind, base.Kind, want.Kind, eq)
	mergeField(c, "status", &cur.Status, orig.Status, base.Status, want.Status, eq)
	mergeField(c, "owner", &cur.Owner, orig.Owner, base.Owner, want.Owner, eq)
	mergeField(c, "tags", &cur.Tags, orig.Tags, base.Tags, want.Tags, slices.Equal)
	mergeField(c, "usage", &cur.Usage, orig.Usage, base.Usage, want.Usage, slices.Equal)
	mergeField(c, "description", &cur.Description, orig.Description, base.Description, want.Description, eq)
	mergeField(c, "rotate every", &cur.RotateEvery, orig.RotateEvery, base.RotateEvery, want.RotateEvery, eq)
	mergeField(c, "expires", &cur.Expires, orig.Expires, base.Expires, want.Expires, time.Time.Equal)
	if writesValues && cur.Status == store.StatusRetired && orig.Status != store.StatusRetired && !slices.Contains(c.fields, "status") {
		// Retired elsewhere: the new version would bring it back unseen.
		c.fields = append(c.fields, "status")
		c.now = append(c.now, string(cur.Status))
	}
	if len(c.fields) > 0 {
		return c
	}
	return nil
}

// metaClash names the metadata fields changed both in the form and
// elsewhere, and what they are now in the store (metadata, never a value).
type metaClash struct{ fields, now []string }

func (c *metaClash) Error() string {
	parts := make([]string, len(c.fields))
	for i, f := range c.fields {
		parts[i] = fmt.Sprintf("%s changed elsewhere too (to %q)", f, c.now[i])
	}
	return strings.Join(parts, ", ")
}

func (c *metaClash) Unwrap() error { return store.ErrConflict }

func mergeField[T any](c *metaClash, name string, cur *T, orig, base, want T, same func(a, b T) bool) {
	switch {
	case same(want, base), same(*cur, want): // untouched here, or the same change
	case !same(*cur, orig): // changed here and elsewhere
		c.fields = append(c.fields, name)
		c.now = append(c.now, shownMeta(*cur))
	default:
		*cur = want
	}
}

// shownMeta is a metadata value as the form shows it.
func shownMeta(v any) string {
	switch v := v.(type) {
	case []string:
		return strings.Join(v, ", ")
	case time.Time:
		return store.FormatExpiry(v)
	case store.Duration:
		if v == 0 {
			return ""
		}
		return v.String()
	}
	return fmt.Sprint(v)
}

func eq[T comparable](a, b T) bool { return a == b }

// editSecret writes the metadata and, if any were typed, the values merged
// over the current version: one transaction, whole or not at all. Values
// are check-and-set against version at, the one the form was opened on: a
// version written meanwhile (another terminal, a sync) is not silently
// overwritten by values typed over an older one. An edit that changes
// nothing writes nothing.
// opened is which secret, at which version, a form or dialog was opened
// on: its writes are checked against it.
type opened struct {
	version int
	created time.Time
}

func editSecret(ctx context.Context, s *store.Store, at opened, orig, base store.Meta, r formResult) savedMsg {
	path := r.path
	writes := len(r.vals) > 0 || len(r.rename) > 0 || len(r.del) > 0
	edit := func(cur *store.Meta) error { return mergeMeta(cur, orig, base, r.meta, writes) }
	fail := func(err error) error {
		var clash *metaClash
		switch {
		case errors.Is(err, store.ErrReplaced):
			return fmt.Errorf("edit %s: while this form was open, the secret was moved away or purged, and another put at its path; esc, and open the one you mean", path)
		case errors.As(err, &clash):
			return fmt.Errorf("edit %s: while this form was open, %w; esc, open it again and redo the edit", path, clash)
		case errors.Is(err, store.ErrConflict):
			return fmt.Errorf("edit %s: while this form was open, a new version was written elsewhere; esc, open it again and redo the edit", path)
		case errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("edit %s: it was moved or purged elsewhere while this form was open", path)
		}
		return fmt.Errorf("edit %s: %w", path, err)
	}
	if !writes {
		// Metadata only: merged field by field (mergeMeta), so a version
		// written meanwhile does not stand in its way.
		_, err := s.SetMetaWith(ctx, path, store.MetaOptions{FailUnchanged: true, IfCreated: at.created}, edit)
		if errors.Is(err, store.ErrUnchanged) {
			return savedMsg{path: path, unchanged: true}
		}
		if err != nil {
			err = fail(err)
		}
		return savedMsg{path: path, err: err}
	}
	// Values typed, fields renamed or removed: a new version, merged over
	// the current one in the store (the form never read its values),
	// check-and-set against the version the form was opened on.
	vi, err := s.Set(ctx, path, r.vals, store.SetOptions{Merge: true, EditMeta: edit, IfVersion: at.version, IfCreated: at.created, Rename: r.rename, Delete: r.del})
	if err != nil {
		return savedMsg{path: path, err: fail(err)}
	}
	// A new version brings a retired secret back (as ward set does);
	// said, since the form showed it retired.
	revived := orig.Status == store.StatusRetired && r.meta.Status == store.StatusRetired
	return savedMsg{path: path, version: vi.N, revived: revived}
}
