package kvtest

import (
	"encoding/json"
	"net/http"
	"strings"
	stdsync "sync"
)

// kv1 is the unversioned KV engine (the real engine's passthrough.go):
// GET returns the stored fields as data, PUT/POST replace them, DELETE
// removes them, LIST lists a folder.
type kv1 struct {
	srv  *Server
	mu   stdsync.RWMutex
	keys map[string]json.RawMessage
	tree index
}

func newKV1(s *Server) *kv1 {
	return &kv1{srv: s, keys: map[string]json.RawMessage{}, tree: index{}}
}

func (e *kv1) serve(w http.ResponseWriter, rq *request, key string) {
	switch rq.op {
	case opRead:
		e.mu.RLock()
		raw, ok := e.keys[key]
		e.mu.RUnlock()
		if !ok {
			fail(w, http.StatusNotFound)
			return
		}
		var data map[string]any
		_ = json.Unmarshal(raw, &data)
		// A KV v1 read is a lease of the mount's default TTL (768h).
		writeJSON(w, http.StatusOK, &envelope{RequestID: newUUID(), Data: data, LeaseDuration: int(systemMaxTTL.Seconds())})
	case opList:
		e.mu.RLock()
		keys := e.tree.list(key)
		e.mu.RUnlock()
		if len(keys) == 0 {
			fail(w, http.StatusNotFound)
			return
		}
		respond(w, map[string]any{"keys": keys}, nil)
	case opUpdate:
		if key == "" || strings.HasSuffix(key, "/") {
			unsupportedPath(w)
			return
		}
		if len(rq.body) == 0 {
			fail(w, http.StatusBadRequest, "missing data fields")
			return
		}
		raw, err := json.Marshal(rq.body)
		if err != nil {
			fail(w, http.StatusInternalServerError, err.Error())
			return
		}
		e.mu.Lock()
		if _, ok := e.keys[key]; !ok {
			e.tree.add(key)
		}
		e.keys[key] = raw
		e.mu.Unlock()
		noContent(w)
	case opDelete:
		e.mu.Lock()
		if _, ok := e.keys[key]; ok {
			delete(e.keys, key)
			e.tree.remove(key)
		}
		e.mu.Unlock()
		noContent(w)
	default:
		unsupportedOp(w)
	}
}

// exists is the passthrough backend's existence check: the key is stored.
func (e *kv1) exists(key string) (bool, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	_, ok := e.keys[key]
	return true, ok
}
