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

// devrun stands in for `ward demo` until the cli has it: go build -o
// /tmp/ward ./ui/testdata/devrun && WARD_E2E_BIN=/tmp/ward go test ./ui -run E2E
func main() {
	if len(os.Args) > 2 && os.Args[2] == "--help" {
		fmt.Println("devrun demo: a throw-away demo store in the TUI")
		return
	}
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
