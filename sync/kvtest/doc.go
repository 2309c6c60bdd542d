// Package kvtest is an in-process HTTP server that speaks the HashiCorp
// Vault / OpenBao API for the KV version 2 secrets engine, for ward's sync
// tests (CI has no Vault). It answers as a real Vault 1.15.6 dev server
// (KV plugin v0.16.1) does: the same paths, status codes, JSON envelopes,
// warnings and error strings. They were taken from the API documentation
// and the real engine's source, then compared request by request with a
// real `vault server -dev`: where the two disagreed, the real server won
// (see "Checked against a real server" below).
//
// # Use
//
//	srv := kvtest.Serve(t, kvtest.Options{})      // KV v2 at "secret"
//	cfg := api.DefaultConfig(); cfg.Address = srv.URL()
//	c, _ := api.NewClient(cfg); c.SetToken(srv.RootToken())
//	c.KVv2("secret").Put(ctx, "app/db", map[string]any{"password": "x"})
//
// Options add mounts (KV v2, KV v1, or a non-KV engine), tokens with TTLs
// and denied paths, AppRoles and namespaces. The same set-up can be done
// through the API, as against a real server: sys/mounts, sys/auth (approle),
// sys/policies/acl and auth/token/create, so a test can run unchanged
// against either. Server.Advance moves the server's clock (token expiry,
// delete_version_after) so tests never sleep. Server.Faults injects
// failures; Server.Counts and Server.Conns count requests per endpoint and
// TCP connections (keep-alive).
//
// # Implemented
//
// Before any engine, as the real server's HTTP layer and core do: a path
// with "..", "." or "//" is redirected (301) to its clean form, as
// http.ServeMux does; a body that is not JSON is 400 "error parsing JSON"
// (413 above 32 MiB); PATCH needs Content-Type application/merge-patch+json
// (415); a write or patch to a path ending in "/" is 400 "cannot write to
// a path ending in '/'", before the token is even looked at. GET, LIST and
// DELETE query parameters are request data, as the framework sees them.
// Envelopes are request_id, lease_id, renewable, lease_duration, data,
// wrap_info, warnings, auth: Vault 1.15 has no mount_type.
//
// KV v2 (mount configurable, several mounts, one namespace tree each),
// routed as the engine's framework paths are: config, data/<key>,
// metadata/<anything>, delete|undelete|destroy/<anything>,
// subkeys/<anything>, and a catch-all. A path that matches but lacks the
// operation is 405 "1 error occurred:\n\t* unsupported operation\n\n".
// Every other path (data/ with no key, a key ending in "/", LIST on data/,
// the mount root) is 404 with data null and a warning: "Invalid path for
// a versioned K/V secrets engine. ... use 'vault kv get|put|list|patch|
// delete' for this operation.", or for the bare data, metadata, delete,
// undelete and destroy "Non-listing operations on the root of a K/V v2
// mount are not supported.".
//
// Fields are converted as the framework does (mapstructure.WeakDecode,
// parseutil durations) with the same messages, e.g. for ?version=abc
// `error converting input abc for field "version": cannot parse ...:
// strconv.ParseInt: parsing "abc": invalid syntax`. The framework
// prefixes "Field validation failed: " except for writes to data/ and
// metadata/, whose existence check validates first. A response with a body carries the
// warning "Endpoint ignored these unrecognized parameters: [...]" for
// request fields the path does not know.
//
//   - GET/POST/PUT {mount}/config: max_versions, cas_required,
//     delete_version_after (negative disables it on every key, 0 resets).
//   - GET {mount}/data/{path}?version=N. A missing key or version: 404 and
//     {"errors":[]}. A soft-deleted (deletion_time passed) or destroyed
//     version: 404 whose body is the full envelope with data.data null and
//     data.metadata filled in (RespondWithStatusCode in the engine); the
//     official client turns that into a KVSecret with nil Data and no error.
//   - POST/PUT {mount}/data/{path} {options:{cas}, data}: 200 with the new
//     version's metadata. 400 "check-and-set parameter did not match the
//     current version", "check-and-set parameter required for this call"
//     (mount or key cas_required), "error parsing check-and-set parameter",
//     "no data provided" (no "data" field). {"data": null} writes a
//     version whose data is null (read back as 200 with data null).
//     cas 0 means "only if the key does not exist".
//   - max_versions pruning exactly as KeyMetadata.AddVersion: the window is
//     max(key max_versions, mount max_versions), 10 when both are 0;
//     oldest_version becomes 1 once the window is full, even though no
//     version 0 existed.
//   - PATCH {mount}/data/{path}: RFC 7386 merge into the current version,
//     cas checked. A missing key: 404 with an empty body; a deleted or
//     destroyed current version: 404 with the version metadata (flat, not
//     under "metadata"); a version whose data is null: 500 "resource does
//     not exist" (wrapped).
//   - DELETE {mount}/data/{path} (soft delete of the latest version), POST
//     {mount}/delete/{path}, {mount}/undelete/{path}, PUT
//     {mount}/destroy/{path} with {versions}: always 204; missing versions
//     give 400 "No version number provided" (delete, undelete) and "no
//     version number provided" (destroy): the real messages differ in case.
//   - GET/POST/PATCH/DELETE {mount}/metadata/{path}: current_version,
//     oldest_version, created_time, updated_time, max_versions, cas_required,
//     delete_version_after (never negative on a key), custom_metadata (null
//     until set, and null again once empty: the engine stores it in a
//     protobuf map), versions. A metadata write with no field is a no-op 204
//     that does not create the key; cas_required=false under a cas_required
//     mount is accepted with the real warning. custom_metadata values are
//     weakly converted to strings on POST (1 and true become "1"), but a
//     PATCH with a value that is not a string fails with the engine's 500
//     ("json: cannot unmarshal number into Go struct field
//     KeyMetadata.custom_metadata of type string"). Limits: at most 64 keys,
//     keys 1..128 bytes, values 1..512 bytes, printable; errors are 400 with
//     the go-multierror text, e.g. "1 error occurred:\n\t* custom_metadata
//     validation failed: payload must contain at most 64 keys, provided
//     65\n\n".
//   - LIST {mount}/metadata/{folder}/ by the LIST method or GET ?list=true:
//     sorted keys, sub-folders with a trailing "/", 404 {"errors":[]} when
//     empty. No pagination: Vault ignores OpenBao's after= and limit=.
//   - GET {mount}/subkeys/{path}?version=&depth=: the fields with every
//     value null, to depth levels.
//   - Unknown route (no mount): 404 "no handler for route \"p\". route
//     entry not found.".
//
// KV v1 mounts (GET/PUT/POST/DELETE/LIST on {mount}/{path}; a read is a
// lease of 768h, lease_duration 2764800; an empty write is 400 "missing
// data fields") and non-KV mounts (every request 404 "unsupported path";
// a transit mount's keys/<name> reads 404 with no error) let clients be
// tested against "this mount is KV v1 / not KV". Every server also has
// the built-in cubbyhole/, identity/ and sys/ mounts in sys/mounts and the
// preflight.
//
// Auth and sys: X-Vault-Token on every request except sys/health,
// sys/internal/ui/mounts and AppRole logins (which ignore a bad token). A
// missing, unknown, expired or revoked token: 403 {"errors":["permission
// denied"]}. A refusal by policy, or a path in an Options token's Deny
// list: 403 "1 error occurred:\n\t* permission denied\n\n". A client can
// tell the two apart only by that wrapping.
//
//   - auth/token/lookup-self (last_renewal once renewed), renew-self
//     (increment, or the creation TTL; capped by the explicit max TTL,
//     else the 768h system maximum, with the warning `TTL of "10h"
//     exceeded the effective max_ttl of "3h"; TTL value is capped
//     accordingly`; 400 "lease is not renewable" for the root token and for
//     tokens created with renewable=false), revoke-self, revoke, create
//     (policies, lowercased and sorted, "default" added unless
//     no_default_policy; ttl, 768h when unset; explicit_max_ttl; renewable;
//     a warning per policy that does not exist).
//   - sys/policies/acl/{name}: path blocks with capabilities, in HCL or
//     JSON (a small parser: exact paths and prefixes ending in "*"). Tokens
//     made through the API are checked as vault/acl.go does: the rules of
//     all their policies merged, the exact rule, else the longest prefix,
//     "deny" wins, create and update told apart by the engine's existence
//     check. The "default" policy lets a token look itself up, renew and
//     revoke itself; without it (no_default_policy) lookup-self is 403.
//   - AppRole at "approle" (Options.AppRoles) or wherever sys/auth/{path}
//     enables it: role/{name} (token_policies, token_ttl, token_max_ttl,
//     bind_secret_id), role/{name}/role-id, role/{name}/secret-id, and
//     login, whose errors come in the real order: no role_id fails the
//     alias lookahead (500 "failed to determine alias name from login
//     request"), then 400 "invalid role or secret ID" (unknown role), 400
//     "missing secret_id", 400 "invalid role or secret ID" (wrong secret).
//     The token is an orphan whose display_name is the mount path.
//   - sys/health; sys/mounts (every mount, keyed "<path>/"); sys/mounts/{path}
//     GET, POST (enable: kv with options.version, kv-v2, transit and a few
//     other types; 400 "path is already in use at p/", "plugin not found in
//     the catalog: t"), DELETE, and GET sys/mounts/{path}/tune. sys
//     responses repeat their data at the top level, as Vault 1.15 does.
//   - sys/internal/ui/mounts/{path}, what `vault kv` and `bao kv` call
//     first (kvPreflightVersionRequest in command/kv_helpers.go) to learn
//     the mount and its version from data.path and data.options.version; an
//     unknown mount, or one the token's policies grant nothing under, is 403
//     "preflight capability check returned 403, please ensure client's
//     policies grant access to path \"p/\"".
//
// With Options.Namespaces, X-Vault-Namespace selects one of them (as Vault
// Enterprise and OpenBao do); without, the header is ignored, as the
// open-source Vault server ignores it.
//
// # Faults
//
// Server.Faults: FailPath (a path or prefix, optionally one method, with a
// status), FailNext (the next K requests with a 5xx), Delay (hold requests
// until the test releases them through a channel; arrivals are reported on
// another channel, so tests never sleep), DropNext (hijack and close, before
// or in the middle of the response), GarbageNext (200 with a non-JSON
// body), RedirectNext (307 to another address), StopAfter and Server.Stop
// (the server dies mid-way).
//
// # Tests
//
// runConformance and runConformanceSys (conformance_test.go,
// conformance_sys_test.go) are one suite run twice: against this server
// (TestConformance) and, when WARD_TEST_VAULT_ADDR and
// WARD_TEST_VAULT_TOKEN (a root token) are set, against a real server
// (TestConformanceReal; skipped otherwise: a listed skip). scripts/vault-dev
// builds Vault v1.15.6 from the Go module proxy, starts `vault server -dev`
// on a free loopback port and runs `go test ./sync/...` against it:
//
//	scripts/vault-dev              # go test ./sync/... against a real Vault
//	scripts/vault-dev -run Conformance -v
//
// The suite writes under a random prefix, mounts engines, writes policies,
// creates tokens and enables AppRole under fresh names, and removes all of
// it. Fault, clock and Options tests (server_test.go, faults_test.go) run
// in process only: a real server cannot be made to fail on cue or to skip
// an hour. TestScale (10,000 paths, 16 workers) is skipped under -short.
//
// # Checked against a real server
//
// Vault v1.15.6 (`vault server -dev`, built from the module proxy) was
// compared with this server request by request; these divergences were
// found and fixed: a mount_type field in every envelope; the wording of
// every field conversion error and of a body that is not JSON; OpenBao's
// LIST pagination, which Vault ignores with a warning; 404 "unsupported
// path" where the engine's catch-all answers 404 with a warning; writes to
// a path ending in "/" (400 before auth); path cleaning (301); {"data":
// null} refused instead of written; custom_metadata {} or null read back
// as {} instead of null; PATCH of custom_metadata with a number accepted;
// a negative delete_version_after accepted on a key; renew-self of the
// root token ("lease not found" instead of "lease is not renewable");
// AppRole login without role_id (400 instead of 500) and AppRole enabled
// on every server; the namespace header honoured on a server without
// namespaces; the preflight of sys/ and cubbyhole/ and of an empty path;
// KV v1 reads without their lease; sys responses without their top-level
// copy; the dev root token's lookup fields; the renewal-capped warning
// and last_renewal.
//
// # Sources checked
//
//   - https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2
//   - https://openbao.org/api-docs/secret/kv/kv-v2/
//   - https://developer.hashicorp.com/vault/docs/commands/kv/metadata and
//     https://openbao.org/docs/commands/kv/metadata
//   - https://developer.hashicorp.com/vault/docs/concepts/tokens (error
//     responses, hashicorp/vault#26687)
//   - hashicorp/vault-plugin-secrets-kv v0.16.1: backend.go (pathInvalid),
//     path_data.go, path_metadata.go, path_delete.go, path_destroy.go,
//     path_config.go, path_subkeys.go
//   - hashicorp/vault v1.15.6: http/logical.go (methods, LIST, list=true,
//     PATCH content type, JSON errors), vault/request_handling.go (paths
//     ending in "/"), sdk/framework/backend.go and field_data.go
//     (validation, unrecognized parameters), builtin/credential/approle
//     path_login.go; mitchellh/mapstructure v1.5.0 and
//     hashicorp/go-secure-stdlib/parseutil (conversion messages)
//   - github.com/hashicorp/vault/api v1.23.0 (kv_v2.go, logical.go,
//     client.go: 404 handling, PATCH fallback on 405, one 307 redirect)
//
// # Ambiguities and simplifications
//
//   - max_versions: the documentation says a key's setting "can overwrite"
//     the mount's; the source keeps max(key, mount), and so does the real
//     server (the conformance suite's MountConfig checks it).
//   - The real engine walks maps in random order, so with several bad
//     fields or custom_metadata violations its message order varies; here
//     keys are sorted.
//   - An invalid token: Vault 1.17+ documents both "permission denied" and
//     "invalid token"; OpenBao and Vault 1.15 say "permission denied" only,
//     which is what this server says.
//   - Policies: no "+" segments, templates, parameters or sudo; HCL parse
//     errors are not the real parser's. Child tokens are not limited to
//     their parent's policies; revoking a token does not revoke children.
//   - Tokens are shared by all namespaces; an undeclared namespace gets the
//     "no handler for route" 404. Real namespaces are richer.
//   - sys/health reports version and cluster name "kvtest".
//   - 412 is only used by the real server for X-Vault-Index consistency
//     (ErrMissingRequiredState), which is not implemented; inject it with
//     FailPath/FailNext if needed. detailed-metadata/ (not in KV v0.16.1),
//     response wrapping, leases and form-encoded bodies are not
//     implemented.
package kvtest
