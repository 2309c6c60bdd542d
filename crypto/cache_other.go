//go:build !linux

package crypto

// CacheGet always misses: there is no session cache on this platform.
func CacheGet(storeID string) (*Key, bool) { return nil, false }

// CachePut does nothing on this platform.
func CachePut(storeID string, k *Key) {}

// CacheDrop does nothing on this platform.
func CacheDrop(storeID string) {}
