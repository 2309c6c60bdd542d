// Package cli is ward's command line: cobra commands that parse flags, call
// the store, crypto and ui packages, and print text or JSON. main.go only
// calls Execute.
//
// # Layout
//
// One file per command (gh style): newXCmd(*Factory) builds the cobra
// command, an xOptions struct holds its flags, runX(ctx, opts) does the
// work. The Factory carries the streams, TTY checks, the global flags and
// OpenStore, which resolves --store to a file, opens it and unlocks it with
// --identity files, the session cache or agent, or the store's own identity
// (OS keyring or passphrase file).
//
// # Promises
//
//   - Values never come from argv: set reads stdin or a no-echo prompt on
//     the controlling terminal, gen generates, import reads a file.
//   - Nothing prompts when stdin is not a terminal. A missing value,
//     passphrase or confirmation is an error with a hint; --yes confirms.
//   - Results go to stdout; diagnostics ("Set prod/db (version 2 …)") and
//     errors to stderr. On a terminal, tables are aligned with a bold
//     header (no colour with --no-color or $NO_COLOR); piped, they are
//     tab-separated with no header and RFC 3339 times. --json prints stable
//     objects documented in each command's help; audit --json prints JSON
//     lines.
//   - Errors are printed once, as "ward: error: …" then "ward: hint: …"
//     lines, and with --json also as {"error":{"code","message","hints"}}
//     on stderr. They name paths, fields, versions, files, line numbers and
//     fingerprints, never values. Exit codes follow the fixed table in
//     exitcodes.go (also in `ward --help` and the README) and are mapped
//     with errors.Is on the store and crypto sentinels.
//   - A panic never reaches the user as a stack trace: Execute recovers,
//     names the ward function where it happened (not the panic's value,
//     which could hold a secret) and exits 1.
//   - Core dumps are switched off at start (RLIMIT_CORE 0; PR_SET_DUMPABLE
//     0 on Linux).
//
// # Tests
//
// testdata/script/*.txtar are testscript scripts run in-process (ward is
// registered in TestMain, as in age's cmd/age). Every fixture value starts
// with CANARY; after each script the harness checks that no CANARY reached
// stderr, the stdout of any command but get, or a store file.
// testdata/keyring and testdata/clipboard run against the real OS keyring
// and clipboard under scripts/test, and skip elsewhere (fail under CI=true).
package cli
