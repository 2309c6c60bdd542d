package kvtest

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"unicode"
)

// The metadata endpoint of the KV v2 engine (path_metadata.go of the real
// engine): read, write, patch, delete and LIST.

// Limits on custom_metadata, from path_metadata.go (both Vault and OpenBao).
const (
	maxCustomMetadataKeys        = 64
	maxCustomMetadataKeyLength   = 128
	maxCustomMetadataValueLength = 512
	customMetadataPrefix         = "custom_metadata validation failed"
)

const casIgnoredWarning = `"cas_required" set to false, but is mandated by backend config. This value will be ignored.`

var errNotMap = errors.New("expected a map")

func (e *kv2) readMeta(w http.ResponseWriter, key string) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	meta := e.keys[key]
	if meta == nil {
		fail(w, http.StatusNotFound)
		return
	}
	versions := make(map[string]any, len(meta.versions))
	for n, v := range meta.versions {
		versions[strconv.FormatUint(n, 10)] = map[string]any{
			"created_time":  fmtTime(v.created),
			"deletion_time": fmtTime(v.deletion),
			"destroyed":     v.destroy,
		}
	}
	respond(w, "kv", map[string]any{
		"versions":             versions,
		"current_version":      meta.current,
		"oldest_version":       meta.oldest,
		"created_time":         fmtTime(meta.created),
		"updated_time":         fmtTime(meta.updated),
		"max_versions":         meta.maxVersions,
		"cas_required":         meta.casRequired,
		"delete_version_after": meta.dva.String(),
		"custom_metadata":      nilIfNil(meta.custom),
	}, nil)
}

// list answers LIST metadata/<folder>/: the folder's children, sub-folders
// ending in "/"; 404 with {"errors":[]} when there are none. OpenBao's
// optional after= and limit= paginate.
func (e *kv2) list(w http.ResponseWriter, rq *request, folder string) {
	limit := 0
	if l := rq.query.Get("limit"); l != "" {
		n, err := toInt(l)
		if err != nil {
			fail(w, http.StatusBadRequest, fieldErr("limit", l, err))
			return
		}
		limit = n
	}
	e.mu.RLock()
	keys := e.tree.list(folder, rq.query.Get("after"), limit)
	e.mu.RUnlock()
	if len(keys) == 0 {
		fail(w, http.StatusNotFound)
		return
	}
	respond(w, "kv", map[string]any{"keys": keys}, nil)
}

// parseCustom converts a custom_metadata object; with dropNil (PATCH) a
// null value is left out instead of becoming "".
func parseCustom(raw any, dropNil bool) (map[string]string, string) {
	m, ok := raw.(map[string]any)
	if !ok {
		if raw == nil {
			return map[string]string{}, ""
		}
		return nil, fieldErr("custom_metadata", raw, errNotMap)
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if dropNil && v == nil {
			continue
		}
		s, err := toMetaString(v)
		if err != nil {
			return nil, customMetadataPrefix + ": " + err.Error()
		}
		out[k] = s
	}
	return out, ""
}

// validateCustom checks the limits and returns the real server's message
// (a go-multierror list), or "". The real engine walks the map in random
// order; this one sorts the keys so messages are stable.
func validateCustom(cm map[string]string) string {
	if n := len(cm); n > maxCustomMetadataKeys {
		return multiErr(fmt.Sprintf("%s: payload must contain at most %d keys, provided %d",
			customMetadataPrefix, maxCustomMetadataKeys, n))
	}
	var errs []string
	for _, k := range sortedKeys(cm) {
		v := cm[k]
		if l := len(k); l == 0 || l > maxCustomMetadataKeyLength {
			errs = append(errs, fmt.Sprintf("%s: length of key %q is %d but must be 0 < len(key) <= %d",
				customMetadataPrefix, k, l, maxCustomMetadataKeyLength))
		}
		if l := len(v); l == 0 || l > maxCustomMetadataValueLength {
			errs = append(errs, fmt.Sprintf("%s: length of value for key %q is %d but must be 0 < len(value) <= %d",
				customMetadataPrefix, k, l, maxCustomMetadataValueLength))
		}
		if !printable(k) {
			errs = append(errs, fmt.Sprintf("%s: key %q (%s) contains unprintable characters", customMetadataPrefix, k, k))
		}
		if !printable(v) {
			errs = append(errs, fmt.Sprintf("%s: value for key %q contains unprintable characters", customMetadataPrefix, k))
		}
	}
	if errs == nil {
		return ""
	}
	return multiErr(errs...)
}

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// metaFields are the settable fields of a metadata write or patch.
type metaFields struct {
	maxVersions    int
	casRequired    bool
	dva            int64 // seconds
	custom         map[string]string
	mOK, cOK, dOK  bool
	cmOK, cmIsNull bool
}

func parseMetaFields(body map[string]any, patch bool) (metaFields, string) {
	var f metaFields
	var err error
	var raw any
	if raw, f.mOK = body["max_versions"]; f.mOK {
		if f.maxVersions, err = toInt(raw); err != nil {
			return f, fieldErr("max_versions", raw, err)
		}
	}
	if raw, f.cOK = body["cas_required"]; f.cOK {
		if f.casRequired, err = toBool(raw); err != nil {
			return f, fieldErr("cas_required", raw, err)
		}
	}
	if raw, f.dOK = body["delete_version_after"]; f.dOK {
		d, err := toDurationSecond(raw)
		if err != nil {
			return f, fieldErr("delete_version_after", raw, err)
		}
		f.dva = int64(d.Seconds())
	}
	if raw, f.cmOK = body["custom_metadata"]; f.cmOK {
		f.cmIsNull = raw == nil
		var msg string
		if f.custom, msg = parseCustom(raw, patch); msg != "" {
			return f, msg
		}
		if msg := validateCustom(f.custom); msg != "" {
			return f, msg
		}
	}
	return f, ""
}

func (e *kv2) writeMeta(w http.ResponseWriter, rq *request, key string) {
	if key == "" {
		fail(w, http.StatusBadRequest, "missing path")
		return
	}
	f, msg := parseMetaFields(rq.body, false)
	if msg != "" {
		fail(w, http.StatusBadRequest, msg)
		return
	}
	if !f.mOK && !f.cOK && !f.dOK && !f.cmOK {
		noContent(w) // nothing to set: the key is not created
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var warnings []string
	if f.cOK && e.cfg.casRequired && !f.casRequired {
		warnings = []string{casIgnoredWarning}
	}
	meta := e.keys[key]
	if meta == nil {
		now := e.now()
		meta = &keyMeta{versions: map[uint64]*version{}, created: now, updated: now}
		e.keys[key] = meta
		e.tree.add(key)
	}
	if f.mOK {
		meta.maxVersions = uint32(f.maxVersions)
	}
	if f.cOK {
		meta.casRequired = f.casRequired
	}
	if f.dOK {
		meta.dva = secondsDuration(f.dva)
	}
	if f.cmOK {
		meta.custom = f.custom
	}
	if warnings != nil {
		respond(w, "kv", nil, warnings)
		return
	}
	noContent(w)
}

func (e *kv2) patchMeta(w http.ResponseWriter, rq *request, key string) {
	if key == "" {
		fail(w, http.StatusBadRequest, "missing path")
		return
	}
	f, msg := parseMetaFields(rq.body, true)
	if msg != "" {
		fail(w, http.StatusBadRequest, msg)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	meta := e.keys[key]
	if meta == nil {
		respondStatus(w, http.StatusNotFound, "kv", nil)
		return
	}
	var warnings []string
	if f.cOK && e.cfg.casRequired && !f.casRequired {
		warnings = []string{casIgnoredWarning}
	}
	if f.mOK {
		meta.maxVersions = uint32(f.maxVersions)
	}
	if f.cOK {
		meta.casRequired = f.casRequired
	}
	if f.dOK {
		meta.dva = secondsDuration(f.dva)
	}
	if f.cmOK {
		// A JSON merge patch of the stored custom_metadata: null removes
		// a key, a null object removes them all.
		if f.cmIsNull {
			meta.custom = nil
		} else {
			raw, _ := rq.body["custom_metadata"].(map[string]any)
			if meta.custom == nil {
				meta.custom = map[string]string{}
			}
			for k, v := range raw {
				if v == nil {
					delete(meta.custom, k)
				} else {
					meta.custom[k] = f.custom[k]
				}
			}
		}
	}
	if warnings != nil {
		respond(w, "kv", nil, warnings)
		return
	}
	noContent(w)
}

// deleteMeta removes every version and the metadata; always 204.
func (e *kv2) deleteMeta(w http.ResponseWriter, key string) {
	e.mu.Lock()
	if _, ok := e.keys[key]; ok {
		delete(e.keys, key)
		e.tree.remove(key)
	}
	e.mu.Unlock()
	noContent(w)
}
