package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/opsward/ward/agent"
	"github.com/opsward/ward/clip"
	"github.com/opsward/ward/internal/panicsite"
	"github.com/opsward/ward/store"
	"github.com/opsward/ward/ui"
)

// Execute runs ward with os.Args and returns the process exit code. It
// never panics: a panic is reported as a bug, without its value (which
// could hold a secret), and exits 1.
func Execute() (code int) {
	for _, w := range append(harden(), envWarnings()...) {
		fmt.Fprintf(os.Stderr, "ward: warning: %s\n", w)
	}
	f := newFactory()
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(f.ErrOut, "ward: error: internal error at %s: this is a bug in ward, please report it\n", panicSite())
			code = ExitError
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := &interrupts{cancel: cancel}
	f.catchInterrupts, f.softInterrupt = in.catch, in.softly
	return run(ctx, f, os.Args[1:])
}

// run executes args with f and reports any error on f.ErrOut.
func run(ctx context.Context, f *Factory, args []string) int {
	root := newRootCmd(f, commandFor(args))
	root.SetArgs(args)
	root.SetIn(f.In)
	root.SetOut(f.Out)
	root.SetErr(f.ErrOut)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if ctx.Err() != nil && !errors.Is(err, context.Canceled) {
		err = fmt.Errorf("%w: %v", errInterrupted, err)
	}
	code := exitCode(err)
	var se *silentError
	if errors.As(err, &se) {
		return code
	}
	printError(f, err, code)
	return code
}

// printError writes `ward: error: msg` and `ward: hint: …` lines, and with
// --json also {"error": {"code", "message"}} on stderr.
func printError(f *Factory, err error, code int) {
	msg := err.Error()
	if code == ExitInterrupted {
		msg = "interrupted"
	}
	fmt.Fprintf(f.ErrOut, "ward: error: %s\n", msg)
	hs, only := hints(err)
	if !only {
		hs = append(hs, defaultHints(err, f.StoreName, f.cmdPath == "ward doctor")...)
	}
	seen := map[string]bool{}
	for _, h := range hs {
		if !seen[h] {
			seen[h] = true
			fmt.Fprintf(f.ErrOut, "ward: hint: %s\n", h)
		}
	}
	if f.JSON {
		type jerr struct {
			Code    int      `json:"code"`
			Message string   `json:"message"`
			Hints   []string `json:"hints,omitempty"`
		}
		// Not HTML: a hint's "> FILE" stays as it is, not \u003e.
		enc := json.NewEncoder(f.ErrOut)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(map[string]jerr{"error": {Code: code, Message: msg, Hints: hs}})
	}
}

// panicSite names where the panic began (the innermost ward function), so
// a bug report says where without saying what.
func panicSite() string { return panicsite.Site(panicsite.Origin()) }

const rootLong = `ward keeps machine credentials (API keys, database passwords, SSH keys,
certificates, tokens) in an age-encrypted local store whose key lives in
your OS keyring.

Run without arguments on a terminal, ward opens its terminal UI. The
commands below serve scripts and runbooks: values never travel in argv
(they come from stdin, a no-echo prompt or the generator), nothing prompts
when stdin is not a terminal (--yes confirms), and every command that
prints data takes --json.

A secret is addressed as PATH or PATH#FIELD (prod/db#password); a path
alone means the field named "value" or, for one-field secrets, the only
field.

ENVIRONMENT
  WARD_STORE        store used when --store is not given (default "default")
  WARD_HOME         directory of the stores (default $XDG_DATA_HOME/ward)
  WARD_CACHE_IDLE   idle timeout of the session key cache; 0 turns it off
  WARD_AGENT_IDLE   idle timeout of the agent ward unlock starts (default 15m)
  WARD_AUDIT_SYNC   1 or true: sync each retrieval's audit entry to the disk before
                    the value is handed out (changes are always synced)
  NO_COLOR          no colour in output

JSON ERRORS
  With --json, an error is also written to stderr as
  {"error":{"code":N,"message":"...","hints":["..."]}}.

EXIT STATUS
` + exitCodeTable

// newRootCmd builds ward's command tree: every command, or, with only
// set, just that one (see commandFor).
func newRootCmd(f *Factory, only ...string) *cobra.Command {
	cmd := &cobra.Command{
		Use:           "ward",
		Short:         "A secrets workstation for operators",
		Long:          rootLong,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRun: func(cmd *cobra.Command, args []string) {
			f.cmdPath = cmd.CommandPath()
			f.catchInterruptsFor(cmd)
		},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
					return usageErrorf("unknown command %q: did you mean %s? (see ward --help)", args[0], strings.Join(s, " or "))
				}
				return usageErrorf("unknown command %q (see ward --help)", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if !f.IsStdinTTY() || !f.IsStdoutTTY() {
				return cmd.Help()
			}
			return runTUI(cmd.Context(), f)
		},
	}
	cmd.CompletionOptions.DisableDefaultCmd = true
	cmd.SuggestionsMinimumDistance = 1
	// --version as well as `ward version`; the build info is read only
	// when it is asked for.
	cmd.Version = "-"
	cobra.AddTemplateFunc("wardVersion", func() string { return readBuildInfo().Version })
	cmd.SetVersionTemplate("ward {{wardVersion}}\n")
	cmd.SetFlagErrorFunc(flagError)
	defStore := os.Getenv("WARD_STORE")
	if defStore == "" {
		defStore = store.DefaultName
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.StoreName, "store", defStore, "name of the store ($WARD_STORE)")
	pf.StringArrayVarP(&f.Identities, "identity", "i", nil, "age identity `FILE` to unlock the store with (repeatable)")
	pf.BoolVar(&f.JSON, "json", false, "print data, and errors on stderr, as JSON")
	pf.BoolVar(&f.Yes, "yes", false, "go ahead without asking for confirmation")
	pf.BoolVar(&f.NoColor, "no-color", false, "no colour in output (also $NO_COLOR)")

	cmd.AddGroup(&cobra.Group{ID: "secrets", Title: "Secrets:"}, &cobra.Group{ID: "store", Title: "Store:"}, &cobra.Group{ID: "other", Title: "Other:"})
	want := ""
	if len(only) > 0 {
		want = only[0]
	}
	for _, sc := range subcommands {
		if want == "" || slices.Contains(sc.names, want) {
			c := sc.make(f)
			c.GroupID = sc.group
			if pathCommands[c.Name()] > 0 && c.ValidArgsFunction == nil {
				c.ValidArgsFunction = f.completePaths
			}
			cmd.AddCommand(c)
		}
	}
	setFlagErrors(cmd)
	return cmd
}

// subcommands are ward's commands, in help order. names are the name and
// aliases (checked against the commands by TestSubcommandNames).
var subcommands = []struct {
	names []string
	group string
	make  func(*Factory) *cobra.Command
}{
	{[]string{"set"}, "secrets", newSetCmd},
	{[]string{"get"}, "secrets", newGetCmd},
	{[]string{"show"}, "secrets", newShowCmd},
	{[]string{"ls", "list"}, "secrets", newLsCmd},
	{[]string{"rm"}, "secrets", newRmCmd},
	{[]string{"mv"}, "secrets", newMvCmd},
	{[]string{"cp"}, "secrets", newCpCmd},
	{[]string{"gen"}, "secrets", newGenCmd},
	{[]string{"history"}, "secrets", newHistoryCmd},
	{[]string{"rollback"}, "secrets", newRollbackCmd},
	{[]string{"meta"}, "secrets", newMetaCmd},
	{[]string{"copy"}, "secrets", newCopyCmd},
	{[]string{"init"}, "store", newInitCmd},
	{[]string{"audit"}, "store", newAuditCmd},
	{[]string{"doctor"}, "store", newDoctorCmd},
	{[]string{"recipients"}, "store", newRecipientsCmd},
	{[]string{"export"}, "store", newExportCmd},
	{[]string{"import"}, "store", newImportCmd},
	{[]string{"unlock"}, "store", newUnlockCmd},
	{[]string{"lock"}, "store", newLockCmd},
	{[]string{"remote"}, "store", newRemoteCmd},
	{[]string{"sync"}, "store", newSyncCmd},
	{[]string{"version"}, "other", newVersionCmd},
	{[]string{"completion"}, "other", newCompletionCmd},
	{[]string{"demo"}, "other", newDemoCmd},
	{[]string{clip.ClearCommand}, "", newClipClearCmd},
	{[]string{agent.AgentCommand}, "", newAgentCmd},
}

// commandFor is the subcommand args run, when building only that one is
// enough ("" otherwise: no subcommand, help, completion, or a name that is
// not a command, whose error lists the others). Building every command
// costs a cold process about a millisecond, a fifth of a `ward get`.
func commandFor(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return ""
		case a == "--store" || a == "-i" || a == "--identity":
			i++ // the flag's value
		case strings.HasPrefix(a, "-"):
		case a == "help" || a == "completion" || strings.HasPrefix(a, "__complete"):
			return ""
		default:
			for _, sc := range subcommands {
				if slices.Contains(sc.names, a) {
					return a
				}
			}
			return ""
		}
	}
	return ""
}

// setFlagErrors makes every command's flag errors usage errors (exit 2).
func setFlagErrors(c *cobra.Command) {
	c.SetFlagErrorFunc(flagError)
	for _, sub := range c.Commands() {
		setFlagErrors(sub)
	}
}

// runTUI opens the TUI on the unlocked store, or on its first-run screen
// when the store does not exist yet.
func runTUI(ctx context.Context, f *Factory) error {
	file, err := f.StoreFile()
	if err != nil {
		return err
	}
	s, err := f.OpenStore(ctx)
	if errors.Is(err, store.ErrNoStore) {
		if len(f.Identities) > 1 {
			return usageErrorf("a new store takes at most one --identity FILE")
		}
		cfg := ui.Config{StoreFile: file, NoColor: f.NoColor}
		if len(f.Identities) == 1 {
			cfg.IdentityFile = f.Identities[0]
		}
		return ui.Run(ctx, cfg)
	}
	if err != nil {
		return err
	}
	return ui.Run(ctx, ui.Config{Store: s, StoreFile: file, NoColor: f.NoColor})
}

// args validators that fail with usage errors.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErrorf("%s takes %s (got %d arguments); see %s --help", cmd.CommandPath(), names, len(args), cmd.CommandPath())
		}
		return nil
	}
}

func rangeArgs(lo, hi int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < lo || len(args) > hi {
			return usageErrorf("%s takes %s (got %d arguments); see %s --help", cmd.CommandPath(), names, len(args), cmd.CommandPath())
		}
		return nil
	}
}

// parseRef parses PATH[#FIELD] as a usage error when malformed.
func parseRef(s string) (store.Ref, error) {
	r, err := store.ParseRef(s)
	if err != nil {
		if i := strings.IndexByte(s, '='); i >= 0 {
			// PATH=VALUE: what follows '=' is likely a value, and an
			// error must not repeat it (stderr ends up in logs).
			return r, withHint(usageErrorf("%q… is not a path: a path holds no '='", s[:i]),
				"values never go on the command line: pipe them in, e.g. ward set PATH < file, or type them at the prompt")
		}
		return r, &usageError{err}
	}
	return r, nil
}

func parsePath(s string) (string, error) {
	r, err := parseRef(s)
	if err != nil {
		return "", err
	}
	if r.Field != "" {
		return "", usageErrorf("%s names a field; this command takes a secret path without #FIELD", s)
	}
	return r.Path, nil
}
