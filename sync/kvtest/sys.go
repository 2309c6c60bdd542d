package kvtest

import (
	"fmt"
	"net/http"
	"strings"
)

// health answers GET /v1/sys/health for an initialized, unsealed, active
// node: 200 and the bare JSON object (no envelope).
func (s *Server) health(w http.ResponseWriter, rq *request) {
	if rq.r.Method != http.MethodGet && rq.r.Method != http.MethodHead {
		unsupportedOp(w)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"initialized":                  true,
		"sealed":                       false,
		"standby":                      false,
		"performance_standby":          false,
		"replication_performance_mode": "disabled",
		"replication_dr_mode":          "disabled",
		"server_time_utc":              s.Now().Unix(),
		"version":                      "kvtest",
		"cluster_name":                 "kvtest",
		"cluster_id":                   "00000000-0000-0000-0000-000000000000",
	})
}

// info is a mount as sys/mounts describes it (Vault 1.15.6: KV is the
// builtin plugin v0.16.1).
func (m *mountEntry) info() map[string]any {
	typ, opts := "kv", any(map[string]any{"version": "2"})
	running := "v0.16.1+builtin"
	switch m.Kind {
	case KVv1:
		opts = map[string]any{"version": "1"}
	case Other:
		typ, opts, running = m.Type, map[string]any{}, "v1.15.6+builtin.vault"
	}
	cfg := map[string]any{"default_lease_ttl": 0, "max_lease_ttl": 0, "force_no_cache": false}
	out := map[string]any{
		"type":                    typ,
		"description":             m.Description,
		"accessor":                m.accessor,
		"uuid":                    m.uuid,
		"local":                   false,
		"seal_wrap":               false,
		"external_entropy_access": false,
		"options":                 opts,
		"plugin_version":          "",
		"running_plugin_version":  running,
		"running_sha256":          "",
		"config":                  cfg,
		"deprecation_status":      "supported",
	}
	if m.builtin {
		out["options"] = nil
		delete(out, "deprecation_status")
		switch m.Path {
		case "cubbyhole":
			out["local"] = true
		case "sys":
			out["seal_wrap"] = true
			cfg["passthrough_request_headers"] = []string{"Accept"}
		}
	}
	return out
}

// uiMount answers GET /v1/sys/internal/ui/mounts/<path>, the request `vault
// kv` and `bao kv` send first (kvPreflightVersionRequest) to learn the
// mount path and KV version: data.path is "<mount>/", data.options.version
// "1" or "2". An unknown mount, or a caller whose policies grant nothing
// under it, gets 403 with the real server's message, so the endpoint
// cannot list mounts.
func (s *Server) uiMount(w http.ResponseWriter, rq *request, path string) {
	if rq.op != opRead {
		unsupportedOp(w)
		return
	}
	if path == "" {
		fail(w, http.StatusNotFound, "unsupported path")
		return
	}
	path = strings.TrimPrefix(path, "/")
	if !strings.HasSuffix(path, "/") {
		path += "/"
	}
	denied := func() {
		fail(w, http.StatusForbidden, fmt.Sprintf(
			"preflight capability check returned 403, please ensure client's policies grant access to path %q", path))
	}
	m, _, ok := s.matchMount(strings.TrimSuffix(path, "/"))
	if !ok {
		denied()
		return
	}
	if _, ok := s.engine(rq.ns, m.Path); !ok && !m.builtin {
		denied()
		return
	}
	tok, ok := s.lookupToken(rq.r.Header.Get("X-Vault-Token"))
	if !ok || !s.mountAccess(tok, m.Path+"/") {
		denied()
		return
	}
	data := m.info()
	data["path"] = m.Path + "/"
	respond(w, data, nil)
}

// sysAPI serves the sys/ paths a test sets a server up with: mounts,
// auth methods and ACL policies.
func (s *Server) sysAPI(w http.ResponseWriter, rq *request, rel string) {
	switch {
	case rel == "mounts":
		if rq.op != opRead {
			unsupportedOp(w)
			return
		}
		data := map[string]any{}
		s.mountMu.RLock()
		for _, m := range s.mounts {
			data[m.Path+"/"] = m.info()
		}
		s.mountMu.RUnlock()
		respondSys(w, data, nil)
	case strings.HasPrefix(rel, "mounts/"):
		s.sysMount(w, rq, strings.Trim(strings.TrimPrefix(rel, "mounts/"), "/"))
	case strings.HasPrefix(rel, "auth/"):
		s.sysAuth(w, rq, strings.Trim(strings.TrimPrefix(rel, "auth/"), "/"))
	case strings.HasPrefix(rel, "policies/acl/"):
		s.sysPolicy(w, rq, strings.TrimPrefix(rel, "policies/acl/"))
	default:
		unsupportedPath(w)
	}
}

func (s *Server) mountAt(path string) *mountEntry {
	s.mountMu.RLock()
	defer s.mountMu.RUnlock()
	for _, m := range s.mounts {
		if m.Path == path {
			return m
		}
	}
	return nil
}

// sysMount is sys/mounts/<path>: GET (the mount), POST (enable: kv with
// options.version, kv-v2, or another type, which answers "unsupported
// path"), DELETE (disable; 204 even when nothing is there), and GET
// <path>/tune.
func (s *Server) sysMount(w http.ResponseWriter, rq *request, path string) {
	if p, ok := strings.CutSuffix(path, "/tune"); ok && rq.op == opRead {
		m := s.mountAt(p)
		if m == nil {
			fail(w, http.StatusBadRequest, fmt.Sprintf("cannot fetch sysview for path %q", p+"/"))
			return
		}
		info := m.info()
		data := map[string]any{"description": m.Description, "default_lease_ttl": int(systemMaxTTL.Seconds()),
			"max_lease_ttl": int(systemMaxTTL.Seconds()), "force_no_cache": false}
		if info["options"] != nil {
			data["options"] = info["options"]
		}
		respondSys(w, data, nil)
		return
	}
	switch rq.op {
	case opRead:
		m := s.mountAt(path)
		if m == nil {
			fail(w, http.StatusBadRequest, fmt.Sprintf("No secret engine mount at %s/", path))
			return
		}
		respondSys(w, m.info(), nil)
	case opUpdate:
		typ, _ := weakString("", rq.body["type"])
		if typ == "" {
			fail(w, http.StatusBadRequest, "backend type must be specified as a string")
			return
		}
		opts, _ := weakMap("", rq.body["options"])
		version, _ := weakString("", opts["version"])
		desc, _ := weakString("", rq.body["description"])
		m := Mount{Path: path, Description: desc}
		switch {
		case typ == "kv-v2" || (typ == "kv" && version == "2"):
			m.Kind = KVv2
		case typ == "kv" || typ == "kv-v1":
			m.Kind = KVv1
		case typ == "transit" || typ == "pki" || typ == "database" || typ == "ssh" || typ == "totp" || typ == "cubbyhole":
			m.Kind, m.Type = Other, typ
		default:
			fail(w, http.StatusBadRequest, "plugin not found in the catalog: "+typ)
			return
		}
		s.mountMu.Lock()
		for _, e := range s.mounts {
			if e.Path == path || strings.HasPrefix(path+"/", e.Path+"/") || strings.HasPrefix(e.Path+"/", path+"/") {
				s.mountMu.Unlock()
				fail(w, http.StatusBadRequest, fmt.Sprintf("path is already in use at %s/", e.Path))
				return
			}
		}
		s.addMountLocked(m)
		s.mountMu.Unlock()
		noContent(w)
	case opDelete:
		s.removeMount(path)
		noContent(w)
	default:
		unsupportedOp(w)
	}
}

// sysAuth is sys/auth/<path>: POST enables a method (only approle works;
// other types are accepted and do nothing), DELETE disables it.
func (s *Server) sysAuth(w http.ResponseWriter, rq *request, path string) {
	switch rq.op {
	case opUpdate:
		typ, _ := weakString("", rq.body["type"])
		if typ == "" {
			fail(w, http.StatusBadRequest, "backend type must be specified as a string")
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if _, ok := s.approle[path]; ok || path == "token" {
			fail(w, http.StatusBadRequest, fmt.Sprintf("path is already in use at auth/%s/", path))
			return
		}
		if typ == "approle" {
			s.approle[path] = newApproleMount(path)
		}
		noContent(w)
	case opDelete:
		s.mu.Lock()
		delete(s.approle, path)
		s.mu.Unlock()
		noContent(w)
	default:
		unsupportedOp(w)
	}
}

// sysPolicy is sys/policies/acl/<name>: PUT/POST (HCL or JSON; the name
// is lowercased with a warning), GET, DELETE.
func (s *Server) sysPolicy(w http.ResponseWriter, rq *request, name string) {
	lower := strings.ToLower(name)
	switch rq.op {
	case opUpdate:
		text, _ := weakString("", rq.body["policy"])
		p, err := parsePolicy(text)
		if err != nil {
			fail(w, http.StatusBadRequest, err.Error())
			return
		}
		s.mu.Lock()
		s.policies[lower] = p
		s.mu.Unlock()
		if lower != name {
			respond(w, nil, []string{"policy name was converted to " + lower})
			return
		}
		noContent(w)
	case opDelete:
		s.mu.Lock()
		delete(s.policies, lower)
		s.mu.Unlock()
		noContent(w)
	default:
		unsupportedOp(w)
	}
}
