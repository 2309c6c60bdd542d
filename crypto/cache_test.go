package crypto

import (
	"runtime"
	"testing"
)

func TestSessionCache(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the session cache is Linux's kernel keyring")
	}
	t.Setenv("WARD_CACHE_IDLE", "60")
	id := "test-" + NewIdentity().Recipient().String()[5:20]
	k := NewDataKey()
	tag := []byte("envelope-tag-16b")
	CachePut(id, tag, k)
	got, gotTag, ok := CacheGet(id)
	if !ok {
		t.Skip("kernel keyring not usable here (keyctl blocked?)")
	}
	if *got != *k || string(gotTag) != string(tag) {
		t.Fatalf("cache returned another key or tag (%q)", gotTag)
	}
	CacheDrop(id)
	if _, _, ok := CacheGet(id); ok {
		t.Fatal("dropped key still cached")
	}
	t.Setenv("WARD_CACHE_IDLE", "0")
	CachePut(id, tag, k)
	if _, _, ok := CacheGet(id); ok {
		t.Fatal("cache used while switched off")
	}
}
