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

// raw sends one request with net/http, for exact status codes and bodies.
func raw(t *testing.T, method, addr, token, path string, body any, hdr ...string) rawResp {
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
	resp, err := http.DefaultClient.Do(req)
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
