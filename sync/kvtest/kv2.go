package kvtest

import (
	"encoding/json"
	"fmt"
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

// The fields of each path (the real engine's framework.Path schemas).
var (
	dataSchema     = schema{"path": ftString, "version": ftInt, "options": ftMap, "data": ftMap}
	metaSchema     = schema{"path": ftString, "cas_required": ftBool, "max_versions": ftInt, "delete_version_after": ftDuration, "custom_metadata": ftMap}
	versionsSchema = schema{"path": ftString, "versions": ftCommaInts}
	configSchema   = schema{"max_versions": ftInt, "cas_required": ftBool, "delete_version_after": ftSignedDuration}
	subkeysSchema  = schema{"path": ftString, "version": ftInt, "depth": ftInt}
)

type kvHandler func(w http.ResponseWriter, rq *request, key string)

// serve routes as the engine's paths do: config$, data/<key not ending in
// "/">, metadata/<anything>, delete|undelete|destroy/<anything>,
// subkeys/<anything>, and the catch-all invalid path. On a path that
// matches, an operation it lacks is 405; its fields are validated first
// (see schema.validate).
func (e *kv2) serve(w http.ResponseWriter, rq *request, rel string) {
	head, key, slash := strings.Cut(rel, "/")
	var sc schema
	var ops map[op]kvHandler
	existence := false
	switch {
	case rel == "config":
		sc, ops = configSchema, map[op]kvHandler{opRead: e.readConfig, opUpdate: e.writeConfig}
	case head == "data" && slash && key != "" && !strings.HasSuffix(key, "/"):
		sc, existence = dataSchema, true
		ops = map[op]kvHandler{opRead: e.readData, opUpdate: e.writeData, opPatch: e.patchData, opDelete: e.deleteLatest}
	case head == "metadata" && slash:
		sc, existence = metaSchema, true
		ops = map[op]kvHandler{opRead: e.readMeta, opList: e.list, opUpdate: e.writeMeta, opPatch: e.patchMeta, opDelete: e.deleteMeta}
	case (head == "delete" || head == "undelete" || head == "destroy") && slash:
		sc = versionsSchema
		ops = map[op]kvHandler{opUpdate: func(w http.ResponseWriter, rq *request, key string) { e.versions(w, rq, head, key) }}
	case head == "subkeys" && slash:
		sc, ops = subkeysSchema, map[op]kvHandler{opRead: e.subkeys}
	default:
		e.invalid(w, rq, rel)
		return
	}
	h, ok := ops[rq.op]
	if !ok {
		unsupportedOp(w)
		return
	}
	// A write to a path with an existence check validates its fields in
	// the check, whose errors carry no "Field validation failed" prefix.
	if msg := sc.validate(rq.body, !(existence && rq.op == opUpdate)); msg != "" {
		fail(w, http.StatusBadRequest, msg)
		return
	}
	rq.schema = sc
	h(w, rq, key)
}

// respondOK writes a 200 response with the framework's warning about request
// fields the path does not know.
func respondOK(w http.ResponseWriter, rq *request, data map[string]any, warnings []string) {
	if rq.schema != nil {
		warnings = append(warnings, rq.schema.ignored(rq.body)...)
	}
	respond(w, data, warnings)
}

// invalid is the engine's catch-all path: 404 with no data and a warning
// naming the `vault kv` subcommand to use.
func (e *kv2) invalid(w http.ResponseWriter, rq *request, rel string) {
	switch rel {
	case "metadata", "data", "delete", "undelete", "destroy":
		respondStatus(w, http.StatusNotFound, nil, []string{"Non-listing operations on the root of a K/V v2 mount are not supported."})
		return
	}
	sub := map[op]string{opUpdate: "put", opPatch: "patch", opRead: "get", opList: "list", opDelete: "delete"}[rq.op]
	if sub == "" {
		unsupportedOp(w)
		return
	}
	respondStatus(w, http.StatusNotFound, nil, []string{fmt.Sprintf("Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv %s' for this operation.", sub)})
}

// exists is the existence check of data/ and metadata/: the key has
// metadata.
func (e *kv2) exists(rel string) (bool, bool) {
	head, key, _ := strings.Cut(rel, "/")
	if head != "data" && head != "metadata" {
		return false, false
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	_, found := e.keys[key]
	return true, found
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

// lookup finds version verParam of key (0: the current one), answering
// 404 and returning a nil version when there is none. The caller holds
// e.mu.
func (e *kv2) lookup(w http.ResponseWriter, key string, verParam int) (*keyMeta, uint64, *version) {
	meta := e.keys[key]
	if meta == nil {
		fail(w, http.StatusNotFound)
		return nil, 0, nil
	}
	num := meta.current
	if verParam > 0 {
		num = uint64(verParam)
	}
	v := meta.versions[num]
	if v == nil {
		fail(w, http.StatusNotFound)
		return nil, 0, nil
	}
	return meta, num, v
}

func (e *kv2) readData(w http.ResponseWriter, rq *request, key string) {
	verParam := 0
	if v, ok := dataSchema.get(rq.body, "version"); ok {
		verParam = v.(int)
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	meta, num, v := e.lookup(w, key, verParam)
	if v == nil {
		return
	}
	body := map[string]any{"data": nil, "metadata": e.versionMeta(num, v, meta.custom)}
	// A deleted or destroyed version: 404 with the version's metadata.
	if v.deleted(e.now()) || v.destroy {
		respondStatus(w, http.StatusNotFound, body, nil)
		return
	}
	body["data"] = v.data
	respondOK(w, rq, body, nil)
}

// checkCAS is validateCheckAndSetOption.
func (e *kv2) checkCAS(body map[string]any, meta *keyMeta) string {
	var casRaw any
	casOK := false
	if opts, ok := dataSchema.get(body, "options"); ok {
		casRaw, casOK = opts.(map[string]any)["cas"]
	}
	if casOK {
		cas, err := weakInt("", casRaw)
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
	dataRaw, ok := dataSchema.get(rq.body, "data")
	if !ok {
		fail(w, http.StatusBadRequest, "no data provided")
		return
	}
	// {"data": null} is a version whose data is null, as on the real
	// server.
	raw, err := json.Marshal(dataRaw.(map[string]any))
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
	respondOK(w, rq, e.versionMeta(num, v, meta.custom), nil)
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
	patchRaw, ok := dataSchema.get(rq.body, "data")
	if !ok {
		fail(w, http.StatusBadRequest, "no data provided")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	meta := e.keys[key]
	if meta == nil {
		respondEmpty(w, http.StatusNotFound)
		return
	}
	if msg := e.checkCAS(rq.body, meta); msg != "" {
		fail(w, http.StatusBadRequest, msg)
		return
	}
	cur := meta.versions[meta.current]
	if cur == nil {
		respondEmpty(w, http.StatusNotFound)
		return
	}
	if cur.deleted(e.now()) || cur.destroy {
		respondStatus(w, http.StatusNotFound, e.versionMeta(meta.current, cur, meta.custom), nil)
		return
	}
	var doc map[string]any
	if err := json.Unmarshal(cur.data, &doc); err != nil {
		fail(w, http.StatusInternalServerError, multiErr(err.Error()))
		return
	}
	if doc == nil {
		// A version written as {"data": null}: HandlePatchOperation has
		// no resource to patch.
		fail(w, http.StatusInternalServerError, multiErr("resource does not exist"))
		return
	}
	raw, err := json.Marshal(mergePatch(doc, patchRaw.(map[string]any)))
	if err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	num, v := e.addVersion(meta, raw)
	respondOK(w, rq, e.versionMeta(num, v, meta.custom), nil)
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
func (e *kv2) deleteLatest(w http.ResponseWriter, _ *request, key string) {
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
	raw, _ := versionsSchema.get(rq.body, "versions")
	nums, _ := raw.([]int)
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

func (e *kv2) readConfig(w http.ResponseWriter, rq *request, _ string) {
	e.mu.RLock()
	c := e.cfg
	e.mu.RUnlock()
	respondOK(w, rq, map[string]any{
		"max_versions":         c.maxVersions,
		"cas_required":         c.casRequired,
		"delete_version_after": c.dva.String(),
	}, nil)
}

func (e *kv2) writeConfig(w http.ResponseWriter, rq *request, _ string) {
	mv, mOK := configSchema.get(rq.body, "max_versions")
	cr, cOK := configSchema.get(rq.body, "cas_required")
	dv, dOK := configSchema.get(rq.body, "delete_version_after")
	if !mOK && !cOK && !dOK {
		noContent(w)
		return
	}
	e.mu.Lock()
	if mOK {
		e.cfg.maxVersions = uint32(mv.(int))
	}
	if cOK {
		e.cfg.casRequired = cr.(bool)
	}
	if dOK {
		if d := dv.(time.Duration); d < 0 {
			e.cfg.dva = disabledDVA
		} else {
			e.cfg.dva = d
		}
	}
	e.mu.Unlock()
	noContent(w)
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
	if len(custom) > 0 {
		meta.custom = make(map[string]string, len(custom))
		for k, v := range custom {
			meta.custom[k] = v
		}
	}
	return int(num), nil
}
