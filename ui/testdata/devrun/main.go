package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/internal/demo"
	"github.com/opsward/ward/store"
	"github.com/opsward/ward/ui"
)

func main() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "devrun")
	id := wcrypto.NewIdentity()
	s, err := store.Create(ctx, filepath.Join(dir, "demo.ward"), store.CreateOptions{Mode: store.IdentityExternal, Recipients: []string{id.Recipient().String()}})
	if err != nil {
		panic(err)
	}
	if err := demo.Fill(ctx, s, 300); err != nil {
		panic(err)
	}
	if err := ui.Run(ctx, ui.Config{Store: s, Demo: true}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
