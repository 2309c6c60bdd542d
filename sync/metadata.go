package sync

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/opsward/ward/store"
)

// Rules of this file: ward metadata travels in custom_metadata under the
// keys below, within KV's limits (at most 64 keys, keys of 1 to 128 bytes,
// values of 1 to 512 printable bytes). What does not fit is shortened or
// left out with a warning, never a failed push. Keys ward does not know,
// including ward-* keys from a newer ward, are another tool's and are
// never touched.

// The custom_metadata keys ward writes.
const (
	keyKind        = "ward-kind"
	keyOwner       = "ward-owner"
	keyTags        = "ward-tags"
	keyUsage       = "ward-usage"
	keyRotateEvery = "ward-rotate-every"
	keyExpires     = "ward-expires"
	keyStatus      = "ward-status"
	keyDescription = "ward-description"
)

// wardKeys in the order they are kept when the 64-key limit bites.
var wardKeys = []string{keyKind, keyStatus, keyOwner, keyExpires, keyRotateEvery, keyTags, keyUsage, keyDescription}

// KV's custom_metadata limits.
const (
	maxCustomKeys     = 64
	maxCustomValueLen = 512
)

// metaMap is the projection of ward metadata onto custom_metadata: only
// the keys above, only non-default values, already within the limits.
// Two sides are in agreement about metadata when their projections are
// equal.
type metaMap = map[string]string

// projectRemote keeps the ward keys of a server's custom_metadata.
func projectRemote(custom map[string]string) metaMap {
	out := metaMap{}
	for _, k := range wardKeys {
		if v, ok := custom[k]; ok && v != "" {
			out[k] = v
		}
	}
	return out
}

// projectLocal encodes local metadata, shortening what does not fit; the
// warnings name the key, never the value.
func projectLocal(m store.Meta) (metaMap, []string) {
	out := metaMap{}
	var warns []string
	put := func(k, v string) {
		v, unprintable, cut := fitValue(v)
		if unprintable {
			warns = append(warns, fmt.Sprintf("metadata %s: characters KV does not allow (line breaks, controls) sent as spaces", k))
		}
		if cut {
			warns = append(warns, fmt.Sprintf("metadata %s shortened to fit KV's %d-byte limit", k, maxCustomValueLen))
		}
		if v != "" {
			out[k] = v
		}
	}
	if m.Kind != "" && m.Kind != store.KindGeneric {
		put(keyKind, string(m.Kind))
	}
	// Retired is how a local delete looks: it travels as a delete, not
	// as a status.
	if m.Status != "" && m.Status != store.StatusActive && m.Status != store.StatusRetired {
		put(keyStatus, string(m.Status))
	}
	put(keyOwner, m.Owner)
	put(keyDescription, m.Description)
	if m.RotateEvery > 0 {
		put(keyRotateEvery, m.RotateEvery.String())
	}
	if !m.Expires.IsZero() {
		put(keyExpires, m.Expires.UTC().Format(time.RFC3339))
	}
	for k, list := range map[string][]string{keyTags: m.Tags, keyUsage: m.Usage} {
		v, dropped := encodeList(list)
		if dropped > 0 {
			warns = append(warns, fmt.Sprintf("metadata %s: %d item(s) left out to fit KV's %d-byte limit", k, dropped, maxCustomValueLen))
		}
		if v != "" {
			out[k] = v
		}
	}
	slices.Sort(warns)
	return out, warns
}

// fitValue makes v printable (other runes become spaces) and at most
// maxCustomValueLen bytes, cut on a rune boundary, and says which it did.
func fitValue(v string) (out string, unprintable, cut bool) {
	if strings.IndexFunc(v, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		v = strings.Map(func(r rune) rune {
			if unicode.IsPrint(r) {
				return r
			}
			return ' '
		}, v)
		unprintable = true
	}
	v = strings.TrimSpace(v)
	if len(v) > maxCustomValueLen {
		end := maxCustomValueLen
		for end > 0 && !utf8.RuneStart(v[end]) {
			end--
		}
		v = strings.TrimSpace(v[:end])
		cut = true
	}
	return v, unprintable, cut
}

// encodeList joins items with commas, or writes a JSON array when an item
// holds a comma; items that do not fit are left out (and counted).
func encodeList(items []string) (string, int) {
	var clean []string
	for _, it := range items {
		if it, _, _ := fitValue(it); it != "" {
			clean = append(clean, it)
		}
	}
	dropped := len(items) - len(clean)
	for len(clean) > 0 {
		var v string
		if slices.ContainsFunc(clean, func(s string) bool { return strings.Contains(s, ",") || strings.HasPrefix(s, "[") }) {
			b, _ := json.Marshal(clean)
			v = string(b)
		} else {
			v = strings.Join(clean, ",")
		}
		if len(v) <= maxCustomValueLen {
			return v, dropped
		}
		clean = clean[:len(clean)-1]
		dropped++
	}
	return "", dropped
}

func decodeList(v string) []string {
	items := strings.Split(v, ",")
	if strings.HasPrefix(v, "[") {
		var list []string
		if json.Unmarshal([]byte(v), &list) == nil {
			items = list
		}
	}
	// Another tool may have written empty items ("[\"\"]", "a,,b"): they
	// are not tags.
	var out []string
	for _, it := range items {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}

// applyKeys sets the fields of m that keys name from projection p: a key
// absent from p clears its field. Other fields, synced or not (rotator
// and its arguments), stay as they are. An unparsable value leaves its
// field empty.
func applyKeys(m *store.Meta, p metaMap, keys []string) {
	for _, k := range keys {
		v := p[k]
		switch k {
		case keyKind:
			m.Kind = store.Kind(v)
			if m.Kind == "" {
				m.Kind = store.KindGeneric
			}
		case keyStatus:
			// A server retires a secret by deleting it, which a sync
			// turns into a local retirement; a "retired" status key is
			// not taken (nor one ward does not know): taken, it would
			// retire the local copy, and the next sync would delete the
			// server's (a metadata edit turned into a deletion).
			switch st := store.Status(v); st {
			case "":
				m.Status = store.StatusActive
			case store.StatusActive, store.StatusPending, store.StatusCompromised:
				m.Status = st
			default:
				if m.Status == "" || m.Status == store.StatusRetired {
					m.Status = store.StatusActive
				}
			}
		case keyOwner:
			m.Owner = v
		case keyDescription:
			m.Description = v
		case keyTags:
			m.Tags = decodeList(v)
		case keyUsage:
			m.Usage = decodeList(v)
		case keyRotateEvery:
			m.RotateEvery = 0
			if d, err := store.ParseDuration(v); err == nil && v != "" {
				m.RotateEvery = d
			}
		case keyExpires:
			m.Expires = time.Time{}
			if t, err := time.Parse(time.RFC3339, v); err == nil {
				m.Expires = t.UTC()
			}
		}
	}
}

// fitKeys drops ward keys from p (last in wardKeys first) so that the
// server's key count stays within 64 with the foreign keys it already has.
func fitKeys(p metaMap, foreign int) []string {
	var warns []string
	for i := len(wardKeys) - 1; i >= 0 && len(p)+foreign > maxCustomKeys; i-- {
		if _, ok := p[wardKeys[i]]; ok {
			delete(p, wardKeys[i])
			warns = append(warns, fmt.Sprintf("metadata %s left out: the server's custom_metadata already holds %d keys of other tools", wardKeys[i], foreign))
		}
	}
	return warns
}

func foreignKeys(custom map[string]string) int {
	n := 0
	for k := range custom {
		if !slices.Contains(wardKeys, k) {
			n++
		}
	}
	return n
}

// metaMerge is a key-by-key three-way merge of projections. Each side is
// compared with its own base (what that side held after the last sync:
// they differ when a server value is not in ward's canonical form), so a
// value one side cannot hold exactly does not bounce back and forth. With
// no sync yet the bases are nil and a key on one side only is taken.
type metaMerge struct {
	Push      map[string]*string // patch for the server; nil value: remove
	Pull      []string           // keys the local metadata takes from the server
	Conflicts []string           // keys changed differently on both sides
}

func mergeMeta(lbase, rbase, local, remote metaMap) metaMerge {
	var mm metaMerge
	for _, k := range wardKeys {
		lb, lbok := lbase[k]
		rb, rbok := rbase[k]
		l, lok := local[k]
		r, rok := remote[k]
		lchanged := lok != lbok || l != lb
		rchanged := rok != rbok || r != rb
		switch {
		case lok == rok && l == r, !lchanged && !rchanged:
		case lchanged && !rchanged:
			if mm.Push == nil {
				mm.Push = map[string]*string{}
			}
			if lok {
				mm.Push[k] = &l
			} else {
				mm.Push[k] = nil
			}
		case rchanged && !lchanged:
			mm.Pull = append(mm.Pull, k)
		default:
			mm.Conflicts = append(mm.Conflicts, k)
		}
	}
	return mm
}

// applyPatch returns remote with patch applied.
func applyPatch(remote metaMap, patch map[string]*string) metaMap {
	out := metaMap{}
	for k, v := range remote {
		out[k] = v
	}
	for k, v := range patch {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = *v
		}
	}
	return out
}

func equalMeta(a, b metaMap) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// patchFor is the custom_metadata patch that turns remote into want.
func patchFor(remote, want metaMap) map[string]*string {
	p := map[string]*string{}
	for _, k := range wardKeys {
		r, rok := remote[k]
		w, wok := want[k]
		switch {
		case wok && (!rok || r != w):
			p[k] = &w
		case !wok && rok:
			p[k] = nil
		}
	}
	return p
}
