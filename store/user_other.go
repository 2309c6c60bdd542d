//go:build !linux

package store

import "os/user"

// userName is the name of the user ward runs as.
func userName() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}
