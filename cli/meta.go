package cli

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/opsward/ward/store"
)

// metaFlags are the metadata flags of meta, and a subset of them on set
// and gen.
type metaFlags struct {
	Kind, Owner, Description string
	Tags, Untags             []string
	Usage, RmUsage           []string
	RotateEvery, Expires     string
	Status                   string
	changed                  func(string) bool
}

func (m *metaFlags) register(cmd *cobra.Command, full bool) {
	fl := cmd.Flags()
	fl.StringVar(&m.Kind, "kind", "", "kind: "+kindList())
	fl.StringVar(&m.Owner, "owner", "", "owning team or person")
	fl.StringVar(&m.Description, "description", "", "what the secret is for")
	fl.StringArrayVar(&m.Tags, "tag", nil, "add `TAG` (repeatable)")
	fl.StringArrayVar(&m.Usage, "usage", nil, "add a usage location `U` such as ci:github/acme/api (repeatable)")
	fl.StringVar(&m.RotateEvery, "rotate-every", "", "rotation interval `D` such as 90d, 2w; 0 for none")
	fl.StringVar(&m.Expires, "expires", "", "expiry: `DATE` (2027-01-31 or RFC 3339), or never")
	if full {
		fl.StringArrayVar(&m.Untags, "untag", nil, "remove `TAG` (repeatable)")
		fl.StringArrayVar(&m.RmUsage, "rm-usage", nil, "remove usage location `U` (repeatable)")
		fl.StringVar(&m.Status, "status", "", "status: active, pending, compromised, retired")
	}
}

func kindList() string {
	var ks []string
	for _, k := range store.Kinds {
		ks = append(ks, string(k))
	}
	return strings.Join(ks, ", ")
}

func (m *metaFlags) any() bool {
	for _, n := range []string{"kind", "owner", "description", "tag", "untag", "usage", "rm-usage", "rotate-every", "expires", "status"} {
		if m.changed != nil && m.changed(n) {
			return true
		}
	}
	return false
}

// editFunc checks the flags and returns the change they ask for, or nil
// when no metadata flag was given.
func (m *metaFlags) editFunc() (func(*store.Meta) error, error) {
	if !m.any() {
		return nil, nil
	}
	ch := m.changed
	var kind store.Kind
	if ch("kind") {
		kind = store.Kind(m.Kind)
		if !slices.Contains(store.Kinds, kind) {
			return nil, usageErrorf("unknown --kind %q (want %s)", m.Kind, kindList())
		}
	}
	var status store.Status
	if ch("status") {
		status = store.Status(m.Status)
		if !slices.Contains(store.Statuses, status) {
			return nil, usageErrorf("unknown --status %q (want active, pending, compromised or retired)", m.Status)
		}
	}
	var every store.Duration
	if ch("rotate-every") {
		d, err := store.ParseDuration(m.RotateEvery)
		if err != nil {
			return nil, &usageError{fmt.Errorf("--rotate-every: %w", err)}
		}
		every = d
	}
	var expires time.Time
	if ch("expires") {
		t, err := parseExpires(m.Expires)
		if err != nil {
			return nil, err
		}
		expires = t
	}
	return func(md *store.Meta) error {
		if ch("kind") {
			md.Kind = kind
		}
		if ch("owner") {
			md.Owner = m.Owner
		}
		if ch("description") {
			md.Description = m.Description
		}
		if ch("status") {
			md.Status = status
		}
		if ch("rotate-every") {
			md.RotateEvery = every
		}
		if ch("expires") {
			md.Expires = expires
		}
		md.Tags = addRemove(md.Tags, m.Tags, m.Untags)
		md.Usage = addRemove(md.Usage, m.Usage, m.RmUsage)
		return nil
	}, nil
}

func addRemove(list, add, rm []string) []string {
	for _, a := range add {
		if a = strings.TrimSpace(a); a != "" && !slices.Contains(list, a) {
			list = append(list, a)
		}
	}
	return slices.DeleteFunc(list, func(s string) bool { return slices.Contains(rm, s) })
}

func parseExpires(s string) (time.Time, error) {
	t, err := store.ParseExpiry(s)
	if err != nil {
		return time.Time{}, usageErrorf("bad --expires: %v", err)
	}
	return t, nil
}

type metaOptions struct {
	f    *Factory
	Path string
	meta metaFlags
}

func newMetaCmd(f *Factory) *cobra.Command {
	opts := &metaOptions{f: f}
	cmd := &cobra.Command{
		Use:   "meta PATH [flags]",
		Short: "Show or change a secret's metadata",
		Long: `Change a secret's metadata with the flags below, or print it when no flag
is given. Metadata changes are audited but make no new version.

--tag and --usage add, --untag and --rm-usage remove; --expires never and
--rotate-every 0 clear.

JSON (--json): {"path","kind","owner","tags","description","usage",
"rotate_every","expires","status","rotation_due"}` + exitStatus(
			"2    bad path or flag value",
			"3    no such secret",
		),
		Example: `  ward meta prod/db --owner team-payments --rotate-every 90d --usage k8s:prod/payments
  ward meta prod/edge/tls --expires 2027-01-31 --tag pci`,
		Args: exactArgs(1, "one PATH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			opts.meta.changed = cmd.Flags().Changed
			return runMeta(cmd.Context(), opts)
		},
	}
	opts.meta.register(cmd, true)
	return cmd
}

func runMeta(ctx context.Context, opts *metaOptions) error {
	f := opts.f
	path, err := parsePath(opts.Path)
	if err != nil {
		return err
	}
	edit, err := opts.meta.editFunc()
	if err != nil {
		return err
	}
	s, err := f.OpenStore(ctx)
	if err != nil {
		return err
	}
	sc, err := s.Show(ctx, path)
	if err != nil {
		return err
	}
	editing := edit != nil
	if editing {
		// An edit that changes nothing (--untag of a tag it lacks) writes
		// nothing, and no audit entry claims a change.
		m := sc.Meta
		m.Tags, m.Usage = slices.Clone(m.Tags), slices.Clone(m.Usage)
		if err := edit(&m); err != nil {
			return err
		}
		if reflect.DeepEqual(m, sc.Meta) {
			f.status("Nothing changed: the metadata of %s is already so", path)
			edit = nil
		}
	}
	if edit != nil {
		if sc, err = s.SetMeta(ctx, path, edit); err != nil {
			return err
		}
		f.status("Updated the metadata of %s", path)
	}
	if f.JSON {
		return f.printJSON(metaJSONOf(sc))
	}
	if editing {
		return nil
	}
	return printMeta(f, sc)
}

type metaJSON struct {
	Path        string     `json:"path"`
	Kind        string     `json:"kind"`
	Owner       string     `json:"owner"`
	Tags        []string   `json:"tags"`
	Description string     `json:"description"`
	Usage       []string   `json:"usage"`
	RotateEvery string     `json:"rotate_every"`
	Expires     *time.Time `json:"expires"`
	Status      string     `json:"status"`
	RotationDue *time.Time `json:"rotation_due"`
}

func metaJSONOf(sc *store.Secret) metaJSON {
	m := sc.Meta
	return metaJSON{
		Path: sc.Path, Kind: string(m.Kind), Owner: m.Owner, Tags: nonNil(m.Tags),
		Description: m.Description, Usage: nonNil(m.Usage), RotateEvery: m.RotateEvery.String(),
		Expires: timeOrNil(m.Expires), Status: string(m.Status), RotationDue: timeOrNil(sc.RotationDue()),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func printMeta(f *Factory, sc *store.Secret) error {
	t := newTable(f)
	addMeta(t, sc)
	return t.printKV()
}

// addMeta adds the metadata rows of sc to t.
func addMeta(t *table, sc *store.Secret) {
	f, m := t.f, sc.Meta
	row := func(k, v string) { t.add(k, v) }
	row("path", sc.Path)
	row("kind", orDash(string(m.Kind)))
	row("status", orDash(string(m.Status)))
	row("owner", orDash(m.Owner))
	row("description", orDash(m.Description))
	row("tags", orDash(strings.Join(m.Tags, ", ")))
	row("usage", orDash(strings.Join(m.Usage, ", ")))
	every := "-"
	if m.RotateEvery > 0 {
		every = m.RotateEvery.String()
	}
	row("rotate every", every)
	row("rotation due", f.fmtTime(sc.RotationDue()))
	row("expires", f.fmtTime(m.Expires))
}

// printKV prints key/value rows: aligned "key: value" lines on a
// terminal, tab-separated otherwise.
func (t *table) printKV() error {
	f := t.f
	if !f.IsStdoutTTY() {
		return t.print()
	}
	w := 0
	for _, r := range t.rows {
		w = max(w, len(r[0]))
	}
	st := f.styles()
	for _, r := range t.rows {
		if _, err := fmt.Fprintf(f.Out, "%s %s%s\n", st.dim.Render(r[0]+":"), strings.Repeat(" ", w-len(r[0])), r[1]); err != nil {
			return err
		}
	}
	return nil
}
