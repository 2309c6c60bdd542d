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
	CachePut(id, k)
	got, ok := CacheGet(id)
	if !ok {
		t.Skip("kernel keyring not usable here (keyctl blocked?)")
	}
	if *got != *k {
		t.Fatal("cache returned another key")
	}
	CacheDrop(id)
	if _, ok := CacheGet(id); ok {
		t.Fatal("dropped key still cached")
	}
	t.Setenv("WARD_CACHE_IDLE", "0")
	CachePut(id, k)
	if _, ok := CacheGet(id); ok {
		t.Fatal("cache used while switched off")
	}
}
