//go:build !unix

package cli

import (
	"fmt"
	"os"
)

// lockFileMain needs flock(2); the scripts that use it stop before it
// elsewhere.
func lockFileMain() {
	fmt.Fprintln(os.Stderr, "ward-test-lockfile: unix only")
	os.Exit(1)
}
