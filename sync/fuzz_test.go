package sync

import (
	"encoding/json"
	"testing"

	"github.com/opsward/ward/store"
)

// What a server (or another tool writing to it) controls and ward reads:
// custom_metadata values, a server's metadata document, and ward's own
// sync bases. Whatever they hold: no panic, and metadata from the server
// lands in store.Meta the store can keep.

func FuzzRemoteMetadata(f *testing.F) {
	f.Add([]byte(`{"ward-kind":"password","ward-owner":"team","ward-tags":"[\"a\",\"b\"]","ward-usage":"k8s:prod, ci","ward-rotate-every":"90d","ward-expires":"2027-01-01T00:00:00Z","other":"x"}`))
	f.Add([]byte(`{"ward-tags":"[","ward-rotate-every":"-5d","ward-expires":"soon","ward-status":"retired"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var custom map[string]string
		if json.Unmarshal(b, &custom) != nil {
			return
		}
		p := projectRemote(custom)
		_ = foreignKeys(custom)
		var m store.Meta
		applyKeys(&m, p, wardKeys)
		if m.RotateEvery < 0 {
			t.Fatalf("negative rotation interval from %q", custom[keyRotateEvery])
		}
		for _, list := range [][]string{m.Tags, m.Usage} {
			for _, it := range list {
				if it == "" {
					t.Fatal("an empty list item")
				}
			}
		}
	})
}

func FuzzDecodeBase(f *testing.F) {
	f.Add([]byte(`{"rv":3,"lv":2,"lc":1764000000000000000,"f":"AAAA","m":{"ward-kind":"password"},"at":1764000000}`))
	f.Add([]byte(`{"rv":-1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		base, err := decodeBase(b)
		if err != nil {
			return
		}
		_ = base.localMeta()
	})
}
