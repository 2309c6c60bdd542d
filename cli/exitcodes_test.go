package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
	wsync "github.com/opsward/ward/sync"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, ExitOK},
		{"plain", errors.New("x"), ExitError},
		{"usage", usageErrorf("bad"), ExitUsage},
		{"ambiguous", fmt.Errorf("p: %w", store.ErrAmbiguousField), ExitUsage},
		{"not found", fmt.Errorf("p: %w", store.ErrNotFound), ExitNotFound},
		{"exists", fmt.Errorf("p: %w", store.ErrExists), ExitExists},
		{"confirm", fmt.Errorf("purge: %w", errNeedConfirm), ExitNeedConfirm},
		{"no store", fmt.Errorf("open: %w", store.ErrNoStore), ExitNoStore},
		{"locked", fmt.Errorf("s: %w", store.ErrLocked), ExitLocked},
		{"wrong key", fmt.Errorf("s: %w", store.ErrWrongKey), ExitWrongKey},
		{"wrong passphrase", fmt.Errorf("s: %w", wcrypto.ErrWrongKey), ExitWrongKey},
		{"corrupt", &store.CorruptError{File: "f", Where: "header", Reason: "r"}, ExitDamaged},
		{"audit", &store.AuditError{File: "f", Seq: 3, Reason: "r"}, ExitDamaged},
		{"need passphrase", fmt.Errorf("init: %w", store.ErrNeedPassphrase), ExitNoKeyring},
		{"keyring", &wcrypto.KeyringError{Op: "read", Reason: "r"}, ExitNoKeyring},
		{"interrupted", context.Canceled, ExitInterrupted},
		{"hinted", withHint(fmt.Errorf("p: %w", store.ErrNotFound), "h"), ExitNotFound},
		{"sync conflicts", fmt.Errorf("remote r: %w: a", errSyncConflicts), ExitConflict},
		{"login again", &wsync.LoginError{Remote: "r"}, ExitRemoteAuth},
		{"no token", fmt.Errorf("remote r: %w", wsync.ErrNoToken), ExitRemoteAuth},
		{"unreachable", &wsync.RemoteError{Remote: "r", Err: wsync.ErrUnreachable}, ExitRemote},
		{"redirect", &wsync.RedirectError{From: "a", To: "b"}, ExitRemote},
		{"bad response", fmt.Errorf("r: %w", wsync.ErrBadResponse), ExitRemote},
		{"no remote", fmt.Errorf("remote r: %w", wsync.ErrNoRemote), ExitNotFound},
		{"remote exists", fmt.Errorf("remote r: %w", wsync.ErrRemoteExists), ExitExists},
		{"sync failures", fmt.Errorf("remote r: 1 path %w", errSyncFailures), ExitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exitCode(tt.err); got != tt.want {
				t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

// TestExitCodeTable keeps the help table and the constants in step.
func TestExitCodeTable(t *testing.T) {
	for _, c := range []int{ExitOK, ExitError, ExitUsage, ExitNotFound, ExitExists, ExitConflict, ExitNeedConfirm, ExitNoStore, ExitLocked, ExitWrongKey, ExitDamaged, ExitNoKeyring, ExitRemoteAuth, ExitRemote, ExitInterrupted} {
		if !strings.Contains(exitCodeTable, fmt.Sprintf("\n  %-4d ", c)) && !strings.HasPrefix(exitCodeTable, fmt.Sprintf("  %-4d ", c)) {
			t.Errorf("exit code %d is not in the help table", c)
		}
	}
}

// TestEveryCommandHasExitStatus: each command's help ends with EXIT STATUS.
func TestEveryCommandHasExitStatus(t *testing.T) {
	root := newRootCmd(newFactory())
	for _, c := range allCommands(root) {
		if !strings.Contains(c.Long, "EXIT STATUS") {
			t.Errorf("%q: help has no EXIT STATUS section", c.CommandPath())
		}
	}
}

func TestPrintErrorJSON(t *testing.T) {
	var buf bytes.Buffer
	f := &Factory{ErrOut: &buf, JSON: true, StoreName: "default"}
	err := withHint(fmt.Errorf("secret a: %w", store.ErrNotFound), "try b")
	printError(f, err, exitCode(err))
	want := "ward: error: secret a: not found\nward: hint: try b\n" +
		`{"error":{"code":3,"message":"secret a: not found","hints":["try b"]}}` + "\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

// TestSubcommandNames: the table newRootCmd builds from names each
// command and its aliases as the command itself does, so commandFor
// builds the right one.
func TestSubcommandNames(t *testing.T) {
	f := newFactory()
	for _, sc := range subcommands {
		c := sc.make(f)
		if got := append([]string{c.Name()}, c.Aliases...); !slices.Equal(got, sc.names) {
			t.Errorf("table says %v, the command %v", sc.names, got)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"get", "prod/db"}, "get"},
		{[]string{"--store", "work", "-i", "id.txt", "get", "x"}, "get"},
		{[]string{"--json", "list"}, "list"},
		{[]string{"-i", "get", "ls"}, "ls"}, // "get" is -i's value here
		{[]string{"help", "get"}, ""},
		{[]string{"__complete", "ge"}, ""},
		{[]string{"nosuch"}, ""},
		{[]string{"--", "get"}, ""},
		{nil, ""},
	} {
		if got := commandFor(tc.args); got != tc.want {
			t.Errorf("commandFor(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
	// Built alone, a command runs as in the whole tree.
	root := newRootCmd(f, "get")
	if len(root.Commands()) != 1 || root.Commands()[0].Name() != "get" {
		t.Fatalf("commands %v", root.Commands())
	}
}
