package cli

// Rules this file enforces: a token or AppRole secret id never comes from
// argv (stdin, or a no-echo prompt on the terminal) and never reaches
// stdout, stderr or an error; the role id is not a secret and may be a
// flag.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	wcrypto "github.com/opsward/ward/crypto"
	wsync "github.com/opsward/ward/sync"
)

// maxCredential bounds a token or secret id read from stdin: real ones are
// under 200 bytes; 64 KiB leaves room for anything a server issues.
const maxCredential = 64 << 10

func newRemoteCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "remote add|ls|rm|login",
		Short: "Configure the Vault or OpenBao servers ward syncs with",
		Long: `A remote is a HashiCorp Vault or OpenBao KV version 2 mount: local path P
syncs with <mount>/data/<prefix>/P on the server (ward sync).

The token is found, in order: the OS keyring (kept there by ward remote
login), VAULT_TOKEN, ~/.vault-token, as the vault CLI reads them. TLS
settings come from VAULT_CACERT, VAULT_CAPATH, VAULT_CLIENT_CERT,
VAULT_CLIENT_KEY and VAULT_SKIP_VERIFY.

Without a subcommand, lists the remotes.` + exitStatus(
			"2    bad flags or arguments",
			"3    no such remote",
			"4    a remote of that name already exists",
			"6    rm not on a terminal and no --yes",
			"15   remote authentication needed: ward remote login NAME",
			"16   remote unreachable or misbehaving",
		),
		Args: exactArgs(0, "a subcommand: add, ls, rm or login"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRemoteLs(cmd.Context(), f)
		},
	}
	cmd.AddCommand(newRemoteAddCmd(f), newRemoteLsCmd(f), newRemoteRmCmd(f), newRemoteLoginCmd(f))
	return cmd
}

type remoteAddOptions struct {
	f      *Factory
	remote wsync.Remote
}

func newRemoteAddCmd(f *Factory) *cobra.Command {
	opts := &remoteAddOptions{f: f}
	cmd := &cobra.Command{
		Use:   "add NAME --addr URL --mount MOUNT [--prefix P] [--namespace NS]",
		Short: "Add a remote",
		Long: `Add a remote called NAME (letters, digits, - and _). Nothing is sent to the
server: ward remote login checks the credentials, ward sync the mount.

--auth token (the default) uses a token from ward remote login, VAULT_TOKEN
or ~/.vault-token. --auth approle logs in with --role-id and a secret id
that ward remote login reads from stdin (the secret id is not kept; the
token it yields is).

JSON (--json): the remote, {"name","addr","mount","prefix","namespace",
"auth_method","role_id","auth_mount"}` + exitStatus(
			"2    bad name, address, mount, prefix or auth flags",
			"4    a remote of that name already exists",
		),
		Example: `  ward remote add vault --addr https://vault.example.com:8200 --mount secret --prefix team/payments
  ward remote add ci --addr https://bao.internal --mount kv --auth approle --role-id 6f1c…`,
		Args: exactArgs(1, "one NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.remote.Name = args[0]
			return runRemoteAdd(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.remote.Addr, "addr", "", "server `URL`, http(s)://host[:port] (required)")
	fl.StringVar(&opts.remote.Mount, "mount", "", "KV version 2 mount `path` (required)")
	fl.StringVar(&opts.remote.Prefix, "prefix", "", "`folder` below the mount that holds the store's paths")
	fl.StringVar(&opts.remote.Namespace, "namespace", "", "Vault Enterprise / OpenBao `namespace` (VAULT_NAMESPACE is not read)")
	fl.StringVar(&opts.remote.AuthMethod, "auth", wsync.AuthToken, "auth `method`: token or approle")
	fl.StringVar(&opts.remote.RoleID, "role-id", "", "AppRole role `id` (not a secret; the secret id comes from ward remote login)")
	fl.StringVar(&opts.remote.AuthMount, "auth-mount", "", "where the AppRole method is mounted (default approle)")
	return cmd
}

func runRemoteAdd(ctx context.Context, opts *remoteAddOptions) error {
	f, r := opts.f, opts.remote
	switch {
	case r.Addr == "":
		return usageErrorf("remote add: --addr is required")
	case r.Mount == "":
		return usageErrorf("remote add: --mount is required")
	case r.AuthMethod == wsync.AuthToken && (r.RoleID != "" || r.AuthMount != ""):
		return usageErrorf("remote add: --role-id and --auth-mount go with --auth approle")
	}
	// Check before opening the store, so a typo costs no unlock.
	if err := r.Check(); err != nil {
		return &usageError{err}
	}
	s, err := f.OpenStore(ctx)
	if err != nil {
		return err
	}
	if err := wsync.AddRemote(ctx, s, r); err != nil {
		if errors.Is(err, wsync.ErrRemoteExists) {
			return withHint(err, "ward remote ls lists them; ward remote rm "+r.Name+" removes this one")
		}
		return err
	}
	if f.JSON {
		return f.printJSON(r)
	}
	where := r.Mount
	if r.Prefix != "" {
		where += "/" + r.Prefix
	}
	f.status("Added remote %s: %s, %s", r.Name, r.Addr, where)
	f.status("Next: ward remote login %s, then ward sync %s --dry-run", r.Name, r.Name)
	return nil
}

func newRemoteLsCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "ls",
		Short: "List the remotes",
		Long: `List the remotes. Piped: name, address, mount, prefix, namespace and auth
method, tab-separated ("-" for none).

JSON (--json): [{"name","addr","mount","prefix","namespace","auth_method",
"role_id","auth_mount"}]` + exitStatus(),
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error { return runRemoteLs(cmd.Context(), f) },
	}
}

func runRemoteLs(ctx context.Context, f *Factory) error {
	s, err := f.OpenStore(ctx)
	if err != nil {
		return err
	}
	rs, err := wsync.ListRemotes(ctx, s)
	if err != nil {
		return err
	}
	if f.JSON {
		return f.printJSON(rs)
	}
	if len(rs) == 0 {
		f.status("No remotes. Add one with: ward remote add NAME --addr URL --mount MOUNT")
		return nil
	}
	t := newTable(f, "NAME", "ADDRESS", "MOUNT", "PREFIX", "NAMESPACE", "AUTH")
	for _, r := range rs {
		t.add(r.Name, r.Addr, r.Mount, orDash(r.Prefix), orDash(r.Namespace), r.AuthMethod)
	}
	return t.print()
}

func newRemoteRmCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "rm NAME",
		Short: "Forget a remote",
		Long: `Forget remote NAME: its definition, its sync bases (what both sides held
after the last sync) and its token in the OS keyring. Nothing changes on
the server or in the local secrets; adding the remote again later starts
from no base, so the first sync compares every path. On a terminal ward
asks you to type the name to confirm; elsewhere it needs --yes.

JSON (--json): {"name","action":"rm"}` + exitStatus(
			"3    no such remote",
			"6    not on a terminal and no --yes",
		),
		Args: exactArgs(1, "one NAME"),
		RunE: func(cmd *cobra.Command, args []string) error { return runRemoteRm(cmd.Context(), f, args[0]) },
	}
}

func runRemoteRm(ctx context.Context, f *Factory, name string) error {
	s, err := f.OpenStore(ctx)
	if err != nil {
		return err
	}
	if _, err := wsync.GetRemote(ctx, s, name); err != nil {
		return err
	}
	if err := f.confirmDestructive("forgetting remote "+name+" and its sync bases", name); err != nil {
		return err
	}
	tokens := &keepDeleteError{}
	if err := wsync.RemoveRemote(ctx, s, name, tokens); err != nil {
		return err
	}
	if tokens.err != nil {
		// The remote is gone; a keyring that cannot be reached most
		// likely never held its token (login would have failed).
		fmt.Fprintf(f.ErrOut, "ward: warning: remote %s: its token could not be removed from the OS keyring: %v\n", name, tokens.err)
	}
	if f.JSON {
		return f.printJSON(map[string]string{"name": name, "action": "rm"})
	}
	f.status("Removed remote %s (nothing changed on the server or in the store's secrets)", name)
	return nil
}

// keepDeleteError is the OS keyring, except that a failure to delete a
// token is kept for a warning instead of failing RemoveRemote after the
// remote is already gone.
type keepDeleteError struct {
	wsync.KeyringTokens
	err error
}

func (k *keepDeleteError) Delete(account string) error {
	err := k.KeyringTokens.Delete(account)
	if err != nil && !errors.Is(err, wcrypto.ErrKeyringNotFound) {
		k.err = err
	}
	return nil
}

func newRemoteLoginCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "login NAME",
		Short: "Check a token (or AppRole secret id) and keep it in the OS keyring",
		Long: `Log in to remote NAME. With --auth token, the token is read from stdin, or
on a terminal asked for without echo; never from arguments. With --auth
approle, the secret id is read the same way and exchanged, with the
remote's role id, for a token. The token is checked against the server
(auth/token/lookup-self) and kept in the OS keyring (service "ward",
account "remote:<store id>:NAME"), where ward sync finds it first.

Without a keyring (a container, a bastion), skip login: ward sync also
reads VAULT_TOKEN and ~/.vault-token.

JSON (--json): {"remote","ttl_seconds","renewable"}; ttl_seconds is 0 for a token that
never expires and null when the token may not look itself up.` + exitStatus(
			"2    nothing on stdin and no terminal to ask on",
			"3    no such remote",
			"14   no usable keyring to keep the token in",
			"15   the server refused the token or secret id",
			"16   remote unreachable or misbehaving",
		),
		Example: `  ward remote login vault                       # on a terminal: asks, no echo
  vault print token | ward remote login vault
  printf '%s' "$SECRET_ID" | ward remote login ci   # AppRole`,
		Args: exactArgs(1, "one NAME"),
		RunE: func(cmd *cobra.Command, args []string) error { return runRemoteLogin(cmd.Context(), f, args[0]) },
	}
}

func runRemoteLogin(ctx context.Context, f *Factory, name string) error {
	s, err := f.OpenStore(ctx)
	if err != nil {
		return err
	}
	r, err := wsync.GetRemote(ctx, s, name)
	if err != nil {
		return err
	}
	what := "token for remote " + name
	if r.AuthMethod == wsync.AuthAppRole {
		what = "AppRole secret id for remote " + name
	}
	cred, err := readCredential(f, what)
	if err != nil {
		return err
	}
	in := wsync.LoginInput{Token: cred}
	if r.AuthMethod == wsync.AuthAppRole {
		in = wsync.LoginInput{SecretID: cred}
	}
	res, err := wsync.Login(ctx, s, name, in, nil, wsync.ConnectOptions{})
	if err != nil {
		if exitCode(err) == ExitNoKeyring {
			return onlyHints(err, "no OS keyring here: give ward sync the token in VAULT_TOKEN or ~/.vault-token instead")
		}
		return remoteHints(err, name)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(f.ErrOut, "ward: warning: %s\n", w)
	}
	if f.JSON {
		// ttl_seconds: 0 never expires, null not known (the token may
		// not look itself up).
		ttl := new(int64)
		if *ttl = int64(res.TTL / time.Second); res.TTLUnknown {
			ttl = nil
		}
		return f.printJSON(struct {
			Remote     string `json:"remote"`
			TTLSeconds *int64 `json:"ttl_seconds"`
			Renewable  bool   `json:"renewable"`
		}{name, ttl, res.Renewable})
	}
	life := "does not expire"
	switch {
	case res.TTLUnknown:
		life = "expiry unknown: the token may not look itself up"
	case res.TTL > 0:
		ttl := res.TTL.Round(time.Second)
		if ttl >= time.Minute {
			ttl = ttl.Round(time.Minute) // "1h0m0s", not a second off from the server's clock
		}
		life = "expires in " + ttl.String()
		if res.Renewable {
			life += ", renewed by ward sync when close to expiry"
		}
	}
	f.status("Logged in to remote %s: token kept in the OS keyring (%s)", name, life)
	return nil
}

// readCredential reads a token or secret id: from stdin, or without echo
// on the terminal when stdin is one. Surrounding white space is dropped
// (a token never has any; `echo` adds a newline).
func readCredential(f *Factory, what string) (wcrypto.Secret, error) {
	var v string
	if f.IsStdinTTY() {
		p := f.Prompter()
		if p == nil {
			return wcrypto.Secret{}, usageErrorf("no %s: nothing on stdin and no terminal to ask on", what)
		}
		got, err := p.Passphrase(what, false)
		if err != nil {
			return wcrypto.Secret{}, err
		}
		v = got
	} else {
		b, err := readAllLimited(f.In, maxCredential)
		if err != nil {
			return wcrypto.Secret{}, err
		}
		v = string(b)
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return wcrypto.Secret{}, usageErrorf("no %s: pipe it on stdin, or run on a terminal to be asked", what)
	}
	return wcrypto.NewSecret(v), nil
}
