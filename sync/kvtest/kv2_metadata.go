package kvtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
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

func (e *kv2) readMeta(w http.ResponseWriter, rq *request, key string) {
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
	respondOK(w, rq, map[string]any{
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
// ending in "/"; 404 with {"errors":[]} when there are none. Vault 1.15
// has no pagination: after= and limit= are ignored with the framework's
// warning.
func (e *kv2) list(w http.ResponseWriter, rq *request, folder string) {
	e.mu.RLock()
	keys := e.tree.list(folder)
	e.mu.RUnlock()
	if len(keys) == 0 {
		fail(w, http.StatusNotFound)
		return
	}
	respondOK(w, rq, map[string]any{"keys": keys}, nil)
}

// parseCustom is parseCustomMetadata: every value weakly converted to a
// string; with dropNil (PATCH) a null value is left out.
func parseCustom(raw map[string]any, dropNil bool) (map[string]string, string) {
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if dropNil && v == nil {
			continue
		}
		s, err := weakString("", v)
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

// metaFields are the settable fields of a metadata write or patch,
// already validated by the schema.
type metaFields struct {
	maxVersions   int
	casRequired   bool
	dva           time.Duration
	custom        map[string]string
	rawCustom     map[string]any
	mOK, cOK, dOK bool
	cmOK          bool
}

func parseMetaFields(body map[string]any, patch bool) (metaFields, string) {
	var f metaFields
	var v any
	if v, f.mOK = metaSchema.get(body, "max_versions"); f.mOK {
		f.maxVersions = v.(int)
	}
	if v, f.cOK = metaSchema.get(body, "cas_required"); f.cOK {
		f.casRequired = v.(bool)
	}
	if v, f.dOK = metaSchema.get(body, "delete_version_after"); f.dOK {
		f.dva = v.(time.Duration)
	}
	if v, f.cmOK = metaSchema.get(body, "custom_metadata"); f.cmOK {
		f.rawCustom = v.(map[string]any)
		var msg string
		if f.custom, msg = parseCustom(f.rawCustom, patch); msg != "" {
			return f, msg
		}
		if msg := validateCustom(f.custom); msg != "" {
			return f, msg
		}
	}
	return f, ""
}

// normCustom is what storage gives back: an empty custom_metadata reads
// as null (the engine keeps it in a protobuf map).
func normCustom(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
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
		meta.dva = f.dva
	}
	if f.cmOK {
		meta.custom = normCustom(f.custom)
	}
	if warnings != nil {
		respondOK(w, rq, nil, warnings)
		return
	}
	noContent(w)
}

// jsonKind names a JSON value's kind as encoding/json's UnmarshalTypeError
// does.
func jsonKind(v any) string {
	switch v.(type) {
	case json.Number:
		return "number"
	case bool:
		return "bool"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return "string"
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
		respondEmpty(w, http.StatusNotFound)
		return
	}
	var warnings []string
	if f.cOK && e.cfg.casRequired && !f.casRequired {
		warnings = []string{casIgnoredWarning}
	}
	// The engine merges the request into the stored metadata's JSON and
	// decodes the result: a value that is not a string passed the checks
	// above (converted) but fails here, as a 500.
	for _, k := range sortedKeys(f.rawCustom) {
		if v := f.rawCustom[k]; v != nil {
			if _, isString := v.(string); !isString {
				fail(w, http.StatusInternalServerError, multiErr(fmt.Sprintf(
					"json: cannot unmarshal %s into Go struct field KeyMetadata.custom_metadata of type string", jsonKind(v))))
				return
			}
		}
	}
	if f.mOK {
		meta.maxVersions = uint32(f.maxVersions)
	}
	if f.cOK {
		meta.casRequired = f.casRequired
	}
	if f.dOK {
		meta.dva = f.dva
	}
	if f.cmOK {
		// A JSON merge patch of the stored custom_metadata: null removes
		// a key, a null object removes them all.
		if f.rawCustom == nil {
			meta.custom = nil
		} else {
			if meta.custom == nil {
				meta.custom = map[string]string{}
			}
			for k, v := range f.rawCustom {
				if v == nil {
					delete(meta.custom, k)
				} else {
					meta.custom[k] = f.custom[k]
				}
			}
			meta.custom = normCustom(meta.custom)
		}
	}
	if warnings != nil {
		respondOK(w, rq, nil, warnings)
		return
	}
	noContent(w)
}

// deleteMeta removes every version and the metadata; always 204.
func (e *kv2) deleteMeta(w http.ResponseWriter, _ *request, key string) {
	e.mu.Lock()
	if _, ok := e.keys[key]; ok {
		delete(e.keys, key)
		e.tree.remove(key)
	}
	e.mu.Unlock()
	noContent(w)
}

// subkeys answers GET subkeys/<key>?version=&depth=: the version's fields
// with every value replaced by null, down to depth levels (0: all).
func (e *kv2) subkeys(w http.ResponseWriter, rq *request, key string) {
	depth, verParam := 0, 0
	if v, ok := subkeysSchema.get(rq.body, "depth"); ok {
		depth = v.(int)
	}
	if v, ok := subkeysSchema.get(rq.body, "version"); ok {
		verParam = v.(int)
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	meta, num, v := e.lookup(w, key, verParam)
	if v == nil {
		return
	}
	body := map[string]any{"subkeys": nil, "metadata": e.versionMeta(num, v, meta.custom)}
	if v.deleted(e.now()) || v.destroy {
		respondStatus(w, http.StatusNotFound, body, nil)
		return
	}
	doc := map[string]any{}
	_ = json.Unmarshal(v.data, &doc)
	body["subkeys"] = structureOf(doc, depth, 1)
	respondOK(w, rq, body, nil)
}

func structureOf(m map[string]any, maxDepth, depth int) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if sub, isMap := v.(map[string]any); isMap && len(sub) > 0 && (maxDepth == 0 || depth+1 <= maxDepth) {
			out[k] = structureOf(sub, maxDepth, depth+1)
		} else {
			out[k] = nil
		}
	}
	return out
}
