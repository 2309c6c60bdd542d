package agent

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	wcrypto "github.com/opsward/ward/crypto"
)

// BenchmarkGet is one get round trip on an open connection, what a command
// pays per store once it has dialled.
func BenchmarkGet(b *testing.B) {
	a := serve(b, 0)
	c := dial(b, a.sock)
	ctx := context.Background()
	if err := c.Put(ctx, "0123456789abcdef0123456789abcdef", Entry{Identity: wcrypto.NewSecret(canary), DataKey: NewKey(canaryKey())}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Get(ctx, "0123456789abcdef0123456789abcdef"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDialGet is what one `ward get` process pays: dial (with the
// directory and peer checks), get, close.
func BenchmarkDialGet(b *testing.B) {
	a := serve(b, 0)
	ctx := context.Background()
	c := dial(b, a.sock)
	if err := c.Put(ctx, "s", Entry{DataKey: NewKey(canaryKey())}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c, err := Dial(a.sock)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Get(ctx, "s"); err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}

// BenchmarkGetNotRunning is what a missing agent adds to `ward get`.
func BenchmarkGetNotRunning(b *testing.B) {
	base := filepath.Dir(sockPath(b))
	for name, sock := range map[string]string{
		"NoDir":    filepath.Join(base, "missing", "agent.sock"),
		"NoSocket": filepath.Join(base, "agent.sock"),
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Dial(sock); !errors.Is(err, ErrNotRunning) {
					b.Fatal(err)
				}
			}
		})
	}
}
