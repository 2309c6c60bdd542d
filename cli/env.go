package cli

import (
	"fmt"
	"os"
	"strconv"

	"github.com/opsward/ward/agent"
	wcrypto "github.com/opsward/ward/crypto"
)

// envWarnings names the environment settings ward cannot read, and what it
// does instead: they used to be ignored unsaid (WARD_AUDIT_SYNC=yes left
// retrievals unsynced). The values are settings, never secrets.
func envWarnings() []string {
	var w []string
	if v := os.Getenv("WARD_AUDIT_SYNC"); v != "" {
		if _, err := strconv.ParseBool(v); err != nil {
			w = append(w, fmt.Sprintf("WARD_AUDIT_SYNC=%q is not 1, 0, true or false: retrievals are not synced", v))
		}
	}
	if v := os.Getenv("WARD_CACHE_IDLE"); v != "" {
		if _, err := wcrypto.ParseCacheIdle(v); err != nil {
			w = append(w, fmt.Sprintf("%v: using %v", err, wcrypto.DefaultCacheIdle))
		}
	}
	if _, err := agent.IdleTimeout(); err != nil {
		w = append(w, fmt.Sprintf("%v: ward unlock refuses to start the agent", err))
	}
	return w
}
