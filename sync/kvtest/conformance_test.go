package kvtest

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
)

// TestConformance runs the KV v2 conformance suite against the in-process
// server.
func TestConformance(t *testing.T) {
	srv := Serve(t, Options{})
	runConformance(t, srv.URL(), srv.RootToken(), "secret")
	runConformanceSys(t, srv.URL(), srv.RootToken(), "secret")
}

// TestConformanceReal runs the same suite against a real Vault or OpenBao
// (`bao server -dev`) when WARD_TEST_VAULT_ADDR and WARD_TEST_VAULT_TOKEN are
// set; the token must be a root token (`vault server -dev
// -dev-root-token-id=...`): the suite changes the config of the KV v2 mount
// "secret", mounts engines, writes policies, creates tokens and enables
// AppRole, and undoes all of it.
func TestConformanceReal(t *testing.T) {
	addr, tok := realServer(t)
	runConformance(t, addr, tok, "secret")
	runConformanceSys(t, addr, tok, "secret")
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
		var keys []string
		for k := range env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		// Exactly these: Vault 1.15 has no mount_type (later versions do).
		if want := []string{"auth", "data", "lease_duration", "lease_id", "renewable", "request_id", "warnings", "wrap_info"}; !reflect.DeepEqual(keys, want) {
			t.Errorf("envelope keys %v, want %v", keys, want)
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

	t.Run("MountConfig", func(t *testing.T) {
		old := raw(t, "GET", addr, token, mount+"/config", nil).data(t)
		t.Cleanup(func() {
			raw(t, "POST", addr, token, mount+"/config", map[string]any{
				"max_versions": old["max_versions"], "delete_version_after": old["delete_version_after"]})
		})
		// max_versions: the window is max(key, mount).
		wantStatus(t, raw(t, "POST", addr, token, mount+"/config", map[string]any{"max_versions": 3}), 204)
		for i := 0; i < 5; i++ {
			kv.Put(ctx(t), p("mountmax"), map[string]any{"i": fmt.Sprint(i)})
		}
		md, err := kv.GetMetadata(ctx(t), p("mountmax"))
		if err != nil || md.OldestVersion != 3 || len(md.Versions) != 3 {
			t.Fatalf("mount max 3: %v oldest %d, %d versions", err, md.OldestVersion, len(md.Versions))
		}
		kv.PutMetadata(ctx(t), p("mountmax"), api.KVMetadataPutInput{MaxVersions: 1})
		kv.Put(ctx(t), p("mountmax"), map[string]any{"i": "5"})
		if md, _ = kv.GetMetadata(ctx(t), p("mountmax")); len(md.Versions) != 3 || md.OldestVersion != 4 {
			t.Fatalf("key max 1 under mount max 3: oldest %d, %d versions", md.OldestVersion, len(md.Versions))
		}
		// delete_version_after: the shorter of key and mount; negative on
		// the mount turns it off.
		wantStatus(t, raw(t, "POST", addr, token, mount+"/config", map[string]any{"max_versions": 0, "delete_version_after": "1h"}), 204)
		if d := raw(t, "GET", addr, token, mount+"/config", nil).data(t); d["delete_version_after"] != "1h0m0s" {
			t.Fatalf("config %v", d)
		}
		after := func(name string) time.Duration {
			s, err := kv.Put(ctx(t), p(name), map[string]any{"a": "1"})
			if err != nil {
				t.Fatal(err)
			}
			if s.VersionMetadata.DeletionTime.IsZero() {
				return 0
			}
			return s.VersionMetadata.DeletionTime.Sub(s.VersionMetadata.CreatedTime)
		}
		if d := after("dva"); d != time.Hour {
			t.Fatalf("mount 1h: deletion after %v", d)
		}
		kv.PutMetadata(ctx(t), p("dva"), api.KVMetadataPutInput{DeleteVersionAfter: 10 * time.Minute})
		if d := after("dva"); d != 10*time.Minute {
			t.Fatalf("key 10m: deletion after %v", d)
		}
		// Not deleted yet: readable.
		if g, err := kv.Get(ctx(t), p("dva")); err != nil || g.Data["a"] != "1" {
			t.Fatalf("before deletion time: %v %+v", err, g)
		}
		wantStatus(t, raw(t, "POST", addr, token, mount+"/config", map[string]any{"delete_version_after": "-1s"}), 204)
		if d := after("dva"); d != 0 {
			t.Fatalf("disabled, yet deletion after %v", d)
		}
	})

	t.Run("InvalidPaths", func(t *testing.T) {
		invalid := func(sub string) string {
			return "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv " + sub + "' for this operation."
		}
		kv.Put(ctx(t), p("inv/a"), map[string]any{"x": "1"})
		cases := []struct{ method, path, warning string }{
			{"GET", "data/", invalid("get")},
			{"GET", "data/" + p("inv") + "/", invalid("get")},
			{"LIST", "data/" + p("inv"), invalid("list")},
			{"LIST", "config", invalid("list")},
			{"GET", "nonsense", invalid("get")},
			{"DELETE", "nonsense/x", invalid("delete")},
			{"GET", "detailed-metadata/" + p("inv/a"), invalid("get")},
			{"GET", "data", "Non-listing operations on the root of a K/V v2 mount are not supported."},
			{"GET", "metadata", "Non-listing operations on the root of a K/V v2 mount are not supported."},
		}
		for _, tc := range cases {
			r := raw(t, tc.method, addr, token, mount+"/"+tc.path, nil)
			if r.status != 404 || r.data(t) != nil {
				t.Errorf("%s %s: %d %s", tc.method, tc.path, r.status, r.body)
				continue
			}
			if w := r.warnings(t); len(w) != 1 || w[0] != tc.warning {
				t.Errorf("%s %s: warnings %q", tc.method, tc.path, w)
			}
		}
		// A path that matches without the operation: 405.
		for _, tc := range []struct{ method, path string }{{"GET", "delete/" + p("inv/a")}, {"LIST", "destroy/" + p("inv")}, {"OPTIONS", "data/" + p("inv/a")}} {
			r := raw(t, tc.method, addr, token, mount+"/"+tc.path, nil)
			wantStatus(t, r, 405)
			wantErrors(t, r, "1 error occurred:\n\t* unsupported operation\n\n")
		}
	})

	t.Run("WriteToFolder", func(t *testing.T) {
		for _, path := range []string{"data/" + p("dir") + "/", "metadata/" + p("dir") + "/", "delete/" + p("dir") + "/"} {
			r := raw(t, "POST", addr, token, mount+"/"+path, map[string]any{"data": map[string]any{"a": "1"}, "versions": []int{1}})
			wantStatus(t, r, 400)
			wantErrors(t, r, "cannot write to a path ending in '/'")
		}
		// Checked before the token.
		r := raw(t, "POST", addr, "", mount+"/data/"+p("dir")+"/", map[string]any{"data": map[string]any{"a": "1"}})
		wantStatus(t, r, 400)
	})

	t.Run("PathCleaning", func(t *testing.T) {
		kv.Put(ctx(t), p("clean/a"), map[string]any{"x": "1"})
		for _, path := range []string{p("clean/x/../a"), p("clean//a"), p("clean/./a")} {
			r := rawWith(t, noFollow, "GET", addr, token, mount+"/data/"+path, nil)
			if r.status != 301 || r.header.Get("Location") != "/v1/"+mount+"/data/"+p("clean/a") {
				t.Errorf("GET %s: %d Location %q", path, r.status, r.header.Get("Location"))
			}
		}
	})

	t.Run("NullData", func(t *testing.T) {
		// {"data": null} is not "no data": it writes a version whose data
		// is null.
		r := raw(t, "PUT", addr, token, mount+"/data/"+p("null"), map[string]any{"data": nil})
		wantStatus(t, r, 200)
		r = raw(t, "GET", addr, token, mount+"/data/"+p("null"), nil)
		wantStatus(t, r, 200)
		if d := r.data(t); d == nil || d["data"] != nil || d["metadata"] == nil {
			t.Fatalf("read: %s", r.body)
		}
		r = raw(t, "PATCH", addr, token, mount+"/data/"+p("null"), map[string]any{"data": map[string]any{"a": "1"}}, "Content-Type", "application/merge-patch+json")
		wantStatus(t, r, 500)
		wantErrors(t, r, "1 error occurred:\n\t* resource does not exist\n\n")
		r = raw(t, "PUT", addr, token, mount+"/data/"+p("null"), map[string]any{"data": map[string]any{}})
		wantStatus(t, r, 200)
		r = raw(t, "PUT", addr, token, mount+"/data/"+p("null"), map[string]any{})
		wantStatus(t, r, 400)
		wantErrors(t, r, "no data provided")
	})

	t.Run("FieldErrors", func(t *testing.T) {
		kv.Put(ctx(t), p("fields"), map[string]any{"a": "1"})
		mp := []string{"Content-Type", "application/merge-patch+json"}
		cases := []struct {
			method, path string
			body         any
			hdr          []string
			want         string
		}{
			{"GET", "data/" + p("fields") + "?version=abc", nil, nil,
				`Field validation failed: error converting input abc for field "version": cannot parse '' as int: strconv.ParseInt: parsing "abc": invalid syntax`},
			{"PUT", "data/" + p("fields"), map[string]any{"options": "x", "data": map[string]any{"a": "1"}}, nil,
				`error converting input x for field "options": '' expected a map, got 'string'`},
			{"PUT", "data/" + p("fields"), map[string]any{"data": "x"}, nil,
				`error converting input x for field "data": '' expected a map, got 'string'`},
			{"PUT", "data/" + p("fields"), map[string]any{"data": []any{1}}, nil,
				`error converting input [1] for field "data": '[0]' expected a map, got 'string'`},
			{"PATCH", "data/" + p("fields"), map[string]any{"data": "x"}, mp,
				`Field validation failed: error converting input x for field "data": '' expected a map, got 'string'`},
			{"POST", "delete/" + p("fields"), map[string]any{"versions": []any{"a"}}, nil,
				"Field validation failed: error converting input [a] for field \"versions\": 1 error(s) decoding:\n\n* cannot parse '[0]' as int: strconv.ParseInt: parsing \"a\": invalid syntax"},
			{"POST", "destroy/" + p("fields"), map[string]any{"versions": "1,x"}, nil,
				"Field validation failed: error converting input 1,x for field \"versions\": 1 error(s) decoding:\n\n* cannot parse '[1]' as int: strconv.ParseInt: parsing \"x\": invalid syntax"},
			{"POST", "metadata/" + p("fields"), map[string]any{"max_versions": "x"}, nil,
				`error converting input x for field "max_versions": cannot parse '' as int: strconv.ParseInt: parsing "x": invalid syntax`},
			{"POST", "metadata/" + p("fields"), map[string]any{"max_versions": 1.5}, nil,
				`error converting input 1.5 for field "max_versions": cannot parse '' as int: strconv.ParseInt: parsing "1.5": invalid syntax`},
			{"POST", "metadata/" + p("fields"), map[string]any{"cas_required": "maybe"}, nil,
				`error converting input maybe for field "cas_required": cannot parse '' as bool: strconv.ParseBool: parsing "maybe": invalid syntax`},
			{"POST", "metadata/" + p("fields"), map[string]any{"delete_version_after": "-5s"}, nil,
				`error converting input -5s for field "delete_version_after": cannot provide negative value '-5'`},
			{"POST", "metadata/" + p("fields"), map[string]any{"delete_version_after": "soon"}, nil,
				`error converting input soon for field "delete_version_after": time: invalid duration "soon"`},
			{"POST", "metadata/" + p("fields"), map[string]any{"custom_metadata": "a=b"}, nil,
				`error converting input a=b for field "custom_metadata": '' expected a map, got 'string'`},
			{"POST", "metadata/" + p("fields"), map[string]any{"custom_metadata": map[string]any{"o": map[string]any{"a": 1}}}, nil,
				`custom_metadata validation failed: '' expected type 'string', got unconvertible type 'map[string]interface {}', value: 'map[a:1]'`},
			{"PATCH", "metadata/" + p("fields"), map[string]any{"max_versions": "x"}, mp,
				`Field validation failed: error converting input x for field "max_versions": cannot parse '' as int: strconv.ParseInt: parsing "x": invalid syntax`},
			{"POST", "config", map[string]any{"max_versions": "x"}, nil,
				`Field validation failed: error converting input x for field "max_versions": cannot parse '' as int: strconv.ParseInt: parsing "x": invalid syntax`},
			{"PUT", "data/" + p("fields"), "[1,2]", nil, "error parsing JSON"},
		}
		for _, tc := range cases {
			r := raw(t, tc.method, addr, token, mount+"/"+tc.path, tc.body, tc.hdr...)
			if r.status != 400 {
				t.Errorf("%s %s: status %d: %s", tc.method, tc.path, r.status, r.body)
				continue
			}
			if e := r.errors(t); len(e) != 1 || e[0] != tc.want {
				t.Errorf("%s %s:\n got  %q\n want %q", tc.method, tc.path, e, tc.want)
			}
		}
		// A negative delete_version_after is allowed on the mount (it
		// disables the feature), not on a key.
		cfg := raw(t, "GET", addr, token, mount+"/config", nil).data(t)
		wantStatus(t, raw(t, "POST", addr, token, mount+"/config", map[string]any{"delete_version_after": "-1s"}), 204)
		t.Cleanup(func() {
			raw(t, "POST", addr, token, mount+"/config", map[string]any{"delete_version_after": cfg["delete_version_after"]})
		})
		if d := raw(t, "GET", addr, token, mount+"/config", nil).data(t); d["delete_version_after"] != "-1s" {
			t.Fatalf("config %v", d)
		}
	})

	t.Run("UnknownParameters", func(t *testing.T) {
		for _, k := range []string{"a", "b", "c"} {
			kv.Put(ctx(t), p("params/"+k), map[string]any{"x": "1"})
		}
		// Vault has no LIST pagination (OpenBao added after= and
		// limit=): both are ignored, with the framework's warning.
		r := raw(t, "LIST", addr, token, mount+"/metadata/"+p("params")+"?after=a&limit=1", nil)
		wantStatus(t, r, 200)
		if got := r.data(t)["keys"]; !reflect.DeepEqual(got, []any{"a", "b", "c"}) {
			t.Fatalf("keys %v", got)
		}
		if w := r.warnings(t); len(w) != 1 || w[0] != "Endpoint ignored these unrecognized parameters: [after limit]" {
			t.Fatalf("warnings %q", w)
		}
		r = raw(t, "GET", addr, token, mount+"/data/"+p("params/a")+"?foo=1", nil)
		if w := r.warnings(t); len(w) != 1 || w[0] != "Endpoint ignored these unrecognized parameters: [foo]" {
			t.Fatalf("read warnings %q", w)
		}
		r = raw(t, "PUT", addr, token, mount+"/data/"+p("params/a"), map[string]any{"data": map[string]any{"x": "2"}, "extra": true})
		if w := r.warnings(t); len(w) != 1 || w[0] != "Endpoint ignored these unrecognized parameters: [extra]" {
			t.Fatalf("write warnings %q", w)
		}
	})

	t.Run("CustomMetadataNull", func(t *testing.T) {
		mp := []string{"Content-Type", "application/merge-patch+json"}
		kv.Put(ctx(t), p("cmnull"), map[string]any{"a": "1"})
		custom := func() any {
			return raw(t, "GET", addr, token, mount+"/metadata/"+p("cmnull"), nil).data(t)["custom_metadata"]
		}
		for _, body := range []map[string]any{{"custom_metadata": nil}, {"custom_metadata": map[string]any{}}} {
			sysCall(t, addr, token, "POST", mount+"/metadata/"+p("cmnull"), map[string]any{"custom_metadata": map[string]any{"k": "v"}})
			sysCall(t, addr, token, "POST", mount+"/metadata/"+p("cmnull"), body)
			if c := custom(); c != nil {
				t.Fatalf("after %v: custom_metadata %v, want null", body, c)
			}
		}
		// Removing the last key by PATCH leaves null, not {}.
		sysCall(t, addr, token, "POST", mount+"/metadata/"+p("cmnull"), map[string]any{"custom_metadata": map[string]any{"k": "v"}})
		wantStatus(t, raw(t, "PATCH", addr, token, mount+"/metadata/"+p("cmnull"), map[string]any{"custom_metadata": map[string]any{"k": nil}}, mp...), 204)
		if c := custom(); c != nil {
			t.Fatalf("custom_metadata %v, want null", c)
		}
		// Numbers and booleans are strings to a POST (weakly converted),
		// but break the PATCH's merge.
		sysCall(t, addr, token, "POST", mount+"/metadata/"+p("cmnull"), map[string]any{"custom_metadata": map[string]any{"n": 1, "b": true}})
		if c := custom(); !reflect.DeepEqual(c, map[string]any{"n": "1", "b": "1"}) {
			t.Fatalf("custom_metadata %v", c)
		}
		r := raw(t, "PATCH", addr, token, mount+"/metadata/"+p("cmnull"), map[string]any{"custom_metadata": map[string]any{"k": 5}}, mp...)
		wantStatus(t, r, 500)
		wantErrors(t, r, "1 error occurred:\n\t* json: cannot unmarshal number into Go struct field KeyMetadata.custom_metadata of type string\n\n")
	})

	t.Run("Subkeys", func(t *testing.T) {
		kv.Put(ctx(t), p("sub"), map[string]any{"a": "1", "o": map[string]any{"k": "v", "d": map[string]any{"e": "f"}}, "empty": map[string]any{}})
		r := raw(t, "GET", addr, token, mount+"/subkeys/"+p("sub"), nil)
		wantStatus(t, r, 200)
		want := map[string]any{"a": nil, "empty": nil, "o": map[string]any{"k": nil, "d": map[string]any{"e": nil}}}
		if got := r.data(t)["subkeys"]; !reflect.DeepEqual(got, want) {
			t.Fatalf("subkeys %v", got)
		}
		r = raw(t, "GET", addr, token, mount+"/subkeys/"+p("sub")+"?depth=1", nil)
		if got := r.data(t)["subkeys"]; !reflect.DeepEqual(got, map[string]any{"a": nil, "empty": nil, "o": nil}) {
			t.Fatalf("depth 1: %v", got)
		}
		wantErrors(t, raw(t, "GET", addr, token, mount+"/subkeys/"+p("nope"), nil))
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
