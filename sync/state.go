package sync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/opsward/ward/store"
)

// base is what both sides held after the last sync of one path, kept in
// the store's sealed state under ("sync:<remote>", local path). Values are
// never kept, only a SHA-256 of them: the state is sealed with the store's
// record key, and the hash only has to tell "same" from "changed".
type base struct {
	RV int     `json:"rv"`           // remote version
	LV int     `json:"lv"`           // local version
	LC int64   `json:"lc"`           // local secret's creation (Unix ns): a purged and re-made secret is another one
	F  []byte  `json:"f"`            // fieldsHash of the values
	M  metaMap `json:"m,omitempty"`  // ward metadata projection on the server
	LM metaMap `json:"lm,omitempty"` // on the local side, when it differs from M
	At int64   `json:"at"`           // when it was recorded (store clock, Unix s)
}

func (b *base) localMeta() metaMap {
	if b.LM != nil {
		return b.LM
	}
	return b.M
}

func decodeBase(raw []byte) (*base, error) {
	var b base
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("sync base is malformed: %w", store.ErrCorrupt)
	}
	return &b, nil
}

func baseOp(remote, path string, b *base) store.StateOp {
	if b == nil {
		return store.StateOp{NS: baseNS(remote), Key: path}
	}
	if b.LM != nil && equalMeta(b.LM, b.M) {
		b.LM = nil
	}
	raw, _ := json.Marshal(b)
	return store.StateOp{NS: baseNS(remote), Key: path, Value: raw}
}

// fieldsHash is SHA-256 over the fields in name order, each name and value
// length-prefixed, so no two different sets of fields encode alike.
func fieldsHash(f map[string]string) []byte {
	names := make([]string, 0, len(f))
	for k := range f {
		names = append(names, k)
	}
	slices.Sort(names)
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	for _, k := range names {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(k)))])
		h.Write([]byte(k))
		v := f[k]
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(v)))])
		h.Write([]byte(v))
	}
	return h.Sum(nil)
}

func localHash(f store.Fields) []byte {
	m := make(map[string]string, len(f))
	for k, v := range f {
		m[k] = v.Reveal()
	}
	return fieldsHash(m)
}

func sameHash(a, b []byte) bool { return len(a) > 0 && bytes.Equal(a, b) }

// Bases returns the paths with a sync base for remote, for `ward remote
// ls` and doctor-style checks.
func Bases(ctx context.Context, s *store.Store, remote string) ([]string, error) {
	all, err := s.ListState(ctx, baseNS(remote))
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(all))
	for k := range all {
		out = append(out, k)
	}
	slices.Sort(out)
	return out, nil
}
