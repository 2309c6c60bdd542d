package kvtest

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// The AppRole auth method (builtin/credential/approle): roles with a
// role ID and secret IDs, and the login that trades them for a token.

type approleMount struct {
	path  string
	roles map[string]*approleRole // by name
}

type approleRole struct {
	name      string
	roleID    string
	secretIDs map[string]bool
	bind      bool // bind_secret_id
	// spec describes the tokens issued (Options.AppRoles); acl says
	// whether they are checked against their policies (roles made through
	// the API) or may do anything but spec.Deny.
	spec Token
	acl  bool
}

func newApproleMount(path string) *approleMount {
	return &approleMount{path: path, roles: map[string]*approleRole{}}
}

// addRole registers an Options.AppRole.
func (am *approleMount) addRole(r AppRole) {
	am.roles[r.Name] = &approleRole{name: r.Name, roleID: r.RoleID, secretIDs: map[string]bool{r.SecretID: true},
		bind: true, spec: r.Token}
}

func (am *approleMount) byRoleID(id string) *approleRole {
	for _, r := range am.roles {
		if r.roleID == id {
			return r
		}
	}
	return nil
}

// loginMount reports whether p is auth/<mount>/login of an AppRole mount.
func (s *Server) loginMount(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, "auth/")
	if !ok {
		return "", false
	}
	mount, ok := strings.CutSuffix(rest, "/login")
	if !ok {
		return "", false
	}
	s.mu.RLock()
	_, ok = s.approle[mount]
	s.mu.RUnlock()
	return mount, ok
}

// approleLogin exchanges role_id and secret_id for a token, with the real
// method's errors in its order: a missing role_id fails the alias
// lookahead (500), then an unknown role, a missing and a wrong secret_id
// (400).
func (s *Server) approleLogin(w http.ResponseWriter, rq *request, mount string) {
	roleID, _ := weakString("", rq.body["role_id"])
	secretID, _ := weakString("", rq.body["secret_id"])
	roleID, secretID = strings.TrimSpace(roleID), strings.TrimSpace(secretID)
	if roleID == "" {
		fail(w, http.StatusInternalServerError, "failed to determine alias name from login request")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	role := s.approle[mount].byRoleID(roleID)
	if role == nil {
		fail(w, http.StatusBadRequest, "invalid role or secret ID")
		return
	}
	if role.bind {
		if secretID == "" {
			fail(w, http.StatusBadRequest, "missing secret_id")
			return
		}
		if !role.secretIDs[secretID] {
			fail(w, http.StatusBadRequest, "invalid role or secret ID")
			return
		}
	}
	spec := role.spec
	spec.Policies = append([]string{"default"}, spec.Policies...)
	slices.Sort(spec.Policies)
	spec.Policies = slices.Compact(spec.Policies)
	if spec.TTL == 0 {
		spec.TTL = systemMaxTTL
	}
	spec.Renewable = true
	id := newTokenID()
	t := s.newTokenLocked(id, spec, "auth/"+mount+"/login", mount, map[string]string{"role_name": role.name}, true)
	t.acl, t.deny, t.entityID = role.acl, append([]string(nil), spec.Deny...), newUUID()
	if role.acl {
		t.maxTTL, t.roleMaxTTL = 0, spec.MaxTTL
	}
	s.tokens[id] = t
	writeJSON(w, http.StatusOK, &envelope{RequestID: newUUID(), Auth: s.authBlockLocked(t, t.issued)})
}

// approleAPI serves auth/<mount>/role/<name>[/role-id|/secret-id] of an
// AppRole mount; it reports false when rel is not under one.
func (s *Server) approleAPI(w http.ResponseWriter, rq *request, rel string) bool {
	mount, rest, ok := strings.Cut(rel, "/role/")
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	am, ok := s.approle[mount]
	if !ok {
		return false
	}
	name, sub, _ := strings.Cut(rest, "/")
	role := am.roles[name]
	switch {
	case sub == "" && rq.op == opUpdate:
		b := rq.body
		if role == nil {
			role = &approleRole{name: name, roleID: newUUID(), secretIDs: map[string]bool{}, bind: true, acl: true}
			am.roles[name] = role
		}
		pol := b["token_policies"]
		if pol == nil {
			pol = b["policies"]
		}
		role.spec.Policies = nil
		for _, p := range stringList(pol) {
			if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
				role.spec.Policies = append(role.spec.Policies, p)
			}
		}
		var err error
		for field, into := range map[string]*time.Duration{"token_ttl": &role.spec.TTL, "token_max_ttl": &role.spec.MaxTTL} {
			if *into, err = durationSecond(b[field], false); err != nil {
				fail(w, http.StatusBadRequest, fieldErr(field, b[field], err))
				return true
			}
		}
		if raw, ok := b["bind_secret_id"]; ok {
			role.bind, _ = weakBool("", raw)
		}
		noContent(w)
	case role == nil:
		fail(w, http.StatusNotFound)
	case sub == "role-id" && rq.op == opRead:
		respond(w, map[string]any{"role_id": role.roleID}, nil)
	case sub == "secret-id" && rq.op == opUpdate:
		sid := newUUID()
		role.secretIDs[sid] = true
		respond(w, map[string]any{"secret_id": sid, "secret_id_accessor": newUUID(), "secret_id_num_uses": 0, "secret_id_ttl": 0}, nil)
	case sub == "" && rq.op == opDelete:
		delete(am.roles, name)
		noContent(w)
	default:
		unsupportedOp(w)
	}
	return true
}
