package store

import (
	"os"
	"os/user"
	"strings"
	"testing"
)

func TestPasswdName(t *testing.T) {
	passwd := "# a comment\nroot:x:0:0:root:/root:/bin/bash\n\nbroken line\nops:x:1000:1000::/home/ops:/bin/sh\nlast:x:1001:1001::/home/last:/bin/sh"
	for uid, want := range map[int]string{0: "root", 1000: "ops", 1001: "last", 100: ""} {
		got, ok := passwdName([]byte(passwd), uid)
		if got != want || ok != (want != "") {
			t.Errorf("uid %d: %q %v, want %q", uid, got, ok, want)
		}
	}
}

// userName agrees with os/user for the user running the tests.
func TestUserNameMatchesOSUser(t *testing.T) {
	want := ""
	if u, err := user.Current(); err == nil {
		want = u.Username
	}
	if got := userName(); got != want {
		t.Fatalf("userName() = %q, os/user says %q (uid %d)", got, want, os.Getuid())
	}
}

func FuzzPasswdName(f *testing.F) {
	f.Add([]byte("root:x:0:0:root:/root:/bin/bash\nops:x:1000:1000::/home/ops:/bin/sh\n"), 1000)
	f.Add([]byte(":::\n::0:\n"), 0)
	f.Fuzz(func(t *testing.T, b []byte, uid int) {
		name, ok := passwdName(b, uid)
		if ok && (name == "" || strings.ContainsAny(name, ":\n")) {
			t.Fatalf("name %q", name)
		}
	})
}
