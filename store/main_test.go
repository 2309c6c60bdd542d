package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/opsward/ward/agent"
	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/internal/testenv"
)

// TestMain lets the test binary play a second ward process: the crash and
// concurrency tests re-run it with WARD_STORE_TEST_CHILD set.
func TestMain(m *testing.M) {
	testenv.IsolateCache()
	if len(os.Args) > 1 && os.Args[1] == agent.AgentCommand {
		os.Exit(agent.Main(context.Background()))
	}
	if role := os.Getenv("WARD_STORE_TEST_CHILD"); role != "" {
		os.Exit(runChild(role))
	}
	os.Exit(m.Run())
}

// runChild writes and reads back secrets in a loop and prints "ack N" after
// each write is committed and its read audited. The identity comes from a file, as --identity would give it.
func runChild(role string) int {
	ctx := context.Background()
	file := os.Getenv("WARD_STORE_TEST_FILE")
	ids, err := wcrypto.ReadIdentityFile(os.Getenv("WARD_STORE_TEST_IDENTITY"), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s, err := Open(ctx, file)
	if err == nil {
		err = s.Unlock(ids...)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s.LockTimeout = time.Minute
	n, _ := strconv.Atoi(os.Getenv("WARD_STORE_TEST_N"))
	prefix := os.Getenv("WARD_STORE_TEST_PREFIX")
	out := bufio.NewWriter(os.Stdout)
	for i := 0; n == 0 || i < n; i++ {
		path := fmt.Sprintf("%s/s%05d", prefix, i)
		if role == "rewrite" {
			path = fmt.Sprintf("%s/s%03d", prefix, i%50)
		}
		if _, err := s.Set(ctx, path, Fields{"value": wcrypto.NewSecret(fakeValue(i))}, SetOptions{}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		// A retrieval too: its audit entry goes to the tail file, which
		// the next write folds into the store.
		if _, _, err := s.Get(ctx, path, GetOptions{}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Fprintf(out, "ack %d\n", i)
		out.Flush()
	}
	return 0
}

func fakeValue(i int) string { return fmt.Sprintf("fake-value-%06d", i) }
