//go:build !linux

package crypto

// CacheGet always misses: there is no session cache on this platform.
func CacheGet(storeID string) (*Key, []byte, bool) { return nil, nil, false }

// CachePut does nothing on this platform.
func CachePut(storeID string, tag []byte, k *Key) {}

// CacheDrop does nothing on this platform.
func CacheDrop(storeID string) {}

// CacheDropAll does nothing on this platform.
func CacheDropAll() int { return 0 }
