package store

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	wcrypto "github.com/opsward/ward/crypto"
)

// storeWithIdentityFile makes a store whose identity a child process can
// read from a file.
func storeWithIdentityFile(t *testing.T) (file, idFile string, id *wcrypto.Key) {
	t.Helper()
	dir := t.TempDir()
	ident := wcrypto.NewIdentity()
	idFile = filepath.Join(dir, "id.txt")
	if err := os.WriteFile(idFile, []byte(ident.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(dir, "s.ward")
	if _, err := Create(context.Background(), file, CreateOptions{Mode: IdentityExternal, Recipients: []string{ident.Recipient().String()}}); err != nil {
		t.Fatal(err)
	}
	return file, idFile, nil
}

func child(t *testing.T, role, file, idFile, prefix string, n int) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(),
		"WARD_STORE_TEST_CHILD="+role,
		"WARD_STORE_TEST_FILE="+file,
		"WARD_STORE_TEST_IDENTITY="+idFile,
		"WARD_STORE_TEST_PREFIX="+prefix,
		fmt.Sprintf("WARD_STORE_TEST_N=%d", n),
	)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	t.Cleanup(func() {
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("child %s stderr: %s", prefix, stderr.String())
		}
	})
	return cmd
}

func openWith(t *testing.T, file, idFile string) *Store {
	t.Helper()
	ids, err := wcrypto.ReadIdentityFile(idFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), file)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Unlock(ids...); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCrashKill9 kills a writing process at random moments, many times:
// the store must always open, pass Doctor, and hold every write that was
// acknowledged before the kill.
func TestCrashKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns many processes")
	}
	file, idFile, _ := storeWithIdentityFile(t)
	ctx := context.Background()
	rounds := 25
	acked := map[string]string{} // path -> value of the last acknowledged write
	gets := 0                    // acknowledged retrievals
	for round := range rounds {
		prefix := fmt.Sprintf("r%02d", round)
		cmd := child(t, "rewrite", file, idFile, prefix, 0)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill after a random number of acknowledged writes: the kill lands
		// anywhere inside the next write, commit or fsync.
		killAfter := 1 + rand.IntN(40)
		sc := bufio.NewScanner(out)
		got := 0
		for sc.Scan() {
			var i int
			if _, err := fmt.Sscanf(sc.Text(), "ack %d", &i); err != nil {
				t.Fatalf("round %d: child said %q", round, sc.Text())
			}
			acked[fmt.Sprintf("%s/s%03d", prefix, i%50)] = fakeValue(i)
			got++
			gets++
			if got == killAfter {
				cmd.Process.Signal(syscall.SIGKILL)
				break
			}
		}
		cmd.Wait()
		if got < killAfter {
			t.Fatalf("round %d: child stopped after %d acks", round, got)
		}
		s := openWith(t, file, idFile)
		rep, err := s.Doctor(ctx)
		if err != nil {
			t.Fatalf("round %d: doctor: %v", round, err)
		}
		if !rep.OK() {
			t.Fatalf("round %d: doctor found %+v", round, rep.Problems)
		}
	}
	s := openWith(t, file, idFile)
	entries, err := s.Audit(ctx, AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	audited := 0
	for _, e := range entries {
		if e.Action == "get" {
			audited++
		}
	}
	// Every acknowledged retrieval was audited; one in flight at a kill
	// may have been too.
	if audited < gets || audited > gets+rounds {
		t.Fatalf("%d retrievals audited, %d acknowledged", audited, gets)
	}
	for path, want := range acked {
		// A write after the last ack may have landed too (it was in flight
		// when the kill came): accept the acknowledged value or a later one
		// of the same path.
		_, f, err := s.Get(ctx, path, GetOptions{})
		if err != nil {
			t.Fatalf("acknowledged %s is gone: %v", path, err)
		}
		if got := f["value"].Reveal(); got < want {
			t.Fatalf("%s holds an older value than acknowledged", path)
		}
	}
}

// TestTwoWriters runs two processes writing (and reading back) 1,000
// secrets each into one store: all 2,000 must be there, and every audit
// entry.
func TestTwoWriters(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes that write 2,000 secrets")
	}
	file, idFile, _ := storeWithIdentityFile(t)
	a := child(t, "write", file, idFile, "a", 1000)
	b := child(t, "write", file, idFile, "b", 1000)
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	if err := a.Wait(); err != nil {
		t.Fatalf("writer a: %v", err)
	}
	if err := b.Wait(); err != nil {
		t.Fatalf("writer b: %v", err)
	}
	s := openWith(t, file, idFile)
	heads, err := s.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(heads) != 2000 {
		t.Fatalf("got %d secrets, want 2000", len(heads))
	}
	// init, then a set and a get for each secret: none lost, none twice.
	if n, err := s.VerifyAudit(context.Background()); err != nil || n != 4001 {
		t.Fatalf("audit: %d entries, %v; want 4001", n, err)
	}
	rep, err := s.Doctor(context.Background())
	if err != nil || !rep.OK() {
		t.Fatalf("doctor: %v %+v", err, rep)
	}
}
