package kvtest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Tokens and the token API (vault/token_store.go): lookup-self,
// renew-self, revoke-self, create and revoke.

// systemMaxTTL is the real server's default max lease TTL (768h), which
// caps every token that has no explicit max TTL, and the TTL of a token
// created without one.
const systemMaxTTL = 768 * time.Hour

type token struct {
	id, accessor string
	policies     []string
	// acl: the token is checked against its policies (a token made
	// through the API); otherwise it may do anything but deny.
	acl         bool
	deny        []string
	ttl, maxTTL time.Duration // creation TTL, explicit max TTL
	// lease is what the last renewal granted: a renewal without an
	// increment grants it again (the creation TTL until then).
	lease time.Duration
	// roleMaxTTL caps renewals like maxTTL but is not explicit (an AppRole
	// role's token_max_ttl): lookup-self reports explicit_max_ttl 0.
	roleMaxTTL  time.Duration
	renewable   bool
	issued      time.Time
	expire      time.Time // zero: never
	lastRenewal time.Time
	displayName string
	path        string
	meta        map[string]string
	entityID    string
	root        bool
	orphan      bool
}

// authBlock is the real server's logical.HTTPAuth.
type authBlock struct {
	ClientToken      string            `json:"client_token"`
	Accessor         string            `json:"accessor"`
	Policies         []string          `json:"policies"`
	TokenPolicies    []string          `json:"token_policies"`
	IdentityPolicies []string          `json:"identity_policies,omitempty"`
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
// empty). Its TTL runs from the server's current clock. Such a token may
// do anything but its Deny list; its Policies are only reported.
func (s *Server) AddToken(t Token) string {
	id := t.ID
	if id == "" {
		id = newTokenID()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tk := s.newTokenLocked(id, t, "auth/token/create", "token", nil, false)
	tk.deny = append([]string(nil), t.Deny...)
	s.tokens[id] = tk
	return id
}

func newTokenID() string { return "hvs.kvtest" + randHex(12) }

func (s *Server) newTokenLocked(id string, t Token, path, display string, meta map[string]string, orphan bool) *token {
	now := time.Now().Add(s.offset)
	tk := &token{
		id: id, accessor: randHex(12), policies: append([]string(nil), t.Policies...),
		ttl: t.TTL, maxTTL: t.MaxTTL, renewable: t.Renewable, issued: now, displayName: display,
		path: path, meta: meta, orphan: orphan,
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

// tokenAPI serves auth/token/<rel>.
func (s *Server) tokenAPI(w http.ResponseWriter, rq *request, rel string) {
	switch rel {
	case "lookup-self":
		if rq.op != opRead && rq.op != opUpdate {
			unsupportedOp(w)
			return
		}
		s.lookupSelf(w, rq)
	case "renew-self":
		if rq.op != opUpdate {
			unsupportedOp(w)
			return
		}
		s.renewSelf(w, rq)
	case "revoke-self", "revoke":
		if rq.op != opUpdate {
			unsupportedOp(w)
			return
		}
		id := rq.tok.id
		if rel == "revoke" {
			id, _ = weakString("", rq.body["token"])
			if id == "" {
				fail(w, http.StatusBadRequest, "missing token")
				return
			}
		}
		s.mu.Lock()
		delete(s.tokens, id)
		s.mu.Unlock()
		noContent(w)
	case "create":
		if rq.op != opUpdate {
			unsupportedOp(w)
			return
		}
		s.createToken(w, rq)
	default:
		unsupportedPath(w)
	}
}

func (s *Server) lookupSelf(w http.ResponseWriter, rq *request) {
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
	var meta any
	if t.meta != nil {
		meta = t.meta
	}
	data := map[string]any{
		"accessor":         t.accessor,
		"creation_time":    t.issued.Unix(),
		"creation_ttl":     int(t.ttl.Seconds()),
		"display_name":     t.displayName,
		"entity_id":        t.entityID,
		"expire_time":      expire,
		"explicit_max_ttl": int(t.maxTTL.Seconds()),
		"id":               t.id,
		"issue_time":       fmtTime(t.issued),
		"meta":             meta,
		"num_uses":         0,
		"orphan":           t.orphan,
		"path":             t.path,
		"policies":         t.policies,
		"renewable":        t.renewable,
		"ttl":              ttl,
		"type":             "service",
	}
	if !t.lastRenewal.IsZero() {
		data["last_renewal"] = fmtTime(t.lastRenewal)
		data["last_renewal_time"] = t.lastRenewal.Unix()
	}
	respond(w, data, nil)
}

// renewSelf extends the token by increment (or, without one, by what the
// last renewal granted, at first the creation TTL), capped by
// its max TTL (explicit, else the system's 768h) from creation, with the
// real server's warning. A token without TTL (root) or not renewable
// answers 400 "lease is not renewable".
func (s *Server) renewSelf(w http.ResponseWriter, rq *request) {
	inc, err := durationSecond(rq.body["increment"], false)
	if err != nil {
		fail(w, http.StatusBadRequest, "Field validation failed: "+fieldErr("increment", rq.body["increment"], err))
		return
	}
	s.mu.Lock()
	t := rq.tok
	now := time.Now().Add(s.offset)
	if t.expire.IsZero() || !t.renewable {
		s.mu.Unlock()
		fail(w, http.StatusBadRequest, "lease is not renewable")
		return
	}
	if inc <= 0 {
		inc = t.ttl
		if t.lease > 0 {
			inc = t.lease
		}
	}
	maxTTL := systemMaxTTL
	for _, m := range []time.Duration{t.maxTTL, t.roleMaxTTL} {
		if m > 0 && m < maxTTL {
			maxTTL = m
		}
	}
	var warnings []string
	exp := now.Add(inc)
	if limit := t.issued.Add(maxTTL); exp.After(limit) {
		exp = limit
		warnings = []string{fmt.Sprintf("TTL of %q exceeded the effective max_ttl of %q; TTL value is capped accordingly",
			shortDuration(inc), shortDuration(maxTTL))}
	}
	t.expire, t.lastRenewal, t.lease = exp, now, exp.Sub(now)
	auth := s.authBlockLocked(t, now)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, &envelope{RequestID: newUUID(), Auth: auth, Warnings: warnings})
}

// shortDuration formats as the real server's warnings do: "10h", "1h30m".
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// createToken is POST auth/token/create: policies, ttl,
// explicit_max_ttl, renewable (default true), no_default_policy,
// display_name, meta. The token is a child of the caller, checked against
// its policies.
func (s *Server) createToken(w http.ResponseWriter, rq *request) {
	b := rq.body
	ttl, err := durationSecond(b["ttl"], false)
	if err != nil {
		fail(w, http.StatusBadRequest, fieldErr("ttl", b["ttl"], err))
		return
	}
	maxTTL, err := durationSecond(b["explicit_max_ttl"], false)
	if err != nil {
		fail(w, http.StatusBadRequest, fieldErr("explicit_max_ttl", b["explicit_max_ttl"], err))
		return
	}
	renewable := true
	if raw, ok := b["renewable"]; ok {
		if renewable, err = weakBool("", raw); err != nil {
			fail(w, http.StatusBadRequest, fieldErr("renewable", raw, err))
			return
		}
	}
	noDefault, _ := weakBool("", b["no_default_policy"])
	var policies []string
	for _, p := range stringList(b["policies"]) {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" && !slices.Contains(policies, p) {
			policies = append(policies, p)
		}
	}
	if !noDefault && !slices.Contains(policies, "default") {
		policies = append(policies, "default")
	}
	slices.Sort(policies)
	if ttl == 0 {
		ttl = systemMaxTTL
	}
	if maxTTL > 0 && ttl > maxTTL {
		ttl = maxTTL
	}
	display := "token"
	if d, _ := weakString("", b["display_name"]); d != "" {
		display = "token-" + d
	}
	s.mu.Lock()
	var warnings []string
	for _, p := range policies {
		if _, ok := s.policies[p]; !ok && p != "default" && p != "root" {
			warnings = append(warnings, fmt.Sprintf("Policy %q does not exist", p))
		}
	}
	id := newTokenID()
	t := s.newTokenLocked(id, Token{Policies: policies, TTL: ttl, MaxTTL: maxTTL, Renewable: renewable},
		"auth/token/create", display, nil, false)
	t.acl = true
	s.tokens[id] = t
	auth := s.authBlockLocked(t, t.issued)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, &envelope{RequestID: newUUID(), Auth: auth, Warnings: warnings})
}

// stringList reads a list of strings or a comma-separated string.
func stringList(v any) []string {
	switch x := v.(type) {
	case string:
		return strings.Split(x, ",")
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, _ := weakString("", e)
			out = append(out, s)
		}
		return out
	}
	return nil
}

func (s *Server) authBlockLocked(t *token, now time.Time) *authBlock {
	lease := 0
	if !t.expire.IsZero() {
		lease = int(t.expire.Sub(now).Round(time.Second).Seconds())
	}
	return &authBlock{
		ClientToken: t.id, Accessor: t.accessor, Policies: t.policies, TokenPolicies: t.policies,
		Metadata: t.meta, LeaseDuration: lease, Renewable: t.renewable, EntityID: t.entityID,
		TokenType: "service", Orphan: t.orphan,
	}
}
