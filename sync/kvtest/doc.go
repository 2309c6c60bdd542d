// Package kvtest is an in-process HTTP server that speaks the HashiCorp
// Vault / OpenBao API for the KV version 2 secrets engine, for ward's sync
// tests (CI has no Vault). It answers as the real server does: the same
// paths, status codes, JSON envelopes and error strings, taken from the API
// documentation and from the real engine's source. Where the two disagree,
// the source wins, and the disagreement is listed below.
//
// # Use
//
//	srv := kvtest.Serve(t, kvtest.Options{})      // KV v2 at "secret"
//	cfg := api.DefaultConfig(); cfg.Address = srv.URL()
//	c, _ := api.NewClient(cfg); c.SetToken(srv.RootToken())
//	c.KVv2("secret").Put(ctx, "app/db", map[string]any{"password": "x"})
//
// Options add mounts (KV v2, KV v1, or a non-KV engine), tokens with TTLs
// and denied paths, AppRoles and namespaces. Server.Advance moves the
// server's clock (token expiry, delete_version_after) so tests never sleep.
// Server.Faults injects failures; Server.Counts and Server.Conns count
// requests per endpoint and TCP connections (keep-alive).
//
// # Implemented
//
// KV v2 (mount configurable, several mounts, one namespace tree each):
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
//     "no data provided". cas 0 means "only if the key does not exist".
//   - max_versions pruning exactly as KeyMetadata.AddVersion: the window is
//     max(key max_versions, mount max_versions), 10 when both are 0;
//     oldest_version becomes 1 once the window is full, even though no
//     version 0 existed.
//   - PATCH {mount}/data/{path} (Content-Type application/merge-patch+json,
//     else 415 "PATCH requires Content-Type of application/merge-patch+json,
//     provided ..."): RFC 7386 merge into the current version, cas checked.
//     A missing key: 404 with an empty body; a deleted or destroyed current
//     version: 404 with the version metadata (flat, not under "metadata").
//   - DELETE {mount}/data/{path} (soft delete of the latest version), POST
//     {mount}/delete/{path}, {mount}/undelete/{path}, PUT
//     {mount}/destroy/{path} with {versions}: always 204; missing versions
//     give 400 "No version number provided" (delete, undelete) and "no
//     version number provided" (destroy): the real messages differ in case.
//   - GET/POST/PATCH/DELETE {mount}/metadata/{path}: current_version,
//     oldest_version, created_time, updated_time, max_versions, cas_required,
//     delete_version_after, custom_metadata (null until set), versions. A
//     metadata write with no field is a no-op 204 that does not create the
//     key; cas_required=false under a cas_required mount is accepted with the
//     real warning. custom_metadata limits: at most 64 keys, keys 1..128
//     bytes, values 1..512 bytes, printable; errors are 400 with the
//     go-multierror text, e.g. "1 error occurred:\n\t* custom_metadata
//     validation failed: payload must contain at most 64 keys, provided
//     65\n\n".
//   - LIST {mount}/metadata/{folder}/ by the LIST method or GET ?list=true:
//     sorted keys, sub-folders with a trailing "/", 404 {"errors":[]} when
//     empty; OpenBao's after= and limit= pagination.
//   - Wrong operation on a path: 405 "1 error occurred:\n\t* unsupported
//     operation\n\n"; unknown path in a mount: 404 "... unsupported path";
//     no mount: 404 "no handler for route \"p\". route entry not found.".
//
// KV v1 mounts (GET/PUT/POST/DELETE/LIST on {mount}/{path}) and non-KV
// mounts (type "transit", every request 404 unsupported path) let clients
// be tested against "this mount is KV v1 / not KV".
//
// Auth and sys: X-Vault-Token on every request except sys/health,
// sys/internal/ui/mounts and auth/approle/login. A missing, unknown or
// expired token: 403 {"errors":["permission denied"]}. A path in a token's
// Deny list: 403 "1 error occurred:\n\t* permission denied\n\n" (an ACL
// refusal is wrapped by the real server). auth/token/lookup-self,
// auth/token/renew-self (increment, max TTL; "lease is not renewable"),
// auth/approle/login ("missing role_id", "missing secret_id", "invalid role
// or secret ID", all 400), sys/health, sys/mounts, sys/mounts/{mount} and
// sys/internal/ui/mounts/{path}, which is what `vault kv` and `bao kv` call
// first (kvPreflightVersionRequest in command/kv_helpers.go) to learn the
// mount and its version from data.path and data.options.version; an
// unknown mount there is 403 "preflight capability check returned 403,
// please ensure client's policies grant access to path \"p/\"".
// X-Vault-Namespace selects a namespace declared in Options.Namespaces.
//
// Errors are {"errors":[...]} with Content-Type application/json; bodies
// above 32 MiB get 413.
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
// runConformance (conformance_test.go) is one suite run twice: against this
// server (TestConformance) and, when WARD_TEST_VAULT_ADDR and
// WARD_TEST_VAULT_TOKEN are set, against a real server such as `bao server
// -dev` (TestConformanceReal; skipped otherwise: a listed skip). It writes
// under a random prefix, restores the mount config it changes and deletes
// its keys. Fault, clock, AppRole and mount-kind tests run in process only.
// TestScale (10,000 paths, 16 workers) is skipped under -short.
//
// # Sources checked
//
//   - https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2
//   - https://openbao.org/api-docs/secret/kv/kv-v2/
//   - https://developer.hashicorp.com/vault/docs/commands/kv/metadata and
//     https://openbao.org/docs/commands/kv/metadata
//   - https://developer.hashicorp.com/vault/docs/concepts/tokens (error
//     responses, hashicorp/vault#26687)
//   - hashicorp/vault-plugin-secrets-kv and openbao/openbao
//     builtin/logical/kv: path_data.go, path_metadata.go, path_delete.go,
//     path_destroy.go, path_config.go, delete_version_after.go
//   - openbao/openbao http/logical.go (methods, LIST, list=true, PATCH
//     content type, 405) and sdk/logical/response_util.go (status mapping,
//     {"errors":[]} bodies, 404 for an empty LIST)
//   - openbao/openbao builtin/credential/approle/path_login.go
//   - github.com/hashicorp/vault/api v1.23.0 (kv_v2.go, logical.go,
//     client.go: 404 handling, PATCH fallback on 405, one 307 redirect)
//
// # Ambiguities and simplifications
//
//   - max_versions: the documentation says a key's setting "can overwrite"
//     the mount's; the source keeps max(key, mount). The source is followed.
//   - The real engine walks custom_metadata in random order, so with several
//     violations its message order varies; here keys are sorted.
//   - An invalid token: Vault 1.17+ documents both "permission denied" and
//     "invalid token"; OpenBao and older Vault say "permission denied" only,
//     which is what this server says.
//   - Renewing a token without TTL (the root token) answers 400 "lease not
//     found", from memory of vault/expiration.go, not re-checked.
//   - The wrapping of "unsupported path" / "unsupported operation" in a
//     go-multierror follows core.handleRequest (routing errors appended to a
//     multierror); clients should match on status, not on text.
//   - Tokens are shared by all namespaces; an undeclared namespace gets the
//     "no handler for route" 404. Real namespaces are richer.
//   - Field conversion errors use the framework's wording ("error converting
//     input X for field \"f\": ...") but not its exact inner text.
//   - 412 is only used by the real server for X-Vault-Index consistency
//     (ErrMissingRequiredState), which is not implemented; inject it with
//     FailPath/FailNext if needed. subkeys/, detailed-metadata/, response
//     wrapping, leases and policies beyond a deny list are not implemented.
package kvtest
