package kvtest

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
)

func TestTokenExpiryAndRenew(t *testing.T) {
	srv := Serve(t, Options{})
	tok := srv.AddToken(Token{Policies: []string{"sync"}, TTL: time.Hour, MaxTTL: 3 * time.Hour, Renewable: true})
	c := newClient(t, srv.URL(), tok)

	s, err := c.Auth().Token().LookupSelfWithContext(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if ttl, _ := s.TokenTTL(); ttl < 59*time.Minute || ttl > time.Hour {
		t.Fatalf("ttl %v", ttl)
	}
	if r, _ := s.TokenIsRenewable(); !r {
		t.Fatal("not renewable")
	}

	srv.Advance(50 * time.Minute)
	rs, err := c.Auth().Token().RenewSelfWithContext(ctx(t), 7200)
	if err != nil {
		t.Fatal(err)
	}
	if rs.Auth == nil || rs.Auth.LeaseDuration != 7200 || !rs.Auth.Renewable || rs.Auth.ClientToken != tok {
		t.Fatalf("renew auth %+v", rs.Auth)
	}
	// Past the original hour, still valid after the renewal.
	srv.Advance(90 * time.Minute)
	if _, err := c.Auth().Token().LookupSelfWithContext(ctx(t)); err != nil {
		t.Fatalf("after renewal: %v", err)
	}
	// A renewal is capped by the max TTL (3h from creation, 140m elapsed).
	rs, err = c.Auth().Token().RenewSelfWithContext(ctx(t), 36000)
	if err != nil || rs.Auth.LeaseDuration != 40*60 {
		t.Fatalf("capped renewal: %v %+v", err, rs.Auth)
	}
	srv.Advance(41 * time.Minute)
	r := raw(t, "GET", srv.URL(), tok, "secret/metadata/x", nil)
	wantStatus(t, r, 403)
	wantErrors(t, r, "permission denied")

	// Tokens without a TTL or not renewable cannot be renewed.
	fixed := srv.AddToken(Token{TTL: time.Hour})
	r = raw(t, "PUT", srv.URL(), fixed, "auth/token/renew-self", map[string]any{})
	wantStatus(t, r, 400)
	wantErrors(t, r, "lease is not renewable")
	r = raw(t, "PUT", srv.URL(), srv.RootToken(), "auth/token/renew-self", map[string]any{})
	wantStatus(t, r, 400)
}

func TestDeniedPath(t *testing.T) {
	srv := Serve(t, Options{Tokens: []Token{{ID: "limited", Deny: []string{"secret/data/private/*", "secret/metadata/private/*"}}}})
	srv.Seed("private/db", map[string]any{"p": "x"}, nil)
	srv.Seed("public/db", map[string]any{"p": "y"}, nil)
	kv := newClient(t, srv.URL(), "limited").KVv2("secret")
	if _, err := kv.Get(ctx(t), "public/db"); err != nil {
		t.Fatal(err)
	}
	_, err := kv.Get(ctx(t), "private/db")
	if re := respErr(t, err); re.StatusCode != 403 || len(re.Errors) != 1 || !strings.Contains(re.Errors[0], "permission denied") {
		t.Fatalf("denied: %d %q", re.StatusCode, re.Errors)
	}
	r := raw(t, "LIST", srv.URL(), "limited", "secret/metadata/private", nil)
	wantStatus(t, r, 403)
	wantErrors(t, r, "1 error occurred:\n\t* permission denied\n\n")
}

func TestAppRoleLogin(t *testing.T) {
	srv := Serve(t, Options{AppRoles: []AppRole{{
		Name: "ward", RoleID: "role-1", SecretID: "secret-1",
		Token: Token{Policies: []string{"sync"}, TTL: 20 * time.Minute},
	}}})
	c := newClient(t, srv.URL(), "")
	s, err := c.Logical().WriteWithContext(ctx(t), "auth/approle/login", map[string]any{"role_id": "role-1", "secret_id": "secret-1"})
	if err != nil {
		t.Fatal(err)
	}
	a := s.Auth
	if a == nil || a.ClientToken == "" || a.LeaseDuration != 1200 || !a.Renewable || a.Metadata["role_name"] != "ward" ||
		!reflect.DeepEqual(a.Policies, []string{"default", "sync"}) {
		t.Fatalf("auth %+v", a)
	}
	c.SetToken(a.ClientToken)
	if _, err := c.KVv2("secret").Put(ctx(t), "x", map[string]any{"a": "1"}); err != nil {
		t.Fatalf("token from login: %v", err)
	}
	srv.Advance(21 * time.Minute)
	if _, err := c.KVv2("secret").Get(ctx(t), "x"); respErr(t, err).StatusCode != 403 {
		t.Fatalf("expired approle token: %v", err)
	}

	for _, tc := range []struct {
		body map[string]any
		want string
	}{
		{map[string]any{"role_id": "role-1"}, "missing secret_id"},
		{map[string]any{"role_id": "role-1", "secret_id": "wrong"}, "invalid role or secret ID"},
		{map[string]any{"role_id": "nope", "secret_id": "secret-1"}, "invalid role or secret ID"},
	} {
		r := raw(t, "POST", srv.URL(), "", "auth/approle/login", tc.body)
		wantStatus(t, r, 400)
		wantErrors(t, r, tc.want)
	}
	// No role_id fails the alias lookahead, before the method is asked.
	r := raw(t, "POST", srv.URL(), "", "auth/approle/login", map[string]any{})
	wantStatus(t, r, 500)
	wantErrors(t, r, "failed to determine alias name from login request")
}

func TestMountKinds(t *testing.T) {
	srv := Serve(t, Options{Mounts: []Mount{
		{Path: "secret"}, {Path: "kv1", Kind: KVv1}, {Path: "transit", Kind: Other}, {Path: "team/kv", Kind: KVv2},
	}})
	tok := srv.RootToken()
	for _, tc := range []struct {
		path, mount, typ string
		version          any
	}{
		{"secret/app", "secret/", "kv", "2"},
		{"kv1/app", "kv1/", "kv", "1"},
		{"transit/keys/x", "transit/", "transit", nil},
		{"team/kv/a/b", "team/kv/", "kv", "2"},
	} {
		r := raw(t, "GET", srv.URL(), tok, "sys/internal/ui/mounts/"+tc.path, nil)
		wantStatus(t, r, 200)
		d := r.json(t)["data"].(map[string]any)
		var ver any
		if o, ok := d["options"].(map[string]any); ok {
			ver = o["version"]
		}
		if d["path"] != tc.mount || d["type"] != tc.typ || ver != tc.version {
			t.Errorf("%s: path %v type %v version %v", tc.path, d["path"], d["type"], ver)
		}
	}

	c := newClient(t, srv.URL(), tok)
	if _, err := c.Logical().WriteWithContext(ctx(t), "kv1/app/db", map[string]any{"password": "p"}); err != nil {
		t.Fatal(err)
	}
	s, err := c.Logical().ReadWithContext(ctx(t), "kv1/app/db")
	if err != nil || s.Data["password"] != "p" {
		t.Fatalf("kv1 read: %v %v", err, s)
	}
	l, err := c.Logical().ListWithContext(ctx(t), "kv1/app")
	if err != nil || !reflect.DeepEqual(l.Data["keys"], []any{"db"}) {
		t.Fatalf("kv1 list: %v %v", err, l)
	}
	// The KV v2 client against a KV v1 mount finds nothing.
	if _, err := c.KVv2("kv1").Get(ctx(t), "app/db"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Fatalf("kv2 client on kv1: %v", err)
	}
	r := raw(t, "GET", srv.URL(), tok, "transit/data/x", nil)
	wantStatus(t, r, 404)
	wantErrors(t, r, "1 error occurred:\n\t* unsupported path\n\n")
	r = raw(t, "GET", srv.URL(), tok, "nomount/x", nil)
	wantStatus(t, r, 404)
	wantErrors(t, r, `no handler for route "nomount/x". route entry not found.`)
	if _, err := c.KVv2("team/kv").Put(ctx(t), "a/b", map[string]any{"x": "1"}); err != nil {
		t.Fatal(err)
	}
	m, err := c.Sys().ListMountsWithContext(ctx(t))
	if err != nil || m["team/kv/"] == nil || m["kv1/"].Options["version"] != "1" {
		t.Fatalf("mounts: %v %v", err, m)
	}
}

func TestNamespaces(t *testing.T) {
	srv := Serve(t, Options{Namespaces: []string{"team-a", "team-b"}})
	a := newClient(t, srv.URL(), srv.RootToken())
	a.SetNamespace("team-a")
	b := newClient(t, srv.URL(), srv.RootToken())
	b.SetNamespace("team-b")
	if _, err := a.KVv2("secret").Put(ctx(t), "x", map[string]any{"a": "1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.KVv2("secret").Get(ctx(t), "x"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Fatalf("team-b sees team-a: %v", err)
	}
	root := newClient(t, srv.URL(), srv.RootToken())
	if _, err := root.KVv2("secret").Get(ctx(t), "x"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Fatalf("root sees team-a: %v", err)
	}
	r := raw(t, "GET", srv.URL(), srv.RootToken(), "secret/data/x", nil, "X-Vault-Namespace", "nope")
	wantStatus(t, r, 404)
}

func TestDeleteVersionAfter(t *testing.T) {
	srv := Serve(t, Options{Mounts: []Mount{{Path: "secret", DeleteVersionAfter: time.Hour}}})
	kv := newClient(t, srv.URL(), srv.RootToken()).KVv2("secret")
	s, err := kv.Put(ctx(t), "x", map[string]any{"a": "1"})
	if err != nil {
		t.Fatal(err)
	}
	if d := s.VersionMetadata.DeletionTime.Sub(s.VersionMetadata.CreatedTime); d != time.Hour {
		t.Fatalf("deletion after %v", d)
	}
	// A key's shorter setting wins.
	kv.PutMetadata(ctx(t), "x", api.KVMetadataPutInput{DeleteVersionAfter: 10 * time.Minute})
	s, _ = kv.Put(ctx(t), "x", map[string]any{"a": "2"})
	if d := s.VersionMetadata.DeletionTime.Sub(s.VersionMetadata.CreatedTime); d != 10*time.Minute {
		t.Fatalf("key deletion after %v", d)
	}
	if g, err := kv.Get(ctx(t), "x"); err != nil || g.Data["a"] != "2" {
		t.Fatalf("before deletion time: %v %+v", err, g)
	}
	srv.Advance(11 * time.Minute)
	g, err := kv.Get(ctx(t), "x")
	if err != nil || g.Data != nil {
		t.Fatalf("after deletion time: %v %+v", err, g)
	}
	r := raw(t, "GET", srv.URL(), srv.RootToken(), "secret/config", nil)
	if d := r.json(t)["data"].(map[string]any); d["delete_version_after"] != "1h0m0s" {
		t.Fatalf("config %v", d)
	}
	// A negative mount setting disables it everywhere.
	raw(t, "POST", srv.URL(), srv.RootToken(), "secret/config", map[string]any{"delete_version_after": "-1s"})
	s, _ = kv.Put(ctx(t), "x", map[string]any{"a": "3"})
	if !s.VersionMetadata.DeletionTime.IsZero() {
		t.Fatalf("disabled, yet deletion_time %v", s.VersionMetadata.DeletionTime)
	}
	r = raw(t, "GET", srv.URL(), srv.RootToken(), "secret/config", nil)
	if d := r.json(t)["data"].(map[string]any); d["delete_version_after"] != "-1s" {
		t.Fatalf("config %v", d)
	}
}

func TestMaxVersionsMountAndKey(t *testing.T) {
	srv := Serve(t, Options{Mounts: []Mount{{Path: "secret", MaxVersions: 3}}})
	kv := newClient(t, srv.URL(), srv.RootToken()).KVv2("secret")
	for i := 0; i < 5; i++ {
		kv.Put(ctx(t), "m", map[string]any{"i": fmt.Sprint(i)})
	}
	md, _ := kv.GetMetadata(ctx(t), "m")
	if md.OldestVersion != 3 || len(md.Versions) != 3 {
		t.Fatalf("mount max 3: oldest %d, %d versions", md.OldestVersion, len(md.Versions))
	}
	// The window is max(key, mount): a smaller key setting does not shrink it.
	kv.PutMetadata(ctx(t), "m", api.KVMetadataPutInput{MaxVersions: 1})
	kv.Put(ctx(t), "m", map[string]any{"i": "5"})
	md, _ = kv.GetMetadata(ctx(t), "m")
	if len(md.Versions) != 3 || md.OldestVersion != 4 {
		t.Fatalf("key max 1 under mount max 3: oldest %d, %d versions", md.OldestVersion, len(md.Versions))
	}
}

func TestSeedAndCustomMetadata(t *testing.T) {
	srv := Serve(t, Options{})
	v, err := srv.Seed("app/db", map[string]any{"password": "p"}, map[string]string{"ward-id": "1"})
	if err != nil || v != 1 {
		t.Fatal(v, err)
	}
	s, err := newClient(t, srv.URL(), srv.RootToken()).KVv2("secret").Get(ctx(t), "app/db")
	if err != nil || s.Data["password"] != "p" || s.CustomMetadata["ward-id"] != "1" {
		t.Fatalf("%v %+v", err, s)
	}
	if _, err := srv.SeedMount("", "nope", "x", nil, nil); err == nil {
		t.Fatal("seed into a missing mount")
	}
}
