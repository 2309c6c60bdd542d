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

func (m *mountEntry) info() map[string]any {
	typ, opts := "kv", any(map[string]any{"version": "2"})
	switch m.Kind {
	case KVv1:
		opts = map[string]any{"version": "1"}
	case Other:
		typ, opts = "transit", nil
	}
	return map[string]any{
		"type":                    typ,
		"description":             "",
		"accessor":                m.accessor,
		"uuid":                    m.uuid,
		"local":                   false,
		"seal_wrap":               false,
		"external_entropy_access": false,
		"options":                 opts,
		"plugin_version":          "",
		"running_plugin_version":  "",
		"running_sha256":          "",
		"config": map[string]any{
			"default_lease_ttl": 0,
			"max_lease_ttl":     0,
			"force_no_cache":    false,
		},
	}
}

// uiMount answers GET /v1/sys/internal/ui/mounts/<path>, the request `vault
// kv` and `bao kv` send first (kvPreflightVersionRequest) to learn the
// mount path and KV version: data.path is "<mount>/", data.options.version
// "1" or "2". An unknown mount, or a caller that may not use it, gets 403
// with the real server's message, so the endpoint cannot list mounts.
func (s *Server) uiMount(w http.ResponseWriter, rq *request, path string) {
	if rq.op != opRead {
		unsupportedOp(w)
		return
	}
	if path == "" {
		fail(w, http.StatusBadRequest, "path not set")
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
	if _, ok := s.engines[engineKey(rq.ns, m.Path)]; !ok {
		denied()
		return
	}
	tok, ok := s.lookupToken(rq.r.Header.Get("X-Vault-Token"))
	if !ok || tok.denies(m.Path+"/") {
		denied()
		return
	}
	data := m.info()
	data["path"] = m.Path + "/"
	respond(w, "system", data, nil)
}

// sysMounts answers GET /v1/sys/mounts (every mount, keyed "<path>/") and
// GET /v1/sys/mounts/<path> (one mount).
func (s *Server) sysMounts(w http.ResponseWriter, rq *request, path string) {
	if rq.op != opRead {
		unsupportedOp(w)
		return
	}
	path = strings.Trim(path, "/")
	if path == "" {
		data := map[string]any{}
		for _, m := range s.mounts {
			data[m.Path+"/"] = m.info()
		}
		respond(w, "system", data, nil)
		return
	}
	for _, m := range s.mounts {
		if m.Path == path {
			respond(w, "system", m.info(), nil)
			return
		}
	}
	fail(w, http.StatusBadRequest, fmt.Sprintf("No secret engine mount at %s/", path))
}
