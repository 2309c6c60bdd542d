package clip

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestClearerGetsHashWhenCallerExitsAtOnce: the caller of Copy exits right
// after it (as `ward copy` does); the clearer must still have the hash.
// The child here is this test binary, which reads its stdin and writes it
// to a file.
func TestClearerGetsHashWhenCallerExitsAtOnce(t *testing.T) {
	if os.Getenv("WARD_CLIP_TEST_ROLE") == "caller" {
		Self = func(args ...string) (*exec.Cmd, error) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestClearerGetsHashWhenCallerExitsAtOnce$")
			cmd.Env = append(os.Environ(), "WARD_CLIP_TEST_ROLE=clearer")
			return cmd, nil
		}
		if err := startClearer(Hash("fake-value"), 0); err != nil {
			os.Exit(3)
		}
		os.Exit(0) // at once, as the CLI does
	}
	if os.Getenv("WARD_CLIP_TEST_ROLE") == "clearer" {
		b, _ := readAllStdin()
		os.WriteFile(os.Getenv("WARD_CLIP_TEST_OUT"), b, 0o600)
		os.Exit(0)
	}
	for i := range 20 {
		out := t.TempDir() + "/got"
		cmd := exec.Command(os.Args[0], "-test.run=^TestClearerGetsHashWhenCallerExitsAtOnce$")
		cmd.Env = append(os.Environ(), "WARD_CLIP_TEST_ROLE=caller", "WARD_CLIP_TEST_OUT="+out, "GOMAXPROCS=1")
		if err := cmd.Run(); err != nil {
			t.Fatalf("caller: %v", err)
		}
		// Wait for the detached clearer to write what it read.
		var got []byte
		for range 500 {
			if b, err := os.ReadFile(out); err == nil && len(b) > 0 {
				got = b
				break
			}
			waitABit()
		}
		if strings.TrimSpace(string(got)) != Hash("fake-value") {
			t.Fatalf("run %d: the clearer read %q", i, got)
		}
	}
}
