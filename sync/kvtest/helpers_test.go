package kvtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
)

// newClient returns an official client for addr, without retries so fault
// tests see each failure.
func newClient(t *testing.T, addr, token string) *api.Client {
	t.Helper()
	cfg := api.DefaultConfig()
	cfg.Address = addr
	cfg.MaxRetries = 0
	cfg.Timeout = 10 * time.Second
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(token)
	c.ClearNamespace()
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

type rawResp struct {
	status int
	header http.Header
	body   []byte
}

func (r rawResp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

func (r rawResp) errors(t *testing.T) []string {
	t.Helper()
	var e struct {
		Errors []string `json:"errors"`
	}
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	if e.Errors == nil {
		t.Fatalf("body %q has no errors array", r.body)
	}
	return e.Errors
}

// noFollow is a client that returns redirects instead of following them.
var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// raw sends one request with net/http, for exact status codes and bodies.
func raw(t *testing.T, method, addr, token, path string, body any, hdr ...string) rawResp {
	t.Helper()
	return rawWith(t, http.DefaultClient, method, addr, token, path, body, hdr...)
}

func rawWith(t *testing.T, client *http.Client, method, addr, token, path string, body any, hdr ...string) rawResp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, strings.TrimSuffix(addr, "/")+"/v1/"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("X-Vault-Token", token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawResp{status: resp.StatusCode, header: resp.Header, body: b}
}

// wantStatus fails unless r has the status.
func wantStatus(t *testing.T, r rawResp, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
}

// wantErrors fails unless the body's errors equal want exactly.
func wantErrors(t *testing.T, r rawResp, want ...string) {
	t.Helper()
	got := r.errors(t)
	if want == nil {
		want = []string{}
	}
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") || len(got) != len(want) {
		t.Fatalf("errors %q, want %q", got, want)
	}
}

// respErr unwraps an *api.ResponseError.
func respErr(t *testing.T, err error) *api.ResponseError {
	t.Helper()
	var re *api.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T) is not an *api.ResponseError", err, err)
	}
	return re
}

// realServer returns the address and token of a real server from the
// environment, or skips.
func realServer(t *testing.T) (string, string) {
	addr, tok := os.Getenv("WARD_TEST_VAULT_ADDR"), os.Getenv("WARD_TEST_VAULT_TOKEN")
	if addr == "" || tok == "" {
		t.Skip("WARD_TEST_VAULT_ADDR and WARD_TEST_VAULT_TOKEN not set")
	}
	return addr, tok
}

// warnings returns the envelope's warnings.
func (r rawResp) warnings(t *testing.T) []string {
	t.Helper()
	var e struct {
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return e.Warnings
}

// data returns the envelope's data object (nil when null).
func (r rawResp) data(t *testing.T) map[string]any {
	t.Helper()
	d, _ := r.json(t)["data"].(map[string]any)
	return d
}

// sysCall makes a set-up request with the root token and fails the test
// unless it succeeds (200 or 204).
func sysCall(t *testing.T, addr, root, method, path string, body any) rawResp {
	t.Helper()
	r := raw(t, method, addr, root, path, body)
	if r.status != 200 && r.status != 204 {
		t.Fatalf("%s %s: %d %s", method, path, r.status, r.body)
	}
	return r
}

// enableMount mounts an engine at a fresh path through sys/mounts and
// removes it when the test ends.
func enableMount(t *testing.T, addr, root, name string, body map[string]any) string {
	t.Helper()
	path := "kvtest-" + randHex(4) + "-" + name
	sysCall(t, addr, root, "POST", "sys/mounts/"+path, body)
	t.Cleanup(func() { raw(t, "DELETE", addr, root, "sys/mounts/"+path, nil) })
	return path
}

// putPolicy writes an ACL policy under a fresh name and deletes it when
// the test ends.
func putPolicy(t *testing.T, addr, root, text string) string {
	t.Helper()
	name := "kvtest-" + randHex(4)
	sysCall(t, addr, root, "PUT", "sys/policies/acl/"+name, map[string]any{"policy": text})
	t.Cleanup(func() { raw(t, "DELETE", addr, root, "sys/policies/acl/"+name, nil) })
	return name
}

// createToken makes a token through auth/token/create and returns its id;
// it is revoked when the test ends.
func createToken(t *testing.T, addr, root string, body map[string]any) string {
	t.Helper()
	r := sysCall(t, addr, root, "POST", "auth/token/create", body)
	a, _ := r.json(t)["auth"].(map[string]any)
	id, _ := a["client_token"].(string)
	if id == "" {
		t.Fatalf("no token in %s", r.body)
	}
	t.Cleanup(func() { raw(t, "POST", addr, root, "auth/token/revoke", map[string]any{"token": id}) })
	return id
}
