package kvtest

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/vault/api"
)

// TestConformance runs the KV v2 conformance suite against the in-process
// server.
func TestConformance(t *testing.T) {
	srv := Serve(t, Options{})
	runConformance(t, srv.URL(), srv.RootToken(), "secret")
}

// TestConformanceReal runs the same suite against a real Vault or OpenBao
// (`bao server -dev`) when WARD_TEST_VAULT_ADDR and WARD_TEST_VAULT_TOKEN are
// set; the token needs full access to the KV v2 mount "secret" and to its
// config (the suite restores what it changes).
func TestConformanceReal(t *testing.T) {
	addr, tok := realServer(t)
	runConformance(t, addr, tok, "secret")
}

// runConformance checks the documented KV v2 behaviour at addr. It works
// under a fresh random prefix and deletes what it wrote, so it can run
// against a shared server.
func runConformance(t *testing.T, addr, token, mount string) {
	c := newClient(t, addr, token)
	kv := c.KVv2(mount)
	prefix := "kvtest-" + randHex(6)
	t.Cleanup(func() { deleteTree(t, c, mount, prefix+"/") })
	p := func(name string) string { return prefix + "/" + name }

	t.Run("PutGet", func(t *testing.T) {
		s, err := kv.Put(ctx(t), p("putget"), map[string]any{"user": "app", "n": 7})
		if err != nil {
			t.Fatal(err)
		}
		if s.VersionMetadata.Version != 1 || s.VersionMetadata.Destroyed || !s.VersionMetadata.DeletionTime.IsZero() {
			t.Fatalf("put metadata %+v", s.VersionMetadata)
		}
		got, err := kv.Get(ctx(t), p("putget"))
		if err != nil {
			t.Fatal(err)
		}
		if got.Data["user"] != "app" || fmt.Sprint(got.Data["n"]) != "7" || got.VersionMetadata.Version != 1 {
			t.Fatalf("get %+v %+v", got.Data, got.VersionMetadata)
		}
		if got.CustomMetadata != nil {
			t.Fatalf("custom metadata %v, want none", got.CustomMetadata)
		}
		r := raw(t, "GET", addr, token, mount+"/data/"+p("putget"), nil)
		wantStatus(t, r, 200)
		env := r.json(t)
		for _, k := range []string{"request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info", "warnings", "auth"} {
			if _, ok := env[k]; !ok {
				t.Errorf("envelope lacks %q: %s", k, r.body)
			}
		}
		md := env["data"].(map[string]any)["metadata"].(map[string]any)
		for _, k := range []string{"created_time", "custom_metadata", "deletion_time", "destroyed", "version"} {
			if _, ok := md[k]; !ok {
				t.Errorf("metadata lacks %q: %s", k, r.body)
			}
		}
		if md["custom_metadata"] != nil || md["deletion_time"] != "" {
			t.Errorf("metadata %v", md)
		}
	})

	t.Run("Versions", func(t *testing.T) {
		for i := 1; i <= 3; i++ {
			if _, err := kv.Put(ctx(t), p("versions"), map[string]any{"v": i}); err != nil {
				t.Fatal(err)
			}
		}
		v2, err := kv.GetVersion(ctx(t), p("versions"), 2)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(v2.Data["v"]) != "2" || v2.VersionMetadata.Version != 2 {
			t.Fatalf("version 2: %+v", v2)
		}
		if _, err := kv.GetVersion(ctx(t), p("versions"), 9); !errors.Is(err, api.ErrSecretNotFound) {
			t.Fatalf("version 9: %v, want ErrSecretNotFound", err)
		}
		wantErrors(t, raw(t, "GET", addr, token, mount+"/data/"+p("versions")+"?version=9", nil))
		md, err := kv.GetMetadata(ctx(t), p("versions"))
		if err != nil {
			t.Fatal(err)
		}
		if md.CurrentVersion != 3 || md.OldestVersion != 0 || len(md.Versions) != 3 || md.CreatedTime.After(md.UpdatedTime) {
			t.Fatalf("metadata %+v", md)
		}
	})

	t.Run("Missing", func(t *testing.T) {
		if _, err := kv.Get(ctx(t), p("nope")); !errors.Is(err, api.ErrSecretNotFound) {
			t.Fatalf("get: %v", err)
		}
		r := raw(t, "GET", addr, token, mount+"/data/"+p("nope"), nil)
		wantStatus(t, r, 404)
		wantErrors(t, r)
		r = raw(t, "GET", addr, token, mount+"/metadata/"+p("nope"), nil)
		wantStatus(t, r, 404)
		wantErrors(t, r)
		if _, err := kv.GetMetadata(ctx(t), p("nope")); !errors.Is(err, api.ErrSecretNotFound) {
			t.Fatalf("get metadata: %v", err)
		}
		wantStatus(t, raw(t, "DELETE", addr, token, mount+"/data/"+p("nope"), nil), 204)
		wantStatus(t, raw(t, "DELETE", addr, token, mount+"/metadata/"+p("nope"), nil), 204)
	})

	t.Run("CAS", func(t *testing.T) {
		if _, err := kv.Put(ctx(t), p("cas"), map[string]any{"a": "1"}, api.WithCheckAndSet(0)); err != nil {
			t.Fatalf("cas 0 on a new key: %v", err)
		}
		_, err := kv.Put(ctx(t), p("cas"), map[string]any{"a": "2"}, api.WithCheckAndSet(0))
		re := respErr(t, err)
		if re.StatusCode != 400 || len(re.Errors) != 1 || re.Errors[0] != "check-and-set parameter did not match the current version" {
			t.Fatalf("cas 0 on an existing key: %d %q", re.StatusCode, re.Errors)
		}
		if _, err := kv.Put(ctx(t), p("cas"), map[string]any{"a": "2"}, api.WithCheckAndSet(1)); err != nil {
			t.Fatalf("cas 1: %v", err)
		}
		r := raw(t, "PUT", addr, token, mount+"/data/"+p("cas"), map[string]any{"options": map[string]any{"cas": 1}, "data": map[string]any{"a": "3"}})
		wantStatus(t, r, 400)
		wantErrors(t, r, "check-and-set parameter did not match the current version")
		r = raw(t, "PUT", addr, token, mount+"/data/"+p("cas"), map[string]any{"options": map[string]any{"cas": "x"}, "data": map[string]any{"a": "3"}})
		wantStatus(t, r, 400)
		wantErrors(t, r, "error parsing check-and-set parameter")
	})

	t.Run("CASRequiredKey", func(t *testing.T) {
		if _, err := kv.Put(ctx(t), p("casreq"), map[string]any{"a": "1"}); err != nil {
			t.Fatal(err)
		}
		if err := kv.PutMetadata(ctx(t), p("casreq"), api.KVMetadataPutInput{CASRequired: true}); err != nil {
			t.Fatal(err)
		}
		_, err := kv.Put(ctx(t), p("casreq"), map[string]any{"a": "2"})
		re := respErr(t, err)
		if re.StatusCode != 400 || re.Errors[0] != "check-and-set parameter required for this call" {
			t.Fatalf("%d %q", re.StatusCode, re.Errors)
		}
		if _, err := kv.Put(ctx(t), p("casreq"), map[string]any{"a": "2"}, api.WithCheckAndSet(1)); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("CASRequiredMount", func(t *testing.T) {
		cfg := raw(t, "GET", addr, token, mount+"/config", nil)
		wantStatus(t, cfg, 200)
		old := cfg.json(t)["data"].(map[string]any)
		for _, k := range []string{"max_versions", "cas_required", "delete_version_after"} {
			if _, ok := old[k]; !ok {
				t.Fatalf("config lacks %q: %s", k, cfg.body)
			}
		}
		wantStatus(t, raw(t, "POST", addr, token, mount+"/config", map[string]any{"cas_required": true}), 204)
		t.Cleanup(func() {
			raw(t, "POST", addr, token, mount+"/config", map[string]any{"cas_required": old["cas_required"]})
		})
		r := raw(t, "PUT", addr, token, mount+"/data/"+p("casmount"), map[string]any{"data": map[string]any{"a": "1"}})
		wantStatus(t, r, 400)
		wantErrors(t, r, "check-and-set parameter required for this call")
		wantStatus(t, raw(t, "PUT", addr, token, mount+"/data/"+p("casmount"), map[string]any{"options": map[string]any{"cas": 0}, "data": map[string]any{"a": "1"}}), 200)
		// A key cannot opt out: the write succeeds with a warning.
		r = raw(t, "POST", addr, token, mount+"/metadata/"+p("casmount"), map[string]any{"cas_required": false})
		wantStatus(t, r, 200)
		if w, _ := r.json(t)["warnings"].([]any); len(w) != 1 || !strings.Contains(fmt.Sprint(w[0]), "mandated by backend config") {
			t.Fatalf("warnings: %s", r.body)
		}
	})

	t.Run("MaxVersionsPruning", func(t *testing.T) {
		if err := kv.PutMetadata(ctx(t), p("maxv"), api.KVMetadataPutInput{MaxVersions: 2}); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 3; i++ {
			if _, err := kv.Put(ctx(t), p("maxv"), map[string]any{"v": i}); err != nil {
				t.Fatal(err)
			}
		}
		md, err := kv.GetMetadata(ctx(t), p("maxv"))
		if err != nil {
			t.Fatal(err)
		}
		var nums []int
		for _, v := range md.Versions {
			nums = append(nums, v.Version)
		}
		if md.CurrentVersion != 3 || md.OldestVersion != 2 || md.MaxVersions != 2 || len(md.Versions) != 2 || md.Versions["1"].Version != 0 {
			t.Fatalf("metadata current %d oldest %d max %d versions %v", md.CurrentVersion, md.OldestVersion, md.MaxVersions, nums)
		}
		if _, err := kv.GetVersion(ctx(t), p("maxv"), 1); !errors.Is(err, api.ErrSecretNotFound) {
			t.Fatalf("pruned version 1: %v", err)
		}
	})

	t.Run("SoftDeleteUndelete", func(t *testing.T) {
		kv.Put(ctx(t), p("soft"), map[string]any{"a": "1"})
		if _, err := kv.Put(ctx(t), p("soft"), map[string]any{"a": "2"}); err != nil {
			t.Fatal(err)
		}
		if err := kv.Delete(ctx(t), p("soft")); err != nil {
			t.Fatal(err)
		}
		// The official client reports a deleted version as a secret
		// without data, not as an error.
		s, err := kv.Get(ctx(t), p("soft"))
		if err != nil {
			t.Fatal(err)
		}
		if s.Data != nil || s.VersionMetadata.DeletionTime.IsZero() || s.VersionMetadata.Version != 2 {
			t.Fatalf("deleted: %+v %+v", s.Data, s.VersionMetadata)
		}
		r := raw(t, "GET", addr, token, mount+"/data/"+p("soft"), nil)
		wantStatus(t, r, 404)
		d := r.json(t)["data"].(map[string]any)
		md := d["metadata"].(map[string]any)
		if d["data"] != nil || md["deletion_time"] == "" || md["destroyed"] != false || fmt.Sprint(md["version"]) != "2" {
			t.Fatalf("deleted body: %s", r.body)
		}
		if err := kv.Undelete(ctx(t), p("soft"), []int{2}); err != nil {
			t.Fatal(err)
		}
		s, err = kv.Get(ctx(t), p("soft"))
		if err != nil || s.Data["a"] != "2" || !s.VersionMetadata.DeletionTime.IsZero() {
			t.Fatalf("undeleted: %v %+v", err, s)
		}
		if err := kv.DeleteVersions(ctx(t), p("soft"), []int{1}); err != nil {
			t.Fatal(err)
		}
		gm, err := kv.GetMetadata(ctx(t), p("soft"))
		if err != nil {
			t.Fatal(err)
		}
		if gm.Versions["1"].DeletionTime.IsZero() || !gm.Versions["2"].DeletionTime.IsZero() {
			t.Fatalf("versions %+v", gm.Versions)
		}
	})

	t.Run("Destroy", func(t *testing.T) {
		kv.Put(ctx(t), p("destroy"), map[string]any{"a": "1"})
		kv.Put(ctx(t), p("destroy"), map[string]any{"a": "2"})
		if err := kv.Destroy(ctx(t), p("destroy"), []int{1}); err != nil {
			t.Fatal(err)
		}
		r := raw(t, "GET", addr, token, mount+"/data/"+p("destroy")+"?version=1", nil)
		wantStatus(t, r, 404)
		md := r.json(t)["data"].(map[string]any)["metadata"].(map[string]any)
		if md["destroyed"] != true || md["deletion_time"] != "" {
			t.Fatalf("destroyed body: %s", r.body)
		}
		// Undelete cannot bring back a destroyed version.
		kv.Undelete(ctx(t), p("destroy"), []int{1})
		gm, _ := kv.GetMetadata(ctx(t), p("destroy"))
		if !gm.Versions["1"].Destroyed || gm.Versions["2"].Destroyed {
			t.Fatalf("versions %+v", gm.Versions)
		}
		if s, err := kv.Get(ctx(t), p("destroy")); err != nil || s.Data["a"] != "2" {
			t.Fatalf("latest: %v %+v", err, s)
		}
	})

	t.Run("DeleteMetadata", func(t *testing.T) {
		kv.Put(ctx(t), p("gone"), map[string]any{"a": "1"})
		if err := kv.DeleteMetadata(ctx(t), p("gone")); err != nil {
			t.Fatal(err)
		}
		if _, err := kv.GetMetadata(ctx(t), p("gone")); !errors.Is(err, api.ErrSecretNotFound) {
			t.Fatalf("after delete: %v", err)
		}
		s, err := kv.Put(ctx(t), p("gone"), map[string]any{"a": "1"})
		if err != nil || s.VersionMetadata.Version != 1 {
			t.Fatalf("recreate: %v %+v", err, s)
		}
	})

	t.Run("Patch", func(t *testing.T) {
		kv.Put(ctx(t), p("patch"), map[string]any{"a": "1", "b": "2", "o": map[string]any{"x": "1", "y": "2"}})
		s, err := kv.Patch(ctx(t), p("patch"), map[string]any{"b": nil, "c": "3", "o": map[string]any{"y": nil}})
		if err != nil {
			t.Fatal(err)
		}
		if s.VersionMetadata.Version != 2 {
			t.Fatalf("patch version %d", s.VersionMetadata.Version)
		}
		got, _ := kv.Get(ctx(t), p("patch"))
		want := map[string]any{"a": "1", "c": "3", "o": map[string]any{"x": "1"}}
		if !reflect.DeepEqual(got.Data, want) {
			t.Fatalf("patched %v, want %v", got.Data, want)
		}
		if _, err := kv.Patch(ctx(t), p("patch"), map[string]any{"a": "9"}, api.WithCheckAndSet(1)); err == nil {
			t.Fatal("patch with a stale cas succeeded")
		}
		if _, err := kv.Patch(ctx(t), p("nope"), map[string]any{"a": "1"}); !errors.Is(err, api.ErrSecretNotFound) {
			t.Fatalf("patch of a missing key: %v", err)
		}
		r := raw(t, "PATCH", addr, token, mount+"/data/"+p("patch"), map[string]any{"data": map[string]any{"a": "2"}}, "Content-Type", "application/json")
		wantStatus(t, r, 415)
		if e := r.errors(t); len(e) != 1 || !strings.Contains(e[0], "application/merge-patch+json") {
			t.Fatalf("415 errors %q", e)
		}
		kv.Delete(ctx(t), p("patch"))
		r = raw(t, "PATCH", addr, token, mount+"/data/"+p("patch"), map[string]any{"data": map[string]any{"a": "2"}}, "Content-Type", "application/merge-patch+json")
		wantStatus(t, r, 404)
		if d := r.json(t)["data"].(map[string]any); d["deletion_time"] == "" {
			t.Fatalf("patch of a deleted version: %s", r.body)
		}
	})

	t.Run("CustomMetadata", func(t *testing.T) {
		kv.Put(ctx(t), p("custom"), map[string]any{"a": "1"})
		cm := map[string]any{"ward-owner": "ops", "ward-rotated": "2025-01-01"}
		if err := kv.PutMetadata(ctx(t), p("custom"), api.KVMetadataPutInput{CustomMetadata: cm}); err != nil {
			t.Fatal(err)
		}
		s, err := kv.Get(ctx(t), p("custom"))
		if err != nil || !reflect.DeepEqual(s.CustomMetadata, cm) {
			t.Fatalf("get: %v %v", err, s.CustomMetadata)
		}
		err = kv.PatchMetadata(ctx(t), p("custom"), api.KVMetadataPatchInput{CustomMetadata: map[string]any{"ward-owner": nil, "ward-new": "x"}})
		if err != nil {
			t.Fatal(err)
		}
		md, _ := kv.GetMetadata(ctx(t), p("custom"))
		want := map[string]any{"ward-rotated": "2025-01-01", "ward-new": "x"}
		if !reflect.DeepEqual(md.CustomMetadata, want) {
			t.Fatalf("patched %v, want %v", md.CustomMetadata, want)
		}
		// Limits: exactly at each limit is fine.
		atLimit := map[string]any{}
		for i := 0; i < 63; i++ {
			atLimit[fmt.Sprintf("k%02d", i)] = "v"
		}
		atLimit[strings.Repeat("k", 128)] = strings.Repeat("v", 512)
		wantStatus(t, raw(t, "POST", addr, token, mount+"/metadata/"+p("custom"), map[string]any{"custom_metadata": atLimit}), 204)
	})

	t.Run("CustomMetadataLimits", func(t *testing.T) {
		tooMany := map[string]any{}
		for i := 0; i < 65; i++ {
			tooMany[fmt.Sprintf("k%02d", i)] = "v"
		}
		cases := []struct {
			name string
			cm   map[string]any
			want string
		}{
			{"65 keys", tooMany, "custom_metadata validation failed: payload must contain at most 64 keys, provided 65"},
			{"long key", map[string]any{strings.Repeat("k", 129): "v"}, fmt.Sprintf("custom_metadata validation failed: length of key %q is 129 but must be 0 < len(key) <= 128", strings.Repeat("k", 129))},
			{"long value", map[string]any{"k": strings.Repeat("v", 513)}, `custom_metadata validation failed: length of value for key "k" is 513 but must be 0 < len(value) <= 512`},
			{"empty value", map[string]any{"k": ""}, `custom_metadata validation failed: length of value for key "k" is 0 but must be 0 < len(value) <= 512`},
			{"unprintable", map[string]any{"k": "a\x01b"}, `custom_metadata validation failed: value for key "k" contains unprintable characters`},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := raw(t, "POST", addr, token, mount+"/metadata/"+p("limits"), map[string]any{"custom_metadata": tc.cm})
				wantStatus(t, r, 400)
				wantErrors(t, r, "1 error occurred:\n\t* "+tc.want+"\n\n")
				err := kv.PutMetadata(ctx(t), p("limits"), api.KVMetadataPutInput{CustomMetadata: tc.cm})
				if re := respErr(t, err); re.StatusCode != 400 {
					t.Fatalf("client: %v", err)
				}
			})
		}
		if _, err := kv.GetMetadata(ctx(t), p("limits")); !errors.Is(err, api.ErrSecretNotFound) {
			t.Fatalf("a refused metadata write created the key: %v", err)
		}
	})

	t.Run("List", func(t *testing.T) {
		for _, k := range []string{"list/b", "list/c/d", "list/c/e/f", "list/a", "list/c"} {
			if _, err := kv.Put(ctx(t), p(k), map[string]any{"x": "1"}); err != nil {
				t.Fatal(err)
			}
		}
		want := []any{"a", "b", "c", "c/"}
		s, err := c.Logical().ListWithContext(ctx(t), mount+"/metadata/"+p("list"))
		if err != nil || s == nil {
			t.Fatalf("list: %v %v", err, s)
		}
		if !reflect.DeepEqual(s.Data["keys"], want) {
			t.Fatalf("keys %v, want %v", s.Data["keys"], want)
		}
		r := raw(t, "GET", addr, token, mount+"/metadata/"+p("list")+"/?list=true", nil)
		wantStatus(t, r, 200)
		if got := r.json(t)["data"].(map[string]any)["keys"]; !reflect.DeepEqual(got, want) {
			t.Fatalf("GET ?list=true keys %v", got)
		}
		r = raw(t, "LIST", addr, token, mount+"/metadata/"+p("list/c"), nil)
		wantStatus(t, r, 200)
		if got := r.json(t)["data"].(map[string]any)["keys"]; !reflect.DeepEqual(got, []any{"d", "e/"}) {
			t.Fatalf("LIST c keys %v", got)
		}
		r = raw(t, "LIST", addr, token, mount+"/metadata/"+p("list/empty"), nil)
		wantStatus(t, r, 404)
		wantErrors(t, r)
		if s, err := c.Logical().ListWithContext(ctx(t), mount+"/metadata/"+p("list/empty")); err != nil || s != nil {
			t.Fatalf("empty list: %v %v", err, s)
		}
		// A soft-deleted or destroyed key is still listed; a metadata
		// delete removes it and empty folders vanish.
		kv.Delete(ctx(t), p("list/b"))
		kv.DeleteMetadata(ctx(t), p("list/c/e/f"))
		s, _ = c.Logical().ListWithContext(ctx(t), mount+"/metadata/"+p("list"))
		if !reflect.DeepEqual(s.Data["keys"], want) {
			t.Fatalf("after deletes %v", s.Data["keys"])
		}
		s, _ = c.Logical().ListWithContext(ctx(t), mount+"/metadata/"+p("list/c"))
		if !reflect.DeepEqual(s.Data["keys"], []any{"d"}) {
			t.Fatalf("c after deletes %v", s.Data["keys"])
		}
	})

	t.Run("StatusCodes", func(t *testing.T) {
		kv.Put(ctx(t), p("codes"), map[string]any{"a": "1"})
		cases := []struct {
			method, path string
			body         any
			status       int
			errs         []string
		}{
			{"PUT", "data/" + p("codes"), map[string]any{"nodata": true}, 400, []string{"no data provided"}},
			{"POST", "delete/" + p("codes"), map[string]any{}, 400, []string{"No version number provided"}},
			{"POST", "undelete/" + p("codes"), map[string]any{}, 400, []string{"No version number provided"}},
			{"PUT", "destroy/" + p("codes"), map[string]any{}, 400, []string{"no version number provided"}},
			{"POST", "delete/" + p("nope"), map[string]any{"versions": []int{1}}, 204, nil},
			{"PUT", "destroy/" + p("codes"), map[string]any{"versions": "5,6"}, 204, nil},
			{"POST", "metadata/" + p("nofields"), map[string]any{}, 204, nil},
			{"GET", "metadata/" + p("nofields"), nil, 404, []string{}},
			{"PUT", "data/" + p("codes"), "{not json", 400, nil},
		}
		for _, tc := range cases {
			r := raw(t, tc.method, addr, token, mount+"/"+tc.path, tc.body)
			if r.status != tc.status {
				t.Errorf("%s %s: status %d, want %d: %s", tc.method, tc.path, r.status, tc.status, r.body)
				continue
			}
			if tc.errs != nil {
				wantErrors(t, r, tc.errs...)
			}
		}
		for _, path := range []string{"destroy/" + p("codes"), "delete/" + p("codes")} {
			if r := raw(t, "GET", addr, token, mount+"/"+path, nil); r.status != 405 {
				t.Errorf("GET %s: %d, want 405: %s", path, r.status, r.body)
			}
		}
	})

	t.Run("Auth", func(t *testing.T) {
		for _, tok := range []string{"", "not-a-token"} {
			r := raw(t, "GET", addr, tok, mount+"/data/"+p("codes"), nil)
			wantStatus(t, r, 403)
			if e := r.errors(t); len(e) == 0 || e[0] != "permission denied" {
				t.Fatalf("token %q: errors %q", tok, e)
			}
		}
		s, err := c.Auth().Token().LookupSelfWithContext(ctx(t))
		if err != nil || s.Data["id"] != token {
			t.Fatalf("lookup-self: %v", err)
		}
	})

	t.Run("Preflight", func(t *testing.T) {
		r := raw(t, "GET", addr, token, "sys/internal/ui/mounts/"+mount+"/"+p("x"), nil)
		wantStatus(t, r, 200)
		d := r.json(t)["data"].(map[string]any)
		if d["path"] != mount+"/" || d["type"] != "kv" || d["options"].(map[string]any)["version"] != "2" {
			t.Fatalf("preflight: %s", r.body)
		}
		r = raw(t, "GET", addr, token, "sys/internal/ui/mounts/kvtest-no-such-mount-"+randHex(3), nil)
		wantStatus(t, r, 403)
		if e := r.errors(t); len(e) != 1 || !strings.HasPrefix(e[0], "preflight capability check returned 403") {
			t.Fatalf("preflight of no mount: %q", e)
		}
		if h, err := c.Sys().HealthWithContext(ctx(t)); err != nil || !h.Initialized || h.Sealed {
			t.Fatalf("health: %v %+v", err, h)
		}
	})

}

// deleteTree removes every key under folder (which ends in "/").
func deleteTree(t *testing.T, c *api.Client, mount, folder string) {
	s, err := c.Logical().List(mount + "/metadata/" + folder)
	if err != nil || s == nil {
		return
	}
	keys, _ := s.Data["keys"].([]any)
	for _, k := range keys {
		name := folder + fmt.Sprint(k)
		if strings.HasSuffix(name, "/") {
			deleteTree(t, c, mount, name)
			continue
		}
		c.Logical().Delete(mount + "/metadata/" + name)
	}
}
