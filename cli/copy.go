package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/opsward/ward/clip"
	"github.com/opsward/ward/store"
)

type copyOptions struct {
	f          *Factory
	Ref        string
	Version    int
	ClearAfter time.Duration
}

func newCopyCmd(f *Factory) *cobra.Command {
	opts := &copyOptions{f: f}
	cmd := &cobra.Command{
		Use:   "copy PATH[#FIELD] [--clear-after 45s]",
		Short: "Copy a value to the clipboard, cleared after a while",
		Long: `Copy one field's value to the system clipboard. After --clear-after
(45s by default; 0 never) a detached process clears the clipboard, but only
if it still holds that value: whatever you copied since is left alone. The
copy is recorded in the audit log as "copy".

JSON (--json): {"path","field","version","clear_after"}` + exitStatus(
			"1    no clipboard (no display, no xclip, xsel or wl-copy)",
			"2    bad path, or PATH has several fields and none is named",
			"3    no such secret, field or version",
		),
		Args: exactArgs(1, "one PATH[#FIELD]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			return runCopy(cmd.Context(), opts)
		},
	}
	cmd.Flags().DurationVar(&opts.ClearAfter, "clear-after", clip.DefaultClearAfter, "clear the clipboard after `D` if unchanged; 0 never")
	cmd.Flags().IntVar(&opts.Version, "version", 0, "copy version `N` instead of the current one")
	return cmd
}

func runCopy(ctx context.Context, opts *copyOptions) error {
	f := opts.f
	ref, err := parseRef(opts.Ref)
	if err != nil {
		return err
	}
	if opts.ClearAfter < 0 {
		return usageErrorf("--clear-after must not be negative")
	}
	s, err := f.OpenStore(ctx)
	if err != nil {
		return err
	}
	sc, field, v, err := getField(ctx, s, ref, opts.Version, "copy")
	if err != nil {
		return err
	}
	if err := clip.Copy(v, opts.ClearAfter); err != nil {
		// The value was read (and that is audited); the log also says
		// whether it reached the clipboard (unavailable) or reached it and
		// will not be cleared (the clearer did not start). The error names
		// no value.
		_ = s.Record(ctx, store.Entry{Action: "copy", Path: ref.Path, Field: field, Version: versionOr(opts.Version, sc.Current),
			Outcome: clip.FailureOutcome(err), Detail: "clipboard: " + err.Error()})
		if errors.Is(err, clip.ErrUnavailable) {
			return withHint(err, "print it instead with: ward get "+ref.Path+"#"+field)
		}
		return err
	}
	if f.JSON {
		return f.printJSON(struct {
			Path       string `json:"path"`
			Field      string `json:"field"`
			Version    int    `json:"version"`
			ClearAfter string `json:"clear_after"`
		}{ref.Path, field, versionOr(opts.Version, sc.Current), opts.ClearAfter.String()})
	}
	if opts.ClearAfter > 0 {
		f.status("Copied %s#%s to the clipboard; cleared in %s if unchanged", ref.Path, field, opts.ClearAfter)
	} else {
		f.status("Copied %s#%s to the clipboard; it stays there", ref.Path, field)
	}
	return nil
}

func newClipClearCmd(f *Factory) *cobra.Command {
	var after time.Duration
	cmd := &cobra.Command{
		Use:    clip.ClearCommand + " --after D",
		Short:  "Clear the clipboard after D if it still holds a value (internal)",
		Long:   "Internal: run by ward copy. Reads a SHA-256 hex digest on stdin." + exitStatus(),
		Hidden: true,
		Args:   exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := clip.RunClearer(os.Stdin, after); err != nil {
				return fmt.Errorf("clipboard clearer: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().DurationVar(&after, "after", clip.DefaultClearAfter, "wait `D` before clearing")
	return cmd
}
