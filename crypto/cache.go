package crypto

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// The session cache keeps an unwrapped data key for the login session, so
// a runbook that calls `ward get` a hundred times pays for the keyring's
// D-Bus round trip (or a passphrase) once. On Linux it is the kernel
// keyring (keyctl): memory only, readable by the same user, dropped after
// CacheIdle without use. Elsewhere, and where keyctl is unavailable (some
// container seccomp profiles), there is no cache and every call unlocks.

// DefaultCacheIdle is how long an unused cached key lives.
const DefaultCacheIdle = 15 * time.Minute

// CacheIdle returns the idle timeout: $WARD_CACHE_IDLE as a Go duration or
// whole seconds, DefaultCacheIdle when unset, and 0 (cache off) for "0".
// A value it cannot read is DefaultCacheIdle (and ward warns of it, see
// ParseCacheIdle).
func CacheIdle() time.Duration {
	v := os.Getenv("WARD_CACHE_IDLE")
	if v == "" {
		return DefaultCacheIdle
	}
	d, err := ParseCacheIdle(v)
	if err != nil {
		return DefaultCacheIdle
	}
	return d
}

// ParseCacheIdle reads a WARD_CACHE_IDLE value: whole seconds or a Go
// duration, not negative.
func ParseCacheIdle(v string) (time.Duration, error) {
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return d, nil
	}
	return 0, fmt.Errorf("WARD_CACHE_IDLE=%q is not whole seconds or a duration such as 15m", v)
}

func cacheDesc(storeID string) string { return cachePrefix() + storeID }

// cachePrefix starts every cache entry's description. Tests set
// WARD_TEST_CACHE_NS (each test binary its own) so that one package's
// `ward lock` — CacheDropAll is user-wide — cannot drop another's keys while
// `go test ./...` runs packages side by side. Unset in use.
func cachePrefix() string {
	if ns := os.Getenv("WARD_TEST_CACHE_NS"); ns != "" {
		return "ward:datakey:" + ns + ":"
	}
	return "ward:datakey:"
}

const maxCacheTag = 32
