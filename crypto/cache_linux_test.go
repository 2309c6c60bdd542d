package crypto

import (
	"testing"

	"golang.org/x/sys/unix"
)

// CacheDropAll forgets every ward key in the user keyring (whatever store
// directory it came from) and nothing else.
func TestSessionCacheDropAll(t *testing.T) {
	t.Setenv("WARD_CACHE_IDLE", "60")
	a := "test-a-" + NewIdentity().Recipient().String()[5:20]
	b := "test-b-" + NewIdentity().Recipient().String()[5:20]
	CachePut(a, []byte("tag-a"), NewDataKey())
	CachePut(b, []byte("tag-b"), NewDataKey())
	if _, _, ok := CacheGet(a); !ok {
		t.Skip("kernel keyring not usable here (keyctl blocked?)")
	}
	other := "test-not-ward-" + a
	oid, err := unix.AddKey("user", other, []byte("fake"), unix.KEY_SPEC_USER_KEYRING)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.KeyctlInt(unix.KEYCTL_INVALIDATE, oid, 0, 0, 0)
	if n := CacheDropAll(); n < 2 {
		t.Errorf("dropped %d keys, want at least the 2 put here", n)
	}
	for _, id := range []string{a, b} {
		if _, _, ok := CacheGet(id); ok {
			t.Errorf("%s still cached", id)
		}
	}
	if _, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", other, 0); err != nil {
		t.Errorf("a key that is not ward's was dropped too: %v", err)
	}
}
