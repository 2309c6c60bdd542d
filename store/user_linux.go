package store

import (
	"bytes"
	"io"
	"os"
	"os/user"
	"strconv"
)

// userName is the name of the user ward runs as, from /etc/passwd when it
// has the entry: os/user reads the same file, but through the runtime's
// poller (see openFile) and a line reader, a tenth of a `ward get`. Users
// it does not list (LDAP, systemd-homed, a container's uid) are asked of
// os/user, which falls back on $USER.
func userName() string {
	uid := os.Getuid()
	if f, err := openFile("/etc/passwd", os.O_RDONLY, 0); err == nil {
		b, _ := io.ReadAll(io.LimitReader(f, 4<<20))
		f.Close()
		if name, ok := passwdName(b, uid); ok {
			return name
		}
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}

// passwdName finds uid's name in passwd lines: name:password:uid:...
func passwdName(b []byte, uid int) (string, bool) {
	want := []byte(strconv.Itoa(uid))
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		name, rest, ok := bytes.Cut(line, []byte{':'})
		if !ok || len(name) == 0 || name[0] == '#' {
			continue
		}
		_, rest, ok = bytes.Cut(rest, []byte{':'})
		if !ok {
			continue
		}
		id, _, ok := bytes.Cut(rest, []byte{':'})
		if ok && bytes.Equal(id, want) {
			return string(name), true
		}
	}
	return "", false
}
