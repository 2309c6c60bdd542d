package kvtest

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/vault/api"
)

// runConformanceSys checks what a KV client meets around the engine: other
// mounts (KV v1, non-KV, nested), the preflight, ACL policies, tokens and
// their renewal, and AppRole. It sets everything up through the sys API
// with the root token, under fresh names, and removes it afterwards.
func runConformanceSys(t *testing.T, addr, root, mount string) {
	t.Run("Mounts", func(t *testing.T) {
		kv1 := enableMount(t, addr, root, "kv1", map[string]any{"type": "kv", "options": map[string]any{"version": "1"}})
		tr := enableMount(t, addr, root, "transit", map[string]any{"type": "transit"})
		nested := enableMount(t, addr, root, "outer", map[string]any{"type": "kv-v2"})
		r := raw(t, "POST", addr, root, "sys/mounts/"+kv1, map[string]any{"type": "kv"})
		wantStatus(t, r, 400)
		wantErrors(t, r, fmt.Sprintf("path is already in use at %s/", kv1))
		r = raw(t, "POST", addr, root, "sys/mounts/kvtest-"+randHex(4), map[string]any{"type": "no-such-engine"})
		wantStatus(t, r, 400)
		wantErrors(t, r, "plugin not found in the catalog: no-such-engine")

		for _, tc := range []struct {
			path, mount, typ string
			version          any
		}{
			{mount + "/app", mount + "/", "kv", "2"},
			{kv1 + "/app", kv1 + "/", "kv", "1"},
			{tr + "/keys/x", tr + "/", "transit", nil},
			{nested + "/a/b", nested + "/", "kv", "2"},
			{"sys", "sys/", "system", nil},
			{"cubbyhole/x", "cubbyhole/", "cubbyhole", nil},
		} {
			r := raw(t, "GET", addr, root, "sys/internal/ui/mounts/"+tc.path, nil)
			wantStatus(t, r, 200)
			d := r.data(t)
			var ver any
			if o, ok := d["options"].(map[string]any); ok {
				ver = o["version"]
			}
			if d["path"] != tc.mount || d["type"] != tc.typ || ver != tc.version {
				t.Errorf("%s: path %v type %v version %v", tc.path, d["path"], d["type"], ver)
			}
		}
		r = raw(t, "GET", addr, root, "sys/internal/ui/mounts/", nil)
		wantStatus(t, r, 404)
		wantErrors(t, r, "unsupported path")
		r = raw(t, "GET", addr, root, "sys/internal/ui/mounts/kvtest-none-"+randHex(3), nil)
		wantStatus(t, r, 403)

		c := newClient(t, addr, root)
		if _, err := c.Logical().WriteWithContext(ctx(t), kv1+"/app/db", map[string]any{"password": "p"}); err != nil {
			t.Fatal(err)
		}
		r = raw(t, "GET", addr, root, kv1+"/app/db", nil)
		wantStatus(t, r, 200)
		if env := r.json(t); env["lease_duration"] != float64(2764800) || r.data(t)["password"] != "p" {
			t.Fatalf("kv1 read: %s", r.body)
		}
		r = raw(t, "PUT", addr, root, kv1+"/app/db", map[string]any{})
		wantStatus(t, r, 400)
		wantErrors(t, r, "missing data fields")
		l, err := c.Logical().ListWithContext(ctx(t), kv1+"/app")
		if err != nil || !reflect.DeepEqual(l.Data["keys"], []any{"db"}) {
			t.Fatalf("kv1 list: %v %v", err, l)
		}
		// The KV v2 API against a KV v1 mount finds nothing.
		if _, err := c.KVv2(kv1).Get(ctx(t), "app/db"); !errors.Is(err, api.ErrSecretNotFound) {
			t.Fatalf("kv2 client on kv1: %v", err)
		}
		wantErrors(t, raw(t, "LIST", addr, root, kv1+"/metadata/app", nil))
		r = raw(t, "PATCH", addr, root, kv1+"/app/db", map[string]any{"x": "1"}, "Content-Type", "application/merge-patch+json")
		wantStatus(t, r, 405)
		for _, path := range []string{tr + "/data/x", tr + "/metadata/x"} {
			r := raw(t, "GET", addr, root, path, nil)
			wantStatus(t, r, 404)
			wantErrors(t, r, "1 error occurred:\n\t* unsupported path\n\n")
		}
		r = raw(t, "GET", addr, root, "kvtest-none-"+randHex(3)+"/x", nil)
		wantStatus(t, r, 404)
		if e := r.errors(t); len(e) != 1 || !strings.HasPrefix(e[0], "no handler for route") {
			t.Fatalf("no mount: %q", e)
		}
		m, err := c.Sys().ListMountsWithContext(ctx(t))
		if err != nil || m[nested+"/"] == nil || m[kv1+"/"].Options["version"] != "1" || m["sys/"] == nil {
			t.Fatalf("mounts: %v %v", err, m)
		}
		r = raw(t, "GET", addr, root, "sys/mounts/"+mount, nil)
		wantStatus(t, r, 200)
		if env := r.json(t); env["type"] != "kv" || r.data(t)["type"] != "kv" {
			t.Fatalf("sys/mounts/%s (data repeated at the top level): %s", mount, r.body)
		}
		// The open-source server ignores a namespace header.
		r = raw(t, "GET", addr, root, "sys/internal/ui/mounts/"+mount, nil, "X-Vault-Namespace", "kvtest-ns")
		wantStatus(t, r, 200)
	})

	t.Run("Policies", func(t *testing.T) {
		kv := newClient(t, addr, root).KVv2(mount)
		pre := "kvtest-" + randHex(4)
		kv1 := enableMount(t, addr, root, "kv1", map[string]any{"type": "kv"})
		pol := putPolicy(t, addr, root, fmt.Sprintf(`path "%[1]s/*" { capabilities = ["create", "read", "update", "delete", "list", "patch"] }
path "%[1]s/data/%[2]s/denied" { capabilities = ["deny"] }
path "%[1]s/metadata/%[2]s/hidden" { capabilities = ["deny"] }
path "%[1]s/data/%[2]s/ro" { capabilities = ["read"] }`, mount, pre))
		tok := createToken(t, addr, root, map[string]any{"policies": []string{pol}, "ttl": "1h"})
		t.Cleanup(func() { deleteTree(t, newClient(t, addr, root), mount, pre+"/") })
		kv.Put(ctx(t), pre+"/ro", map[string]any{"a": "1"})
		kv.Put(ctx(t), pre+"/hidden", map[string]any{"a": "1"})
		acl := "1 error occurred:\n\t* permission denied\n\n"
		for _, tc := range []struct {
			method, path string
			body         any
			status       int
		}{
			{"PUT", "data/" + pre + "/denied", map[string]any{"data": map[string]any{"a": "1"}}, 403},
			{"GET", "data/" + pre + "/denied", nil, 403},
			{"GET", "metadata/" + pre + "/hidden", nil, 403},
			{"GET", "data/" + pre + "/hidden", nil, 200},
			{"GET", "data/" + pre + "/ro", nil, 200},
			{"PUT", "data/" + pre + "/ro", map[string]any{"data": map[string]any{"a": "2"}}, 403},
			{"PUT", "data/" + pre + "/ok", map[string]any{"data": map[string]any{"a": "1"}}, 200},
			{"LIST", "metadata/" + pre, nil, 200},
		} {
			r := raw(t, tc.method, addr, tok, mount+"/"+tc.path, tc.body)
			if r.status != tc.status {
				t.Errorf("%s %s: %d, want %d: %s", tc.method, tc.path, r.status, tc.status, r.body)
			} else if tc.status == 403 {
				wantErrors(t, r, acl)
			}
		}
		for _, path := range []string{kv1 + "/x", "sys/mounts", "kvtest-none-" + randHex(3) + "/x"} {
			r := raw(t, "GET", addr, tok, path, nil)
			wantStatus(t, r, 403)
			wantErrors(t, r, acl)
		}
		wantStatus(t, raw(t, "GET", addr, tok, "sys/internal/ui/mounts/"+mount, nil), 200)
		r := raw(t, "GET", addr, tok, "sys/internal/ui/mounts/"+kv1, nil)
		wantStatus(t, r, 403)
		wantErrors(t, r, fmt.Sprintf("preflight capability check returned 403, please ensure client's policies grant access to path %q", kv1+"/"))
		// A token without the default policy may not even look itself up.
		bare := createToken(t, addr, root, map[string]any{"policies": []string{pol}, "no_default_policy": true})
		r = raw(t, "GET", addr, bare, "auth/token/lookup-self", nil)
		wantStatus(t, r, 403)
		wantErrors(t, r, acl)
		// Policy names are lowercase.
		upper := "KVtest-" + randHex(4)
		r = sysCall(t, addr, root, "PUT", "sys/policies/acl/"+upper, map[string]any{"policy": `path "x" { capabilities = ["read"] }`})
		t.Cleanup(func() { raw(t, "DELETE", addr, root, "sys/policies/acl/"+strings.ToLower(upper), nil) })
		if w := r.warnings(t); len(w) != 1 || w[0] != "policy name was converted to "+strings.ToLower(upper) {
			t.Fatalf("warnings %q", w)
		}
	})

	t.Run("Tokens", func(t *testing.T) {
		pol := putPolicy(t, addr, root, fmt.Sprintf(`path "%s/*" { capabilities = ["read", "list"] }`, mount))
		r := sysCall(t, addr, root, "POST", "auth/token/create", map[string]any{"policies": []string{pol, "kvtest-missing"}, "ttl": "1h", "explicit_max_ttl": "3h"})
		a := r.json(t)["auth"].(map[string]any)
		tok := a["client_token"].(string)
		t.Cleanup(func() { raw(t, "POST", addr, root, "auth/token/revoke", map[string]any{"token": tok}) })
		if fmt.Sprint(a["lease_duration"]) != "3600" || a["renewable"] != true || a["orphan"] != false ||
			!reflect.DeepEqual(a["policies"], []any{"default", pol, "kvtest-missing"}) {
			t.Fatalf("create: %s", r.body)
		}
		if w := r.warnings(t); len(w) != 1 || w[0] != `Policy "kvtest-missing" does not exist` {
			t.Fatalf("create warnings %q", w)
		}
		c := newClient(t, addr, tok)
		s, err := c.Auth().Token().LookupSelfWithContext(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if ttl, _ := s.TokenTTL(); ttl.Seconds() < 3500 || ttl.Seconds() > 3600 {
			t.Fatalf("ttl %v", ttl)
		}
		d := s.Data
		if fmt.Sprint(d["explicit_max_ttl"]) != "10800" || fmt.Sprint(d["creation_ttl"]) != "3600" || d["path"] != "auth/token/create" ||
			d["display_name"] != "token" || d["renewable"] != true || d["last_renewal"] != nil {
			t.Fatalf("lookup-self %v", d)
		}
		for _, tc := range []struct {
			body    map[string]any
			lease   int
			warning string
		}{
			{map[string]any{}, 3600, ""},
			{map[string]any{"increment": "2h"}, 7200, ""},
			{map[string]any{"increment": 36000}, 10800, `TTL of "10h" exceeded the effective max_ttl of "3h"; TTL value is capped accordingly`},
		} {
			r := raw(t, "PUT", addr, tok, "auth/token/renew-self", tc.body)
			wantStatus(t, r, 200)
			a := r.json(t)["auth"].(map[string]any)
			if l := a["lease_duration"].(float64); int(l) > tc.lease || int(l) < tc.lease-2 || a["client_token"] != tok {
				t.Errorf("renew %v: %s", tc.body, r.body)
			}
			if w := r.warnings(t); (tc.warning == "" && len(w) != 0) || (tc.warning != "" && (len(w) != 1 || w[0] != tc.warning)) {
				t.Errorf("renew %v: warnings %q", tc.body, w)
			}
		}
		if d := raw(t, "GET", addr, tok, "auth/token/lookup-self", nil).data(t); d["last_renewal"] == nil || d["last_renewal_time"] == nil {
			t.Fatalf("no last_renewal after a renewal: %v", d)
		}
		// A renewal without an increment grants what the last one did,
		// not the creation TTL.
		wantStatus(t, raw(t, "PUT", addr, tok, "auth/token/renew-self", map[string]any{"increment": "1m"}), 200)
		r = raw(t, "PUT", addr, tok, "auth/token/renew-self", map[string]any{})
		if l := r.json(t)["auth"].(map[string]any)["lease_duration"].(float64); l < 58 || l > 60 {
			t.Fatalf("renewal after a 1m one: %s", r.body)
		}
		fixed := createToken(t, addr, root, map[string]any{"ttl": "1h", "renewable": false})
		for _, tk := range []string{fixed, root} {
			r := raw(t, "PUT", addr, tk, "auth/token/renew-self", map[string]any{})
			wantStatus(t, r, 400)
			wantErrors(t, r, "lease is not renewable")
		}
		// Revoked: every request gets the plain "permission denied" of a
		// token that does not exist, not the ACL's wrapped one.
		wantStatus(t, raw(t, "POST", addr, tok, "auth/token/revoke-self", map[string]any{}), 204)
		for _, path := range []string{"auth/token/lookup-self", mount + "/data/x"} {
			r := raw(t, "GET", addr, tok, path, nil)
			wantStatus(t, r, 403)
			wantErrors(t, r, "permission denied")
		}
		wantStatus(t, raw(t, "PUT", addr, root, "auth/token/revoke", map[string]any{"token": fixed}), 204)
		wantErrors(t, raw(t, "GET", addr, fixed, "auth/token/lookup-self", nil), "permission denied")
	})

	t.Run("AppRole", func(t *testing.T) {
		path := "kvtest-" + randHex(4)
		sysCall(t, addr, root, "POST", "sys/auth/"+path, map[string]any{"type": "approle"})
		t.Cleanup(func() { raw(t, "DELETE", addr, root, "sys/auth/"+path, nil) })
		pol := putPolicy(t, addr, root, fmt.Sprintf(`path "%s/*" { capabilities = ["read"] }`, mount))
		sysCall(t, addr, root, "POST", "auth/"+path+"/role/ci", map[string]any{"token_policies": []string{pol}, "token_ttl": "20m", "token_max_ttl": "1h"})
		roleID := sysCall(t, addr, root, "GET", "auth/"+path+"/role/ci/role-id", nil).data(t)["role_id"].(string)
		sid := sysCall(t, addr, root, "POST", "auth/"+path+"/role/ci/secret-id", map[string]any{}).data(t)["secret_id"].(string)
		login := "auth/" + path + "/login"
		for _, tc := range []struct {
			body   map[string]any
			status int
			want   string
		}{
			{map[string]any{}, 500, "failed to determine alias name from login request"},
			{map[string]any{"role_id": roleID}, 400, "missing secret_id"},
			{map[string]any{"role_id": roleID, "secret_id": "wrong"}, 400, "invalid role or secret ID"},
			{map[string]any{"role_id": "nope", "secret_id": sid}, 400, "invalid role or secret ID"},
		} {
			r := raw(t, "POST", addr, "", login, tc.body)
			wantStatus(t, r, tc.status)
			wantErrors(t, r, tc.want)
		}
		// A login ignores an invalid token header.
		r := raw(t, "POST", addr, "not-a-token", login, map[string]any{"role_id": roleID, "secret_id": sid})
		wantStatus(t, r, 200)
		a := r.json(t)["auth"].(map[string]any)
		if fmt.Sprint(a["lease_duration"]) != "1200" || a["renewable"] != true || a["orphan"] != true ||
			!reflect.DeepEqual(a["policies"], []any{"default", pol}) || !reflect.DeepEqual(a["metadata"], map[string]any{"role_name": "ci"}) {
			t.Fatalf("login: %s", r.body)
		}
		tok := a["client_token"].(string)
		d := raw(t, "GET", addr, tok, "auth/token/lookup-self", nil).data(t)
		if d["display_name"] != path || d["path"] != login || fmt.Sprint(d["explicit_max_ttl"]) != "0" || d["entity_id"] == "" {
			t.Fatalf("lookup-self %v", d)
		}
		r = raw(t, "GET", addr, root, "auth/kvtest-none-"+randHex(3)+"/login", nil)
		wantStatus(t, r, 404)
	})
}
