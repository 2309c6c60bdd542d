package crypto

import (
	"encoding/binary"
	"strings"

	"golang.org/x/sys/unix"
)

// nativeEndian reads the key serials KEYCTL_READ lists (host order).
var nativeEndian = binary.NativeEndian

// Permissions for a cached key: the possessor may do anything, other
// processes of the same user may find and read it (the same boundary as the
// OS keyring and ssh-agent), nobody else anything.
// (Values from linux/keyctl.h; x/sys/unix does not export them.)
const (
	keyPosAll     = 0x3f000000
	keyUsrView    = 0x00010000
	keyUsrRead    = 0x00020000
	keyUsrWrite   = 0x00040000
	keyUsrSearch  = 0x00080000
	keyUsrSetattr = 0x00200000
	cachePerm     = keyPosAll | keyUsrView | keyUsrRead | keyUsrSearch | keyUsrWrite | keyUsrSetattr
)

// CacheGet returns the cached data key of a store and the tag it was put
// with, and restarts its idle timer. It reports false when there is none
// or the cache is off.
func CacheGet(storeID string) (*Key, []byte, bool) {
	idle := CacheIdle()
	if idle <= 0 {
		return nil, nil, false
	}
	id, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", cacheDesc(storeID), 0)
	if err != nil {
		return nil, nil, false
	}
	var buf [KeySize + maxCacheTag]byte
	n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, id, buf[:], 0)
	if err != nil || n < KeySize || n > len(buf) {
		return nil, nil, false
	}
	var k Key
	copy(k[:], buf[:KeySize])
	tag := append([]byte(nil), buf[KeySize:n]...)
	clear(buf[:])
	// A timeout of 0 means "never": keep at least a second.
	_, _ = unix.KeyctlInt(unix.KEYCTL_SET_TIMEOUT, id, max(int(idle.Seconds()), 1), 0, 0)
	return &k, tag, true
}

// CachePut caches a store's data key with the idle timeout and a tag of up
// to 32 bytes that says which key envelope it came from. Failure is
// silent: the cache is an optimisation.
func CachePut(storeID string, tag []byte, k *Key) {
	idle := CacheIdle()
	if idle <= 0 || k == nil || len(tag) > maxCacheTag {
		return
	}
	payload := append(append(make([]byte, 0, KeySize+len(tag)), k[:]...), tag...)
	defer clear(payload)
	id, err := unix.AddKey("user", cacheDesc(storeID), payload, unix.KEY_SPEC_USER_KEYRING)
	if err != nil {
		return
	}
	_, _ = unix.KeyctlInt(unix.KEYCTL_SETPERM, id, cachePerm, 0, 0)
	secs := max(int(idle.Seconds()), 1)
	_, _ = unix.KeyctlInt(unix.KEYCTL_SET_TIMEOUT, id, secs, 0, 0)
}

// CacheDrop forgets a store's cached data key.
func CacheDrop(storeID string) {
	id, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", cacheDesc(storeID), 0)
	if err != nil {
		return
	}
	_, _ = unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0)
}

// CacheDropAll forgets every store's cached data key in the user keyring,
// whichever WARD_HOME the store lives in, and returns how many it dropped.
func CacheDropAll() int {
	// KEYCTL_READ on a keyring lists the serials of the keys in it.
	buf := make([]byte, 4096)
	n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, unix.KEY_SPEC_USER_KEYRING, buf, 0)
	if err != nil {
		return 0
	}
	if n > len(buf) {
		buf = make([]byte, n)
		if n, err = unix.KeyctlBuffer(unix.KEYCTL_READ, unix.KEY_SPEC_USER_KEYRING, buf, 0); err != nil || n > len(buf) {
			return 0
		}
	}
	dropped := 0
	for i := 0; i+4 <= n; i += 4 {
		id := int(int32(nativeEndian.Uint32(buf[i:])))
		// "type;uid;gid;perm;description"
		desc, err := unix.KeyctlString(unix.KEYCTL_DESCRIBE, id)
		if err != nil {
			continue
		}
		if j := strings.LastIndexByte(desc, ';'); j >= 0 && strings.HasPrefix(desc, "user;") && strings.HasPrefix(desc[j+1:], cachePrefix()) {
			if _, err := unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0); err == nil {
				dropped++
			}
		}
	}
	return dropped
}
