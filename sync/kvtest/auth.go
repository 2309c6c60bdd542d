package kvtest

import (
	"net/http"
	"strings"
	"time"
)

type token struct {
	id, accessor string
	policies     []string
	deny         []string
	ttl, maxTTL  time.Duration // creation TTL, explicit max TTL
	renewable    bool
	issued       time.Time
	expire       time.Time // zero: never
	displayName  string
	path         string
	meta         map[string]string
	root, orphan bool
}

// authBlock is the real server's logical.HTTPAuth.
type authBlock struct {
	ClientToken      string            `json:"client_token"`
	Accessor         string            `json:"accessor"`
	Policies         []string          `json:"policies"`
	TokenPolicies    []string          `json:"token_policies"`
	IdentityPolicies []string          `json:"identity_policies"`
	Metadata         map[string]string `json:"metadata"`
	LeaseDuration    int               `json:"lease_duration"`
	Renewable        bool              `json:"renewable"`
	EntityID         string            `json:"entity_id"`
	TokenType        string            `json:"token_type"`
	Orphan           bool              `json:"orphan"`
	MFARequirement   any               `json:"mfa_requirement"`
	NumUses          int               `json:"num_uses"`
}

// AddToken registers a token and returns its ID (random when t.ID is
// empty). Its TTL runs from the server's current clock.
func (s *Server) AddToken(t Token) string {
	id := t.ID
	if id == "" {
		id = "hvs.kvtest-" + randHex(12)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[id] = s.newTokenLocked(id, t, "auth/token/create", "token", nil, false)
	return id
}

func (s *Server) newTokenLocked(id string, t Token, path, display string, meta map[string]string, orphan bool) *token {
	now := time.Now().Add(s.offset)
	tk := &token{
		id: id, accessor: randHex(12), policies: append([]string(nil), t.Policies...),
		deny: append([]string(nil), t.Deny...), ttl: t.TTL, maxTTL: t.MaxTTL,
		renewable: t.Renewable, issued: now, displayName: display, path: path,
		meta: meta, orphan: orphan,
	}
	if t.TTL > 0 {
		tk.expire = now.Add(t.TTL)
	}
	return tk
}

// lookupToken returns a live token; an expired one is revoked, as the
// real server's expiration manager does.
func (s *Server) lookupToken(id string) (*token, bool) {
	if id == "" {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[id]
	if !ok {
		return nil, false
	}
	if !t.expire.IsZero() && !time.Now().Add(s.offset).Before(t.expire) {
		delete(s.tokens, id)
		return nil, false
	}
	return t, true
}

func (t *token) denies(path string) bool {
	path = strings.TrimSuffix(path, "/")
	for _, p := range t.deny {
		if pre, ok := strings.CutSuffix(p, "*"); ok {
			if strings.HasPrefix(path+"/", pre) || strings.HasPrefix(path, pre) {
				return true
			}
		} else if path == strings.TrimSuffix(p, "/") {
			return true
		}
	}
	return false
}

func (s *Server) lookupSelf(w http.ResponseWriter, rq *request) {
	if rq.op != opRead && rq.op != opUpdate {
		unsupportedOp(w)
		return
	}
	now := s.Now()
	s.mu.RLock()
	t := *rq.tok
	s.mu.RUnlock()
	var expire any
	ttl := 0
	if !t.expire.IsZero() {
		expire = fmtTime(t.expire)
		ttl = int(t.expire.Sub(now).Seconds())
	}
	respond(w, "token", map[string]any{
		"accessor":         t.accessor,
		"creation_time":    t.issued.Unix(),
		"creation_ttl":     int(t.ttl.Seconds()),
		"display_name":     t.displayName,
		"entity_id":        "",
		"expire_time":      expire,
		"explicit_max_ttl": int(t.maxTTL.Seconds()),
		"id":               t.id,
		"issue_time":       fmtTime(t.issued),
		"meta":             t.meta,
		"num_uses":         0,
		"orphan":           t.orphan,
		"path":             t.path,
		"policies":         t.policies,
		"renewable":        t.renewable,
		"ttl":              ttl,
		"type":             "service",
	}, nil)
}

// renewSelf extends the token by increment (or its creation TTL), capped by
// its max TTL. A token without TTL has no lease to renew.
func (s *Server) renewSelf(w http.ResponseWriter, rq *request) {
	if rq.op != opUpdate {
		unsupportedOp(w)
		return
	}
	inc, err := toDurationSecond(rq.body["increment"])
	if err != nil {
		fail(w, http.StatusBadRequest, fieldErr("increment", rq.body["increment"], err))
		return
	}
	s.mu.Lock()
	t := rq.tok
	now := time.Now().Add(s.offset)
	switch {
	case t.expire.IsZero():
		s.mu.Unlock()
		fail(w, http.StatusBadRequest, "lease not found")
		return
	case !t.renewable:
		s.mu.Unlock()
		fail(w, http.StatusBadRequest, "lease is not renewable")
		return
	}
	if inc <= 0 {
		inc = t.ttl
	}
	exp := now.Add(inc)
	if t.maxTTL > 0 && exp.After(t.issued.Add(t.maxTTL)) {
		exp = t.issued.Add(t.maxTTL)
	}
	t.expire = exp
	auth := s.authBlockLocked(t, now)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, &envelope{RequestID: newUUID(), Auth: auth, MountType: "token"})
}

func (s *Server) authBlockLocked(t *token, now time.Time) *authBlock {
	lease := 0
	if !t.expire.IsZero() {
		lease = int(t.expire.Sub(now).Round(time.Second).Seconds())
	}
	meta := t.meta
	return &authBlock{
		ClientToken: t.id, Accessor: t.accessor, Policies: t.policies, TokenPolicies: t.policies,
		Metadata: meta, LeaseDuration: lease, Renewable: t.renewable, TokenType: "service", Orphan: t.orphan,
	}
}

// approleLogin exchanges role_id and secret_id for a token
// (builtin/credential/approle/path_login.go).
func (s *Server) approleLogin(w http.ResponseWriter, rq *request) {
	if rq.op != opUpdate {
		unsupportedOp(w)
		return
	}
	roleID, _ := rq.body["role_id"].(string)
	secretID, _ := rq.body["secret_id"].(string)
	roleID, secretID = strings.TrimSpace(roleID), strings.TrimSpace(secretID)
	if roleID == "" {
		fail(w, http.StatusBadRequest, "missing role_id")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	role, ok := s.approles[roleID]
	if !ok {
		fail(w, http.StatusBadRequest, "invalid role or secret ID")
		return
	}
	if secretID == "" {
		fail(w, http.StatusBadRequest, "missing secret_id")
		return
	}
	if secretID != role.SecretID {
		fail(w, http.StatusBadRequest, "invalid role or secret ID")
		return
	}
	spec := role.Token
	spec.Policies = append([]string{"default"}, spec.Policies...)
	id := "hvs.kvtest-" + randHex(12)
	t := s.newTokenLocked(id, spec, "auth/approle/login", "approle", map[string]string{"role_name": role.Name}, true)
	t.renewable = true
	s.tokens[id] = t
	writeJSON(w, http.StatusOK, &envelope{
		RequestID: newUUID(), Auth: s.authBlockLocked(t, t.issued), MountType: "approle",
	})
}
