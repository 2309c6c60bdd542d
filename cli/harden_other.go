//go:build !unix

package cli

// harden has nothing to do where there are no core dumps to switch off.
func harden() []string { return nil }
