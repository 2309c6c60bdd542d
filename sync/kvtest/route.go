package kvtest

import (
	"fmt"
	"net/http"
	"strings"
)

// engine answers the requests under one mount in one namespace; rel is the
// path below the mount.
type engine interface {
	serve(w http.ResponseWriter, rq *request, rel string)
}

func newEngine(s *Server, m *mountEntry) engine {
	switch m.Kind {
	case KVv2:
		return newKV2(s, m)
	case KVv1:
		return newKV1(s)
	default:
		return otherEngine{}
	}
}

type otherEngine struct{}

func (otherEngine) serve(w http.ResponseWriter, _ *request, _ string) { unsupportedPath(w) }

// ServeHTTP answers one API request: parse, count, faults, auth, route.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
	defer s.faults.afterRequest()
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
	// Unauthenticated endpoints.
	switch {
	case p == "sys/health":
		s.health(w, rq)
		return
	case strings.HasPrefix(p, "sys/internal/ui/mounts/"):
		s.uiMount(w, rq, strings.TrimPrefix(p, "sys/internal/ui/mounts/"))
		return
	case p == "auth/approle/login":
		s.approleLogin(w, rq)
		return
	}

	tok, ok := s.lookupToken(rq.r.Header.Get("X-Vault-Token"))
	if !ok {
		// A missing, unknown or expired token: the real server answers a
		// plain "permission denied" (vault/request_handling.go CheckToken).
		fail(w, http.StatusForbidden, "permission denied")
		return
	}
	rq.tok = tok
	if tok.denies(p) {
		// An ACL refusal is wrapped in a multierror by the real server.
		fail(w, http.StatusForbidden, multiErr("permission denied"))
		return
	}

	switch {
	case p == "auth/token/lookup-self":
		s.lookupSelf(w, rq)
		return
	case p == "auth/token/renew-self":
		s.renewSelf(w, rq)
		return
	case p == "sys/mounts" || strings.HasPrefix(p, "sys/mounts/"):
		s.sysMounts(w, rq, strings.TrimPrefix(strings.TrimPrefix(p, "sys/mounts"), "/"))
		return
	}

	m, rel, ok := s.matchMount(strings.TrimSuffix(p, "/"))
	if ok && strings.HasSuffix(p, "/") && rel != "" {
		rel += "/"
	}
	e, eok := s.engines[engineKey(rq.ns, mountPathOf(m))]
	if !ok || !eok {
		fail(w, http.StatusNotFound, fmt.Sprintf("no handler for route %q. route entry not found.", p))
		return
	}
	e.serve(w, rq, rel)
}

func mountPathOf(m *mountEntry) string {
	if m == nil {
		return ""
	}
	return m.Path
}
