// Package sync (imported as wsync) keeps ward's local store and a remote
// HashiCorp Vault or OpenBao KV version 2 mount in step: remotes, their
// tokens, the client, the three-way planner and the applier. The CLI
// (`ward remote …`, `ward sync`) and the TUI's sync screen both call it:
// Connect, Client.Plan, Client.Apply, Client.Diff, Client.Resolve.
//
// # Remotes and auth
//
// A Remote (name, address, mount, prefix, namespace, auth method, AppRole
// role id) is kept as JSON in the store's sealed state, namespace
// "remotes"; AddRemote, ListRemotes, GetRemote and RemoveRemote change it
// with an audit entry. The token is found, in order: the OS keyring
// (service "ward", account "remote:<store id>:<name>", written by `ward
// remote login`), VAULT_TOKEN, ~/.vault-token. The keyring comes first
// because it was stored for this remote; the environment may be meant for
// another server. TLS comes from the VAULT_* variables as the vault CLI
// reads them (VAULT_CACERT, VAULT_CACERT_BYTES, VAULT_CAPATH,
// VAULT_CLIENT_CERT and VAULT_CLIENT_KEY, VAULT_TLS_SERVER_NAME,
// VAULT_SKIP_VERIFY); Client.Warnings says when verification is off or
// the address is plain http off loopback. The remote's namespace is
// authoritative: VAULT_NAMESPACE is ignored with a warning, because sync
// bases belong to one namespace.
//
// Connect looks the token up (auth/token/lookup-self), renews it when it
// is renewable and has less than ConnectOptions.RenewBelow and less than
// half its lease left (and again during a long sync, so a two-minute token
// outlives a ten-minute sync, up to its max TTL), and checks the mount the
// way `vault kv` does
// (sys/internal/ui/mounts/<mount>): a KV v1 mount, a non-KV engine, a
// missing mount and a mount given one level too deep each get their own
// message (MountError, ErrNotKVv2). A token refused as a whole gives a
// LoginError, "log in again: ward remote login NAME", and stops the sync.
// The server words the two kinds of 403 differently: a token it does not
// know (expired, revoked) gets the bare "permission denied", a policy's
// refusal the same text wrapped as a go-multierror list. A wrapped 403 is
// that path's failure (ErrDenied); after any other 403 the client looks
// the token up to tell. A token without the "default" policy may not look
// itself up: it is used, with a warning that its expiry is unknown and it
// will not be renewed.
//
// # Mapping
//
// Local path P is <mount>/data/<prefix>/P. Fields are the KV data, as
// strings; a value the server holds as a number, boolean or object is
// pulled as its JSON text (and pushed back as a string only if it changes
// locally). ward metadata travels in custom_metadata: ward-kind,
// ward-status, ward-owner, ward-expires (RFC 3339), ward-rotate-every,
// ward-tags and ward-usage (comma-separated, or a JSON array when an item
// holds a comma), ward-description. Defaults (kind generic, status active)
// and empty values are not written. KV's limits (64 keys, values of 1 to
// 512 printable bytes) are met by shortening or leaving out, with a
// warning in the plan item, never by failing. Metadata is written with a
// JSON merge PATCH of the ward keys only, so keys of other tools, and
// ward-* keys this version does not know, are never touched. Secrets
// written by other tools (no ward keys) import as kind generic. Server
// keys the store cannot hold (a space in a path or field name, a "..",
// no fields) are listed in Plan.Skipped or fail that path, by name.
//
// A local delete is a purge or a retire; a remote delete is a current
// version that is soft-deleted or destroyed, or a key with no metadata.
// Deleting travels as a soft delete of the version the plan saw (POST
// delete/ with that version: recoverable with `vault kv undelete`), or with
// ApplyOptions.Destroy as a destroy of every version up to it. A delete on
// the server retires the local secret (its versions stay).
//
// # Three-way rules
//
// The base of a path is what both sides held after its last sync: server
// version, local version and creation time, a SHA-256 of the values, and
// the metadata projection on each side. It lives in the store's sealed
// state, namespace "sync:<remote>", key the local path; values are never
// kept there. Values and metadata are judged separately; metadata key by
// key.
//
//	local          server         base   action
//	present        gone           none   push (new locally)
//	gone           present        none   pull (new on the server)
//	present        present        none   adopt if values equal, else conflict
//	gone           gone           any    forget the base (nothing to do)
//	gone           unchanged      yes    delete-remote
//	gone           changed        yes    conflict
//	unchanged      gone           yes    delete-local (retire)
//	changed        gone           yes    conflict
//	changed        unchanged      yes    push
//	unchanged      changed        yes    pull
//	changed        changed        yes    values compared: equal → adopt;
//	                                     one side equal to the base → the
//	                                     other side wins; else conflict
//
// "Changed" for values is a different version (locally: or a re-created
// secret); only in the last row are values read, on both sides. Metadata
// keys changed on one side move to the other; keys changed differently on
// both sides are a conflict. When values go one way and metadata keys the
// other, the action is merge. A no-op sync costs one LIST per folder and
// one metadata GET per key, and reads local metadata only for secrets
// whose index entry changed since the base was recorded.
//
// Conflicts are left untouched unless ApplyOptions.Prefer names a side
// (`--prefer local|remote`); the CLI exits with its conflict code when any
// remain. Client.Diff shows local, remote and base side by side, field by
// field (values as wcrypto.Secret), and Client.Resolve keeps one side or
// writes a field-by-field merge to both.
//
// # Plan, apply, and why a crash is harmless
//
// Client.Plan reads and judges; it writes nothing but audit entries for the
// local values it compared. Plan items carry versions and metadata, never
// values or hashes, and serialise to JSON (`--dry-run --json`). A LIST that
// fails fails the plan, since an unlisted folder would look deleted; a
// failure on one key is recorded and that path is left alone.
//
// Client.Apply does, for each path: the server write, naming the version
// it expects (cas for values, the version number for deletes); then the
// local write; then the new base and the path's audit entry in one store
// transaction. A write someone made on the server after the plan is
// refused by cas and becomes a conflict, never overwritten. A local change
// made after the plan (a different version or update time) makes the path
// a conflict too. Kill ward anywhere and plan again:
//
//   - before the server write: nothing happened; the same action is planned.
//   - after the values, before the metadata or the base: the next plan
//     sees both sides changed since the base, compares values, finds them
//     equal and adopts (metadata keys still to write are pushed). No second
//     version is written on either side.
//   - after the local write of a pull, before the base: the same.
//   - after a delete, before the base: both sides are gone; the base is
//     dropped.
//   - a write whose answer was lost and whose retry cas refused: the
//     current server values are read; equal values at version cas+1 are
//     taken as this write.
//
// Adopting and forgetting bases (no data moves) are batched, 256 to a
// transaction with one audit entry; every server write, local write and
// delete has its own entry (sync-push, sync-pull, sync-merge,
// sync-delete-remote, sync-destroy-remote, sync-delete-local), written
// once the change is made; a path that fails gets the same action with
// outcome "failed" and the reason; reading local values to push them is a
// "sync-read" retrieval; and every apply ends with a "sync" entry holding
// the summary, even when stopped.
//
// # Failures
//
// Requests are retried with exponential backoff and full jitter
// (ConnectOptions.Attempts, MinBackoff, MaxBackoff; Retry-After honoured
// up to MaxBackoff) on connection errors, timeouts of one attempt, 429 and
// 5xx other than 501; never on other 4xx. Each attempt has its own timeout
// and the caller's context is honoured throughout. A refused connection,
// or three requests in a row that exhaust their retries, mark the server
// unreachable: the apply stops (Summary.Stopped, NotAttempted) instead of
// timing out path by path, and returns an error wrapping ErrUnreachable.
// A redirect to another host is refused (RedirectError): following it
// would send the token along. Requests go out on net/http (transport.go
// says why not the official client). A body that is not the
// documented JSON gives ErrBadResponse naming the server and the path. A
// failure on one path is named in Summary.Failures and the others go on.
// Errors never hold a value: request bodies are never kept, and the
// server's messages come from its error envelope.
//
// Concurrency is ConnectOptions.Workers (16 by default) requests at once
// over as many keep-alive connections. The planner streams: folders are
// listed level by level and each key is judged as it arrives; only paths
// with something to do are kept in the plan.
//
// # Tests
//
// The tests run against sync/kvtest, an in-process double of the Vault
// API, and, when WARD_TEST_VAULT_ADDR and WARD_TEST_VAULT_TOKEN (a root
// token) are set, against that real server instead (scripts/vault-dev
// builds Vault v1.15.6 and starts one): server_test.go sets the server up
// through the API either way (mounts, policies, tokens, AppRole) and
// counts requests with a proxy, so "a no-op sync reads no value" is
// checked on both. Tests of faults, of the server's clock and of TLS use
// the double only (serveDouble).
//
// # Known limits
//
//   - Local change detection trusts the index's version and update time
//     (seconds); a purge and re-create in the same second as a base was
//     recorded, at the same version, is not seen.
//   - The store has no check-and-set of its own: a local write between
//     apply's check and its Set wins the race unseen (narrow window).
//   - Planning holds 16 bytes for every path it has judged (a sorted set
//     of path sums, to find the local secrets and bases the server did
//     not list) and the plan's items; heads and bases are read per path.
//     Truly constant memory would need the store to hand out heads in
//     path order for a merge with the server's listing, and its index is
//     keyed by a keyed hash of the path on purpose.
package sync
