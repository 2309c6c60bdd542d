package kvtest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// engine answers the requests under one mount in one namespace; rel is the
// path below the mount.
type engine interface {
	serve(w http.ResponseWriter, rq *request, rel string)
	// exists is the engine's existence check for a write to rel: checked
	// is false when the path has none (the write is an update); with one,
	// a write to something missing is a create, which an ACL policy
	// grants separately.
	exists(rel string) (checked, found bool)
}

func newEngine(s *Server, m *mountEntry) engine {
	switch m.Kind {
	case KVv2:
		return newKV2(s, m)
	case KVv1:
		return newKV1(s)
	default:
		return otherEngine{typ: m.Type}
	}
}

// otherEngine is a mount of another type: every path is unsupported,
// except that a transit mount has no keys (keys/<name> reads 404 with no
// error), so a client that probes it sees what it would on a real server.
type otherEngine struct{ typ string }

func (o otherEngine) serve(w http.ResponseWriter, rq *request, rel string) {
	if o.typ == "transit" && rq.op == opRead && strings.HasPrefix(rel, "keys/") && len(rel) > len("keys/") {
		fail(w, http.StatusNotFound)
		return
	}
	unsupportedPath(w)
}

func (otherEngine) exists(string) (bool, bool) { return false, false }

// engine returns the engine of a mount in a namespace.
func (s *Server) engine(ns, mount string) (engine, bool) {
	s.mountMu.RLock()
	defer s.mountMu.RUnlock()
	e, ok := s.engines[engineKey(ns, mount)]
	return e, ok
}

// ServeHTTP answers one API request in the real server's order: the
// path-cleaning redirect of http.ServeMux, parsing (body, PATCH content
// type), counting and faults, the core's checks (writes to a path ending
// in "/", namespace), unauthenticated endpoints, the token, the ACL, and
// the route.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p := cleanPath(r.URL.Path); p != r.URL.Path && r.Method != http.MethodConnect {
		s.count(r.Method + " redirect")
		u := *r.URL
		u.Path = p
		http.Redirect(w, r, u.String(), http.StatusMovedPermanently)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/v1/") {
		s.count(r.Method + " " + r.URL.Path)
		fail(w, http.StatusNotFound)
		return
	}
	rq, status, err := parseRequest(w, r)
	s.count(rq.method + " " + s.endpoint(rq.path))
	if s.faults.intercept(w, rq) {
		return
	}
	defer s.faults.afterRequest(w)
	if status != 0 {
		if err != nil {
			fail(w, status, err.Error())
		} else {
			fail(w, status)
		}
		return
	}
	s.route(w, rq)
}

// endpoint is the counter key of a path (see Server.Counts).
func (s *Server) endpoint(path string) string {
	if strings.HasPrefix(path, "sys/internal/ui/mounts/") {
		return "sys/internal/ui/mounts"
	}
	if strings.HasPrefix(path, "sys/mounts/") {
		return "sys/mounts"
	}
	if m, rel, ok := s.matchMount(strings.TrimSuffix(path, "/")); ok {
		if m.Kind != KVv2 {
			return m.Path
		}
		seg, _, _ := strings.Cut(rel, "/")
		return m.Path + "/" + seg
	}
	return strings.TrimSuffix(path, "/")
}

func (s *Server) route(w http.ResponseWriter, rq *request) {
	p := rq.path
	// vault/request_handling.go handleCancelableRequest, before anything
	// else: no writes to "a directory".
	if strings.HasSuffix(p, "/") && (rq.op == opUpdate || rq.op == opPatch) {
		fail(w, http.StatusBadRequest, "cannot write to a path ending in '/'")
		return
	}
	if rq.ns != "" && len(s.namespaces) == 0 {
		// The open-source server has no namespaces and ignores the header.
		rq.ns = ""
	}
	if rq.ns != "" && !slices.Contains(s.namespaces, rq.ns) {
		fail(w, http.StatusNotFound, fmt.Sprintf("no handler for route %q. route entry not found.", p))
		return
	}

	// Unauthenticated endpoints.
	switch {
	case p == "sys/health":
		s.health(w, rq)
		return
	case strings.HasPrefix(p, "sys/internal/ui/mounts/"):
		s.uiMount(w, rq, strings.TrimPrefix(p, "sys/internal/ui/mounts/"))
		return
	}
	if mount, ok := s.loginMount(p); ok {
		s.approleLogin(w, rq, mount)
		return
	}

	tok, ok := s.lookupToken(rq.r.Header.Get("X-Vault-Token"))
	if !ok {
		// A missing, unknown, expired or revoked token: the real server
		// answers a plain "permission denied" (vault/request_handling.go
		// CheckToken).
		fail(w, http.StatusForbidden, "permission denied")
		return
	}
	rq.tok = tok
	if !s.allowed(tok, rq) {
		// An ACL refusal is wrapped in a multierror by the real server.
		fail(w, http.StatusForbidden, multiErr("permission denied"))
		return
	}

	switch {
	case strings.HasPrefix(p, "auth/token/"):
		s.tokenAPI(w, rq, strings.TrimPrefix(p, "auth/token/"))
		return
	case strings.HasPrefix(p, "sys/"):
		s.sysAPI(w, rq, strings.TrimPrefix(p, "sys/"))
		return
	case strings.HasPrefix(p, "auth/"):
		if s.approleAPI(w, rq, strings.TrimPrefix(p, "auth/")) {
			return
		}
	}

	m, rel, ok := s.matchMount(strings.TrimSuffix(p, "/"))
	if ok && strings.HasSuffix(p, "/") && rel != "" {
		rel += "/"
	}
	var e engine
	eok := false
	if ok {
		e, eok = s.engine(rq.ns, m.Path)
	}
	if !ok || !eok {
		fail(w, http.StatusNotFound, fmt.Sprintf("no handler for route %q. route entry not found.", p))
		return
	}
	if rq.op == opHeader {
		unsupportedOp(w)
		return
	}
	e.serve(w, rq, rel)
}
