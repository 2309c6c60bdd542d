package crypto

import (
	"os"
	"testing"

	"github.com/opsward/ward/internal/testenv"
)

func TestMain(m *testing.M) {
	testenv.IsolateCache()
	os.Exit(m.Run())
}
