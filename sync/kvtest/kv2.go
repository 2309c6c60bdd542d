package kvtest

import (
	"encoding/json"
	"net/http"
	"strings"
	stdsync "sync"
	"time"
)

// Rules of this file: every status code, message and quirk below follows
// the real KV v2 engine (hashicorp/vault-plugin-secrets-kv and OpenBao's
// builtin/logical/kv, path_data.go, path_delete.go, path_destroy.go,
// path_config.go), not what would look tidier. See doc.go.

const defaultMaxVersions = 10

// disabledDVA is how the engine stores a negative mount
// delete_version_after: "disabled on every key".
const disabledDVA = -1 * time.Second

type kv2 struct {
	srv *Server
	mu  stdsync.RWMutex
	cfg kvConfig
	// keys holds the metadata of every key, versions included.
	keys map[string]*keyMeta
	tree index
}

type kvConfig struct {
	maxVersions uint32
	casRequired bool
	dva         time.Duration
}

type keyMeta struct {
	created, updated time.Time
	current, oldest  uint64
	maxVersions      uint32
	casRequired      bool
	dva              time.Duration
	custom           map[string]string // nil until set
	versions         map[uint64]*version
}

type version struct {
	created  time.Time
	deletion time.Time // zero: not deleted
	destroy  bool
	data     json.RawMessage // nil once destroyed
}

func newKV2(s *Server, m *mountEntry) *kv2 {
	e := &kv2{srv: s, keys: map[string]*keyMeta{}, tree: index{}}
	e.cfg.maxVersions = uint32(m.MaxVersions)
	e.cfg.casRequired = m.CASRequired
	e.cfg.dva = m.DeleteVersionAfter.Truncate(time.Second)
	if m.DeleteVersionAfter < 0 {
		e.cfg.dva = disabledDVA
	}
	return e
}

func (e *kv2) serve(w http.ResponseWriter, rq *request, rel string) {
	head, key, _ := strings.Cut(rel, "/")
	switch {
	case rel == "config":
		e.config(w, rq)
	case head == "data" && strings.HasPrefix(rel, "data/"):
		// The data pattern is `.*?[^/]$`: a key, never a folder.
		if key == "" || strings.HasSuffix(key, "/") {
			unsupportedPath(w)
			return
		}
		switch rq.op {
		case opRead:
			e.readData(w, rq, key)
		case opUpdate:
			e.writeData(w, rq, key)
		case opPatch:
			e.patchData(w, rq, key)
		case opDelete:
			e.deleteLatest(w, key)
		default:
			unsupportedOp(w)
		}
	case head == "metadata" && strings.HasPrefix(rel, "metadata/"):
		switch rq.op {
		case opRead:
			e.readMeta(w, key)
		case opList:
			e.list(w, rq, key)
		case opUpdate:
			e.writeMeta(w, rq, key)
		case opPatch:
			e.patchMeta(w, rq, key)
		case opDelete:
			e.deleteMeta(w, key)
		}
	case (head == "delete" || head == "undelete" || head == "destroy") && strings.HasPrefix(rel, head+"/"):
		if rq.op != opUpdate {
			unsupportedOp(w)
			return
		}
		e.versions(w, rq, head, key)
	default:
		unsupportedPath(w)
	}
}

func (e *kv2) now() time.Time { return e.srv.Now() }

// deleted reports whether a version's deletion time has passed.
func (v *version) deleted(now time.Time) bool {
	return !v.deletion.IsZero() && v.deletion.Before(now)
}

func (e *kv2) versionMeta(num uint64, v *version, custom map[string]string) map[string]any {
	return map[string]any{
		"version":         num,
		"created_time":    fmtTime(v.created),
		"deletion_time":   fmtTime(v.deletion),
		"destroyed":       v.destroy,
		"custom_metadata": nilIfNil(custom),
	}
}

// nilIfNil keeps a nil map a JSON null, as the real server does for a key
// whose custom_metadata was never set.
func nilIfNil(m map[string]string) any {
	if m == nil {
		return nil
	}
	return m
}

func (e *kv2) readData(w http.ResponseWriter, rq *request, key string) {
	verParam := 0
	if v := rq.query.Get("version"); v != "" {
		n, err := toInt(v)
		if err != nil {
			fail(w, http.StatusBadRequest, fieldErr("version", v, err))
			return
		}
		verParam = n
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	meta := e.keys[key]
	if meta == nil {
		fail(w, http.StatusNotFound)
		return
	}
	num := meta.current
	if verParam > 0 {
		num = uint64(verParam)
	}
	v := meta.versions[num]
	if v == nil {
		fail(w, http.StatusNotFound)
		return
	}
	body := map[string]any{"data": nil, "metadata": e.versionMeta(num, v, meta.custom)}
	// A deleted or destroyed version: 404 with the version's metadata.
	if v.deleted(e.now()) || v.destroy {
		respondStatus(w, http.StatusNotFound, "kv", body)
		return
	}
	body["data"] = v.data
	respond(w, "kv", body, nil)
}

// checkCAS is validateCheckAndSetOption.
func (e *kv2) checkCAS(body map[string]any, meta *keyMeta) string {
	var casRaw any
	casOK := false
	if opts, ok := body["options"].(map[string]any); ok {
		casRaw, casOK = opts["cas"]
	}
	if casOK {
		cas, err := toInt(casRaw)
		if err != nil {
			return "error parsing check-and-set parameter"
		}
		if uint64(cas) != meta.current {
			return "check-and-set parameter did not match the current version"
		}
		return ""
	}
	if e.cfg.casRequired || meta.casRequired {
		return "check-and-set parameter required for this call"
	}
	return ""
}

func (e *kv2) writeData(w http.ResponseWriter, rq *request, key string) {
	dataRaw, ok := rq.body["data"]
	if !ok || dataRaw == nil {
		fail(w, http.StatusBadRequest, "no data provided")
		return
	}
	data, ok := dataRaw.(map[string]any)
	if !ok {
		fail(w, http.StatusBadRequest, fieldErr("data", dataRaw, errNotMap))
		return
	}
	raw, err := json.Marshal(data)
	if err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	meta := e.keys[key]
	isNew := meta == nil
	if isNew {
		meta = &keyMeta{versions: map[uint64]*version{}}
	}
	if msg := e.checkCAS(rq.body, meta); msg != "" {
		fail(w, http.StatusBadRequest, msg)
		return
	}
	num, v := e.addVersion(meta, raw)
	if isNew {
		e.keys[key] = meta
		e.tree.add(key)
	}
	respond(w, "kv", e.versionMeta(num, v, meta.custom), nil)
}

// addVersion is KeyMetadata.AddVersion: the new version, then the sliding
// window of max(key max_versions, mount max_versions), 10 when both are 0.
func (e *kv2) addVersion(meta *keyMeta, data json.RawMessage) (uint64, *version) {
	now := e.now()
	v := &version{created: now, data: data}
	if e.cfg.dva != disabledDVA {
		if d, ok := deletionAfter(e.cfg.dva, meta.dva); ok {
			v.deletion = now.Add(d)
		}
	}
	meta.current++
	meta.versions[meta.current] = v
	meta.updated = now
	if meta.created.IsZero() {
		meta.created = now
	}
	maxV := max(meta.maxVersions, e.cfg.maxVersions)
	if maxV == 0 {
		maxV = defaultMaxVersions
	}
	if uint32(meta.current-meta.oldest) >= maxV {
		drop := meta.current - uint64(maxV)
		for i := meta.oldest; i < drop+1; i++ {
			delete(meta.versions, i)
		}
		meta.oldest = drop + 1
	}
	return meta.current, v
}

// deletionAfter picks the smaller non-zero of the mount's and the key's
// delete_version_after.
func deletionAfter(mount, key time.Duration) (time.Duration, bool) {
	if mount == 0 && key == 0 {
		return 0, false
	}
	d := key
	if (mount != 0 && mount < d) || d == 0 {
		d = mount
	}
	return d, true
}

func (e *kv2) patchData(w http.ResponseWriter, rq *request, key string) {
	patchRaw, ok := rq.body["data"]
	if !ok {
		fail(w, http.StatusBadRequest, "no data provided")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	meta := e.keys[key]
	if meta == nil {
		respondStatus(w, http.StatusNotFound, "kv", nil)
		return
	}
	if msg := e.checkCAS(rq.body, meta); msg != "" {
		fail(w, http.StatusBadRequest, msg)
		return
	}
	cur := meta.versions[meta.current]
	if cur == nil {
		respondStatus(w, http.StatusNotFound, "kv", nil)
		return
	}
	if cur.deleted(e.now()) || cur.destroy {
		respondStatus(w, http.StatusNotFound, "kv", e.versionMeta(meta.current, cur, meta.custom))
		return
	}
	patch, ok := patchRaw.(map[string]any)
	if !ok {
		fail(w, http.StatusBadRequest, fieldErr("data", patchRaw, errNotMap))
		return
	}
	var doc map[string]any
	if err := json.Unmarshal(cur.data, &doc); err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	raw, err := json.Marshal(mergePatch(doc, patch))
	if err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	num, v := e.addVersion(meta, raw)
	respond(w, "kv", e.versionMeta(num, v, meta.custom), nil)
}

// mergePatch applies an RFC 7386 JSON merge patch to an object.
func mergePatch(doc, patch map[string]any) map[string]any {
	if doc == nil {
		doc = map[string]any{}
	}
	for k, pv := range patch {
		if pv == nil {
			delete(doc, k)
			continue
		}
		if pm, ok := pv.(map[string]any); ok {
			dm, _ := doc[k].(map[string]any)
			doc[k] = mergePatch(dm, pm)
			continue
		}
		doc[k] = pv
	}
	return doc
}

// deleteLatest soft-deletes the current version; always 204.
func (e *kv2) deleteLatest(w http.ResponseWriter, key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	if meta := e.keys[key]; meta != nil {
		if v := meta.versions[meta.current]; v != nil && !v.destroy && !v.deleted(now) {
			v.deletion = now
		}
	}
	noContent(w)
}

// versions serves delete/, undelete/ and destroy/.
func (e *kv2) versions(w http.ResponseWriter, rq *request, action, key string) {
	nums, err := toIntSlice(rq.body["versions"])
	if err != nil {
		fail(w, http.StatusBadRequest, fieldErr("versions", rq.body["versions"], err))
		return
	}
	if len(nums) == 0 {
		// The two messages differ in case in the real engine.
		msg := "No version number provided"
		if action == "destroy" {
			msg = "no version number provided"
		}
		fail(w, http.StatusBadRequest, msg)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	meta := e.keys[key]
	if meta == nil {
		noContent(w)
		return
	}
	now := e.now()
	for _, n := range nums {
		v := meta.versions[uint64(n)]
		if v == nil || v.destroy {
			continue
		}
		switch action {
		case "delete":
			if !v.deleted(now) {
				v.deletion = now
			}
		case "undelete":
			v.deletion = time.Time{}
			if e.cfg.dva != disabledDVA {
				if d, ok := deletionAfter(e.cfg.dva, meta.dva); ok {
					v.deletion = now.Add(d)
				}
			}
		case "destroy":
			v.destroy = true
			v.data = nil
		}
	}
	noContent(w)
}

func (e *kv2) config(w http.ResponseWriter, rq *request) {
	switch rq.op {
	case opRead:
		e.mu.RLock()
		c := e.cfg
		e.mu.RUnlock()
		respond(w, "kv", map[string]any{
			"max_versions":         c.maxVersions,
			"cas_required":         c.casRequired,
			"delete_version_after": c.dva.String(),
		}, nil)
	case opUpdate:
		b := rq.body
		mv, mOK := b["max_versions"]
		cr, cOK := b["cas_required"]
		dv, dOK := b["delete_version_after"]
		if !mOK && !cOK && !dOK {
			noContent(w)
			return
		}
		n, err := toInt(mv)
		if err != nil {
			fail(w, http.StatusBadRequest, fieldErr("max_versions", mv, err))
			return
		}
		cas, err := toBool(cr)
		if err != nil {
			fail(w, http.StatusBadRequest, fieldErr("cas_required", cr, err))
			return
		}
		dva, err := toDurationSecond(dv)
		if err != nil {
			fail(w, http.StatusBadRequest, fieldErr("delete_version_after", dv, err))
			return
		}
		e.mu.Lock()
		if mOK {
			e.cfg.maxVersions = uint32(n)
		}
		if cOK {
			e.cfg.casRequired = cas
		}
		if dOK {
			switch {
			case dva < 0:
				e.cfg.dva = disabledDVA
			default:
				e.cfg.dva = dva
			}
		}
		e.mu.Unlock()
		noContent(w)
	default:
		unsupportedOp(w)
	}
}

// seed writes a version without cas (Server.Seed).
func (e *kv2) seed(key string, data map[string]any, custom map[string]string) (int, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return 0, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	meta := e.keys[key]
	if meta == nil {
		meta = &keyMeta{versions: map[uint64]*version{}}
		e.keys[key] = meta
		e.tree.add(key)
	}
	num, _ := e.addVersion(meta, raw)
	if custom != nil {
		meta.custom = make(map[string]string, len(custom))
		for k, v := range custom {
			meta.custom[k] = v
		}
	}
	return int(num), nil
}
