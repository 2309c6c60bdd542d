// Package demo fills a store with realistic, obviously fake secrets for
// `ward demo`.
package demo

import (
	"context"
	"errors"

	"github.com/opsward/ward/store"
)

// Fill writes about n fake secrets into s.
func Fill(ctx context.Context, s *store.Store, n int) error {
	return errors.New("demo data is not built yet")
}
