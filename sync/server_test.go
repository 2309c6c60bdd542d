package sync

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	stdsync "sync"
	"testing"

	"github.com/opsward/ward/sync/kvtest"
)

// Where a test's remote lives. serve gives a real Vault or OpenBao when
// WARD_TEST_VAULT_ADDR and WARD_TEST_VAULT_TOKEN (a root token) are set
// (scripts/vault-dev starts one), and the in-process double otherwise;
// every test that can run against a real server uses it, and sets the
// server up through the API (mounts, policies, tokens, AppRole) the same
// way on both. serveDouble is for what only the double can do: inject
// faults, move its clock, stop mid-sync.

// testServer is one test's server: the double (embedded: Faults, Advance,
// Stop…) or, with the double nil, a real server behind a counting proxy.
type testServer struct {
	*kvtest.Server
	addr   string // what clients dial
	root   string
	prefix string // the remote's prefix, unique to the test on a real server
	proxy  *countingProxy
}

// realServer returns the real server's address and root token from the
// environment, if set.
func realServer() (addr, token string, ok bool) {
	addr, token = os.Getenv("WARD_TEST_VAULT_ADDR"), os.Getenv("WARD_TEST_VAULT_TOKEN")
	return strings.TrimSuffix(addr, "/"), token, addr != "" && token != ""
}

func serve(t testing.TB) *testServer {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	addr, root, ok := realServer()
	if !ok {
		return serveDouble(t, kvtest.Options{})
	}
	p, stop := newCountingProxy(addr)
	t.Cleanup(stop)
	top := "ward-test-" + fmt.Sprintf("%x", randBytes(4))
	s := &testServer{addr: p.url, root: root, prefix: top + "/team/payments", proxy: p}
	t.Cleanup(func() { s.deleteTree(top) })
	return s
}

func serveDouble(t testing.TB, o kvtest.Options) *testServer {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	d := kvtest.Serve(t, o)
	return &testServer{Server: d, addr: d.URL(), root: d.RootToken(), prefix: "team/payments"}
}

// real reports whether the test talks to a real server.
func (s *testServer) real() bool { return s.Server == nil }

func (s *testServer) URL() string       { return s.addr }
func (s *testServer) RootToken() string { return s.root }

// Count and ResetCounts count requests by "METHOD endpoint" as
// kvtest.Server.Counts does, on either server; Count is -1 against a real
// server without the proxy (benchmarks, where it would cost time).
func (s *testServer) Count(key string) int {
	switch {
	case s.proxy != nil:
		return s.proxy.count(key)
	case s.Server != nil:
		return s.Server.Count(key)
	}
	return -1
}

func (s *testServer) ResetCounts() {
	switch {
	case s.proxy != nil:
		s.proxy.reset()
	case s.Server != nil:
		s.Server.ResetCounts()
	}
}

// api makes a request with the root token and fails the test unless the
// answer is 200 or 204; it returns the JSON body (nil for 204).
func (s *testServer) api(t testing.TB, method, path string, body any) map[string]any {
	t.Helper()
	status, out := s.call(method, path, body)
	if status != 200 && status != 204 {
		t.Fatalf("%s %s: %d %v", method, path, status, out)
	}
	return out
}

func (s *testServer) call(method, path string, body any) (int, map[string]any) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.addr+"/v1/"+path, rd)
	if err != nil {
		return 0, map[string]any{"error": err.Error()}
	}
	req.Header.Set("X-Vault-Token", s.root)
	if method == "PATCH" {
		req.Header.Set("Content-Type", "application/merge-patch+json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, map[string]any{"error": err.Error()}
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// seed writes a version of path (below the test's prefix) without cas,
// as another tool would, and replaces its custom_metadata when custom is
// not nil. It returns the new version.
func (s *testServer) seed(t testing.TB, path string, data map[string]any, custom map[string]string) int {
	t.Helper()
	full := s.prefix + "/" + path
	out := s.api(t, "PUT", "secret/data/"+full, map[string]any{"data": data})
	v, _ := out["data"].(map[string]any)["version"].(float64)
	if custom != nil {
		s.api(t, "POST", "secret/metadata/"+full, map[string]any{"custom_metadata": custom})
	}
	return int(v)
}

// mount enables an engine at a fresh path and disables it afterwards.
func (s *testServer) mount(t testing.TB, name string, body map[string]any) string {
	t.Helper()
	path := fmt.Sprintf("ward-test-%x-%s", randBytes(3), name)
	s.api(t, "POST", "sys/mounts/"+path, body)
	t.Cleanup(func() { s.call("DELETE", "sys/mounts/"+path, nil) })
	return path
}

// token makes a policy of the given text (if any) and a token with it
// plus the body's settings (ttl, renewable, no_default_policy…); both go
// when the test ends.
func (s *testServer) token(t testing.TB, policy string, body map[string]any) string {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	if policy != "" {
		name := fmt.Sprintf("ward-test-%x", randBytes(4))
		s.api(t, "PUT", "sys/policies/acl/"+name, map[string]any{"policy": policy})
		t.Cleanup(func() { s.call("DELETE", "sys/policies/acl/"+name, nil) })
		body["policies"] = []string{name}
	}
	out := s.api(t, "POST", "auth/token/create", body)
	tok, _ := out["auth"].(map[string]any)["client_token"].(string)
	t.Cleanup(func() { s.call("POST", "auth/token/revoke", map[string]any{"token": tok}) })
	return tok
}

// kvPolicy is a policy with every KV capability on the "secret" mount,
// plus lines (e.g. denials).
func kvPolicy(lines ...string) string {
	return `path "secret/*" { capabilities = ["create", "read", "update", "delete", "list", "patch"] }` + "\n" + strings.Join(lines, "\n")
}

// approle enables AppRole at a fresh path with a role of the policy and
// returns the mount, the role id and a secret id.
func (s *testServer) approle(t testing.TB, policy string) (mount, roleID, secretID string) {
	t.Helper()
	mount = fmt.Sprintf("ward-test-%x", randBytes(3))
	s.api(t, "POST", "sys/auth/"+mount, map[string]any{"type": "approle"})
	t.Cleanup(func() { s.call("DELETE", "sys/auth/"+mount, nil) })
	name := fmt.Sprintf("ward-test-%x", randBytes(4))
	s.api(t, "PUT", "sys/policies/acl/"+name, map[string]any{"policy": policy})
	t.Cleanup(func() { s.call("DELETE", "sys/policies/acl/"+name, nil) })
	s.api(t, "POST", "auth/"+mount+"/role/ward", map[string]any{"token_policies": []string{name}, "token_ttl": "1h", "token_max_ttl": "2h"})
	roleID, _ = s.api(t, "GET", "auth/"+mount+"/role/ward/role-id", nil)["data"].(map[string]any)["role_id"].(string)
	secretID, _ = s.api(t, "POST", "auth/"+mount+"/role/ward/secret-id", map[string]any{})["data"].(map[string]any)["secret_id"].(string)
	return mount, roleID, secretID
}

// deleteTree removes every key under folder of the "secret" mount.
func (s *testServer) deleteTree(folder string) {
	status, out := s.call("LIST", "secret/metadata/"+folder+"/", nil)
	if status != 200 {
		return
	}
	keys, _ := out["data"].(map[string]any)["keys"].([]any)
	for _, k := range keys {
		name := folder + "/" + fmt.Sprint(k)
		if sub, ok := strings.CutSuffix(name, "/"); ok {
			s.deleteTree(sub)
			continue
		}
		s.call("DELETE", "secret/metadata/"+name, nil)
	}
}

// countingProxy sits in front of a real server and counts requests as
// kvtest.Server.Counts does, so tests can assert what a sync costs.
type countingProxy struct {
	url    string
	mu     stdsync.Mutex
	counts map[string]int
}

func newCountingProxy(target string) (*countingProxy, func()) {
	u, _ := url.Parse(target)
	p := &countingProxy{counts: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.counts[endpointKey(r)]++
		p.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	p.url = ts.URL
	return p, ts.Close
}

// endpointKey is kvtest's counter key: "LIST secret/metadata", "GET
// secret/data", "PUT auth/token/renew-self"…
func endpointKey(r *http.Request) string {
	method := r.Method
	if method == "GET" && r.URL.Query().Get("list") == "true" {
		method = "LIST"
	}
	p := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/"), "/")
	if rest, ok := strings.CutPrefix(p, "secret/"); ok {
		seg, _, _ := strings.Cut(rest, "/")
		p = "secret/" + seg
	}
	if strings.HasPrefix(p, "sys/internal/ui/mounts/") {
		p = "sys/internal/ui/mounts"
	}
	return method + " " + p
}

func (p *countingProxy) count(key string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[key]
}

func (p *countingProxy) reset() {
	p.mu.Lock()
	p.counts = map[string]int{}
	p.mu.Unlock()
}
