package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/opsward/ward/store"
)

type showOptions struct {
	f    *Factory
	Path string
}

func newShowCmd(f *Factory) *cobra.Command {
	opts := &showOptions{f: f}
	cmd := &cobra.Command{
		Use:   "show PATH",
		Short: "Show a secret's metadata and versions, values masked",
		Long: `Show a secret's metadata, its fields with values masked, and its versions.
Nothing secret is printed, so show is not audited; use get to read a value.

JSON (--json): {"path","meta":{...as ward meta --json},"fields":[names],
"current","created","updated","rotated","versions":[{"version","created",
"author","action","fields","purged"}]}` + exitStatus(
			"2    bad path",
			"3    no such secret",
		),
		Args: exactArgs(1, "one PATH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			return runShow(cmd.Context(), opts)
		},
	}
	return cmd
}

type versionJSON struct {
	Version int       `json:"version"`
	Created time.Time `json:"created"`
	Author  string    `json:"author"`
	Action  string    `json:"action"`
	Fields  []string  `json:"fields"`
	Purged  bool      `json:"purged"`
}

func versionsJSON(sc *store.Secret) []versionJSON {
	out := make([]versionJSON, 0, len(sc.Versions))
	for _, v := range sc.Versions {
		out = append(out, versionJSON{v.N, v.Created.UTC(), v.Author, v.Action, nonNil(v.Fields), v.Purged})
	}
	return out
}

func currentFields(sc *store.Secret) []string {
	if vi, ok := sc.Version(sc.Current); ok {
		return nonNil(vi.Fields)
	}
	return []string{}
}

func runShow(ctx context.Context, opts *showOptions) error {
	f := opts.f
	sc, err := f.showSecret(ctx, opts.Path)
	if err != nil {
		return err
	}
	if f.JSON {
		return f.printJSON(struct {
			Path     string        `json:"path"`
			Meta     metaJSON      `json:"meta"`
			Fields   []string      `json:"fields"`
			Current  int           `json:"current"`
			Created  *time.Time    `json:"created"`
			Updated  *time.Time    `json:"updated"`
			Rotated  *time.Time    `json:"rotated"`
			Versions []versionJSON `json:"versions"`
		}{sc.Path, metaJSONOf(sc), currentFields(sc), sc.Current, timeOrNil(sc.Created), timeOrNil(sc.Updated), timeOrNil(sc.Rotated), versionsJSON(sc)})
	}
	// One table, so every label lines up on a terminal.
	t := newTable(f)
	addMeta(t, sc)
	for _, name := range currentFields(sc) {
		t.add("field "+name, mask)
	}
	t.add("current", strconv.Itoa(sc.Current))
	t.add("created", f.fmtTime(sc.Created))
	t.add("updated", f.fmtTime(sc.Updated))
	t.add("rotated", f.fmtTime(sc.Rotated))
	if err := t.printKV(); err != nil {
		return err
	}
	if f.IsStdoutTTY() {
		fmt.Fprintln(f.Out)
	}
	return printVersions(f, sc)
}

func printVersions(f *Factory, sc *store.Secret) error {
	t := newTable(f, "VERSION", "CREATED", "AUTHOR", "ACTION", "FIELDS")
	for i := len(sc.Versions) - 1; i >= 0; i-- {
		v := sc.Versions[i]
		n := strconv.Itoa(v.N)
		if v.N == sc.Current && f.IsStdoutTTY() {
			n += " *"
		}
		fields := strings.Join(v.Fields, ",")
		if v.Purged {
			fields += " (values dropped)"
		}
		if f.IsStdoutTTY() {
			t.add(n, f.fmtTime(v.Created), orDash(v.Author), orDash(v.Action), fields)
		} else {
			t.add("version", n, f.fmtTime(v.Created), orDash(v.Author), orDash(v.Action), fields)
		}
	}
	return t.print()
}

// showSecret checks a path, opens the store and reads the secret's
// metadata and history (no values).
func (f *Factory) showSecret(ctx context.Context, rawPath string) (*store.Secret, error) {
	path, err := parsePath(rawPath)
	if err != nil {
		return nil, err
	}
	s, err := f.OpenStore(ctx)
	if err != nil {
		return nil, err
	}
	return s.Show(ctx, path)
}
