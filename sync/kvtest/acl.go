package kvtest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// ACL policies, as far as tests need them: `path "p" { capabilities =
// [...] }` blocks in HCL or the same in JSON, exact paths and prefixes
// ending in "*" (no "+" segments, no parameters). A token created through
// the API (auth/token/create, an AppRole login) is checked against its
// policies as vault/acl.go does: the rules of all its policies merged
// (capabilities added up, "deny" wins), the exact rule for the path, else
// the longest prefix rule, else denied. Tokens from Options are not:
// they may do anything but their Deny list.

// rule is one path block.
type rule struct {
	path   string // without the trailing "*" of a prefix
	prefix bool
	caps   []string
}

type policy []rule

// defaultPolicy is the part of the real server's "default" policy a
// client of KV uses.
var defaultPolicy = policy{
	{path: "auth/token/lookup-self", caps: []string{"read"}},
	{path: "auth/token/renew-self", caps: []string{"update"}},
	{path: "auth/token/revoke-self", caps: []string{"update"}},
	{path: "sys/capabilities-self", caps: []string{"update"}},
	{path: "sys/internal/ui/resultant-acl", caps: []string{"read"}},
	{path: "sys/renew", caps: []string{"update"}},
	{path: "sys/leases/renew", caps: []string{"update"}},
	{path: "sys/leases/lookup", caps: []string{"update"}},
	{path: "cubbyhole/", prefix: true, caps: []string{"create", "read", "update", "delete", "list"}},
}

var (
	reHCLPath = regexp.MustCompile(`(?s)path\s+"([^"]*)"\s*\{(.*?)\}`)
	reHCLCaps = regexp.MustCompile(`(?s)capabilities\s*=\s*\[(.*?)\]`)
	reQuoted  = regexp.MustCompile(`"([^"]*)"`)
)

// parsePolicy reads the HCL or JSON text of a policy.
func parsePolicy(text string) (policy, error) {
	var p policy
	add := func(path string, caps []string) {
		r := rule{path: path, caps: caps}
		if pre, ok := strings.CutSuffix(path, "*"); ok {
			r.path, r.prefix = pre, true
		}
		p = append(p, r)
	}
	if t := strings.TrimSpace(text); strings.HasPrefix(t, "{") {
		var doc struct {
			Path map[string]struct {
				Capabilities []string `json:"capabilities"`
			} `json:"path"`
		}
		if err := json.Unmarshal([]byte(t), &doc); err != nil {
			return nil, fmt.Errorf("failed to parse policy: %v", err)
		}
		for path, b := range doc.Path {
			add(path, b.Capabilities)
		}
		return p, nil
	}
	if strings.Count(text, "{") != strings.Count(text, "}") {
		return nil, fmt.Errorf("failed to parse policy: unbalanced braces")
	}
	for _, m := range reHCLPath.FindAllStringSubmatch(text, -1) {
		var caps []string
		if c := reHCLCaps.FindStringSubmatch(m[2]); c != nil {
			for _, q := range reQuoted.FindAllStringSubmatch(c[1], -1) {
				caps = append(caps, q[1])
			}
		}
		add(m[1], caps)
	}
	return p, nil
}

// acl is the merged rules of a token's policies.
type acl struct {
	exact  map[string][]string
	prefix map[string][]string
}

func mergeCaps(into map[string][]string, path string, caps []string) {
	cur := into[path]
	if slices.Contains(cur, "deny") {
		return
	}
	if slices.Contains(caps, "deny") {
		into[path] = []string{"deny"}
		return
	}
	for _, c := range caps {
		if !slices.Contains(cur, c) {
			cur = append(cur, c)
		}
	}
	into[path] = cur
}

// aclLocked builds a token's ACL; the caller holds s.mu.
func (s *Server) aclLocked(t *token) *acl {
	a := &acl{exact: map[string][]string{}, prefix: map[string][]string{}}
	for _, name := range t.policies {
		p, ok := s.policies[name]
		if name == "default" {
			p, ok = defaultPolicy, true
		}
		if !ok {
			continue
		}
		for _, r := range p {
			if r.prefix {
				mergeCaps(a.prefix, r.path, r.caps)
			} else {
				mergeCaps(a.exact, r.path, r.caps)
			}
		}
	}
	return a
}

// caps returns the capabilities the ACL grants on path.
func (a *acl) caps(path string) []string {
	if c, ok := a.exact[path]; ok {
		return c
	}
	best, found := "", false
	for pre := range a.prefix {
		if strings.HasPrefix(path, pre) && (!found || len(pre) > len(best)) {
			best, found = pre, true
		}
	}
	if !found {
		return nil
	}
	return a.prefix[best]
}

// capability is what an operation needs.
func capability(rq *request, create bool) string {
	switch rq.op {
	case opList:
		return "list"
	case opUpdate:
		if create {
			return "create"
		}
		return "update"
	case opPatch:
		return "patch"
	case opDelete:
		return "delete"
	default:
		return "read"
	}
}

// allowed says whether tok may make the request.
func (s *Server) allowed(tok *token, rq *request) bool {
	if tok.root {
		return true
	}
	if !tok.acl {
		return !tok.denies(rq.path)
	}
	create := false
	if rq.op == opUpdate {
		if m, rel, ok := s.matchMount(strings.TrimSuffix(rq.path, "/")); ok {
			if e, ok := s.engine(rq.ns, m.Path); ok {
				checked, found := e.exists(rel)
				create = checked && !found
			}
		}
	}
	s.mu.RLock()
	a := s.aclLocked(tok)
	s.mu.RUnlock()
	caps := a.caps(rq.path)
	return !slices.Contains(caps, "deny") && slices.Contains(caps, capability(rq, create))
}

// mountAccess is the preflight's check (vault/acl.go HasMountAccess): some
// rule grants something at or under the mount.
func (s *Server) mountAccess(tok *token, mount string) bool {
	if tok.root {
		return true
	}
	if !tok.acl {
		return !tok.denies(mount)
	}
	s.mu.RLock()
	a := s.aclLocked(tok)
	s.mu.RUnlock()
	grants := func(caps []string) bool { return len(caps) > 0 && !slices.Contains(caps, "deny") }
	for p, caps := range a.exact {
		if strings.HasPrefix(p, mount) && grants(caps) {
			return true
		}
	}
	for p, caps := range a.prefix {
		if (strings.HasPrefix(p, mount) || strings.HasPrefix(mount, p)) && grants(caps) {
			return true
		}
	}
	return false
}
