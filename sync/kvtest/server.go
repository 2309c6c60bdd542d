package kvtest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"testing"
	"time"
)

// MountKind says which engine answers under a mount.
type MountKind string

const (
	// KVv2 is the versioned key/value engine (kv with options.version=2).
	KVv2 MountKind = "kv-v2"
	// KVv1 is the unversioned key/value engine (kv with options.version=1).
	KVv1 MountKind = "kv-v1"
	// Other is any engine that is not KV (reported as Mount.Type, "transit"
	// by default): every request under it is answered 404 "unsupported
	// path".
	Other MountKind = "other"
)

// Mount is one secrets engine mount.
type Mount struct {
	// Path is the mount path without slashes, e.g. "secret" or "team/kv".
	Path string
	// Kind selects the engine; the zero value means KVv2.
	Kind MountKind
	// Type is the engine type an Other mount reports ("transit" when
	// empty); KV mounts report "kv".
	Type string
	// Description is reported by sys/mounts. The default "secret" mount has
	// the dev server's "key/value secret storage".
	Description string
	// MaxVersions, CASRequired and DeleteVersionAfter preset the KV v2
	// engine's /config.
	MaxVersions        int
	CASRequired        bool
	DeleteVersionAfter time.Duration
}

// Token is a client token the server accepts besides the root token.
type Token struct {
	// ID is the token value; empty means a random one (see Server.AddToken).
	ID string
	// Policies are reported by lookup-self; "root" is not implied.
	Policies []string
	// TTL is the token's lifetime from its creation; 0 means it never expires.
	TTL time.Duration
	// MaxTTL caps renewals, counted from creation; 0 means no cap.
	MaxTTL time.Duration
	// Renewable allows renew-self.
	Renewable bool
	// Deny lists API paths (without "/v1/") this token may not touch:
	// exact, or a prefix when the pattern ends in "*" ("secret/data/ops/*").
	// A denied request gets 403 as from an ACL policy.
	Deny []string
}

// AppRole is a role for POST /v1/auth/approle/login.
type AppRole struct {
	Name     string
	RoleID   string
	SecretID string
	// Token describes the tokens issued at login (its ID is ignored).
	Token Token
}

// Options configure a Server. The zero value serves one KV v2 mount at
// "secret" and accepts only a random root token.
type Options struct {
	// Mounts; empty means one KV v2 mount at "secret".
	Mounts []Mount
	// RootToken; empty means a random one (see Server.RootToken).
	RootToken string
	// Tokens accepted besides the root token.
	Tokens []Token
	// AppRoles accepted by auth/approle/login; the AppRole method is
	// enabled at "approle" only when this is not empty (or later through
	// POST sys/auth/<path>, as on the real server).
	AppRoles []AppRole
	// Namespaces lists the namespaces (X-Vault-Namespace) that exist, each
	// with its own copy of every mount, as Vault Enterprise and OpenBao
	// have them. With none, the header is ignored, as the open-source
	// Vault server ignores it.
	Namespaces []string
}

// Server is an in-process Vault/OpenBao HTTP API with KV v2 and v1
// engines, token and AppRole auth, fault injection and request counters.
// All methods are safe for concurrent use.
type Server struct {
	ts         *httptest.Server
	faults     *Faults
	namespaces []string // declared, besides the root

	mountMu stdsync.RWMutex
	mounts  []*mountEntry // longest path first
	engines map[string]engine

	mu       stdsync.RWMutex
	tokens   map[string]*token
	approle  map[string]*approleMount // by mount path ("approle")
	policies map[string]policy
	root     string
	offset   time.Duration

	countMu stdsync.Mutex
	counts  map[string]int
	total   atomic.Int64
	conns   atomic.Int64

	stopOnce stdsync.Once
	done     chan struct{}
}

type mountEntry struct {
	Mount
	accessor string
	uuid     string
	builtin  bool // cubbyhole/, identity/, sys/: no engine of kvtest's
}

// New builds a server; call Start before use (or use Serve).
func New(opts Options) *Server {
	s := &Server{
		engines:  map[string]engine{},
		tokens:   map[string]*token{},
		approle:  map[string]*approleMount{},
		policies: map[string]policy{},
		counts:   map[string]int{},
		done:     make(chan struct{}),
	}
	s.faults = &Faults{srv: s}
	for _, ns := range opts.Namespaces {
		s.namespaces = append(s.namespaces, normNS(ns))
	}
	mounts := opts.Mounts
	if len(mounts) == 0 {
		mounts = []Mount{{Path: "secret", Kind: KVv2, Description: "key/value secret storage"}}
	}
	for _, b := range builtinMounts {
		s.mounts = append(s.mounts, &mountEntry{Mount: b, accessor: b.Type + "_" + randHex(4), uuid: newUUID(), builtin: true})
	}
	for _, m := range mounts {
		s.addMountLocked(m)
	}

	s.root = opts.RootToken
	if s.root == "" {
		s.root = "hvs.kvtest-root-" + randHex(8)
	}
	now := s.Now()
	s.tokens[s.root] = &token{
		id: s.root, accessor: randHex(12), policies: []string{"root"}, issued: now,
		displayName: "token", path: "auth/token/create", root: true, orphan: true,
	}
	for _, t := range opts.Tokens {
		s.AddToken(t)
	}
	if len(opts.AppRoles) > 0 {
		am := newApproleMount("approle")
		for _, r := range opts.AppRoles {
			am.addRole(r)
		}
		s.approle["approle"] = am
	}
	return s
}

// builtinMounts are the mounts every server has (sys/ answers through
// the server itself; the other two are not implemented and answer
// "unsupported path").
var builtinMounts = []Mount{
	{Path: "cubbyhole", Kind: Other, Type: "cubbyhole", Description: "per-token private secret storage"},
	{Path: "identity", Kind: Other, Type: "identity", Description: "identity store"},
	{Path: "sys", Kind: Other, Type: "system", Description: "system endpoints used for control, policy and debugging"},
}

// addMountLocked adds a mount in every namespace; the caller holds
// mountMu or is New.
func (s *Server) addMountLocked(m Mount) *mountEntry {
	m.Path = strings.Trim(m.Path, "/")
	if m.Kind == "" {
		m.Kind = KVv2
	}
	if m.Kind == Other && m.Type == "" {
		m.Type = "transit"
	}
	me := &mountEntry{Mount: m, accessor: kindPrefix(m) + "_" + randHex(4), uuid: newUUID()}
	s.mounts = append(s.mounts, me)
	for _, ns := range append([]string{""}, s.namespaces...) {
		s.engines[engineKey(ns, m.Path)] = newEngine(s, me)
	}
	sort.SliceStable(s.mounts, func(i, j int) bool { return len(s.mounts[i].Path) > len(s.mounts[j].Path) })
	return me
}

// removeMount drops a mount and its data in every namespace.
func (s *Server) removeMount(path string) {
	s.mountMu.Lock()
	defer s.mountMu.Unlock()
	kept := s.mounts[:0]
	for _, m := range s.mounts {
		if m.Path == path && !m.builtin {
			for _, ns := range append([]string{""}, s.namespaces...) {
				delete(s.engines, engineKey(ns, path))
			}
			continue
		}
		kept = append(kept, m)
	}
	s.mounts = kept
}

// Start starts serving on a loopback address.
func (s *Server) Start() {
	s.ts = httptest.NewUnstartedServer(s)
	s.ts.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.ts.Start()
}

// Serve builds and starts a server and closes it when tb's test ends.
func Serve(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s := New(opts)
	s.Start()
	tb.Cleanup(s.Close)
	return s
}

// URL is the server's base address, e.g. "http://127.0.0.1:41234".
func (s *Server) URL() string { return s.ts.URL }

// Client returns an *http.Client wired to the server.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// RootToken is the token with every permission.
func (s *Server) RootToken() string { return s.root }

// Faults returns the fault injection switches.
func (s *Server) Faults() *Faults { return s.faults }

// Stop stops the server as a crash would: the listener closes and every
// open connection is cut, including those of requests in flight. Later
// requests fail to connect. Stop is safe to call more than once and from a
// handler.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		close(s.done)
		if s.ts != nil {
			s.ts.Listener.Close()
			s.ts.CloseClientConnections()
		}
	})
}

// Close stops the server and waits for its handlers to return.
func (s *Server) Close() {
	s.Stop()
	if s.ts != nil {
		s.ts.Close()
	}
}

// Now is the server's clock: wall time plus everything passed to Advance.
func (s *Server) Now() time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return time.Now().Add(s.offset)
}

// Advance moves the server's clock forward, so tests can expire tokens and
// reach deletion times without sleeping.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	s.offset += d
	s.mu.Unlock()
}

// Counts returns a copy of the request counters, keyed "METHOD endpoint":
// for a KV v2 mount the endpoint is the mount and the first segment after
// it ("LIST secret/metadata", "GET secret/data", "PUT secret/data"); for
// other paths it is the path ("GET sys/health", "GET
// sys/internal/ui/mounts"). A GET with list=true counts as LIST. Requests
// answered by a fault are counted too.
func (s *Server) Counts() map[string]int {
	s.countMu.Lock()
	defer s.countMu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// Count returns one counter of Counts.
func (s *Server) Count(key string) int {
	s.countMu.Lock()
	defer s.countMu.Unlock()
	return s.counts[key]
}

// Total is the number of requests received.
func (s *Server) Total() int { return int(s.total.Load()) }

// Conns is the number of TCP connections accepted: with keep-alive it stays
// near the client's concurrency, whatever the number of requests.
func (s *Server) Conns() int { return int(s.conns.Load()) }

// ResetCounts zeroes the request and connection counters.
func (s *Server) ResetCounts() {
	s.countMu.Lock()
	s.counts = map[string]int{}
	s.countMu.Unlock()
	s.total.Store(0)
	s.conns.Store(0)
}

func (s *Server) count(key string) {
	s.total.Add(1)
	s.countMu.Lock()
	s.counts[key]++
	s.countMu.Unlock()
}

// Seed writes a new version of path in the first KV v2 mount of the root
// namespace, like a client PUT without cas, and sets its custom metadata
// when custom is not nil. It returns the new version number.
func (s *Server) Seed(path string, data map[string]any, custom map[string]string) (int, error) {
	s.mountMu.RLock()
	mount := ""
	for i := len(s.mounts) - 1; i >= 0; i-- {
		if s.mounts[i].Kind == KVv2 {
			mount = s.mounts[i].Path
			break
		}
	}
	s.mountMu.RUnlock()
	if mount == "" {
		return 0, errNoKVv2
	}
	return s.SeedMount("", mount, path, data, custom)
}

// SeedMount is Seed for a given namespace ("" for root) and KV v2 mount.
func (s *Server) SeedMount(namespace, mount, path string, data map[string]any, custom map[string]string) (int, error) {
	s.mountMu.RLock()
	e, ok := s.engines[engineKey(normNS(namespace), strings.Trim(mount, "/"))].(*kv2)
	s.mountMu.RUnlock()
	if !ok {
		return 0, errNoKVv2
	}
	return e.seed(path, data, custom)
}

func engineKey(ns, mount string) string { return ns + "\x00" + mount }

func normNS(ns string) string { return strings.Trim(ns, "/") }

func kindPrefix(m Mount) string {
	switch m.Kind {
	case KVv1, KVv2:
		return "kv"
	default:
		return m.Type
	}
}

// matchMount finds the mount serving an API path and the path under it.
func (s *Server) matchMount(path string) (*mountEntry, string, bool) {
	s.mountMu.RLock()
	defer s.mountMu.RUnlock()
	for _, m := range s.mounts {
		if path == m.Path {
			return m, "", true
		}
		if strings.HasPrefix(path, m.Path+"/") {
			return m, path[len(m.Path)+1:], true
		}
	}
	return nil, "", false
}
