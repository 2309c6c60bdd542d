package sync

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if synced.s != nil {
		synced.close()
		os.RemoveAll(filepath.Dir(synced.s.File))
	}
	os.Exit(code)
}
