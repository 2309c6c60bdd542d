package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	wcrypto "github.com/opsward/ward/crypto"
)

// tailStore is a store with two secrets, their writes folded, and three
// retrievals waiting in the tail.
func tailStore(t *testing.T) (*Store, string) {
	t.Helper()
	ctx := context.Background()
	s, id := newTestStore(t)
	for _, p := range []string{"prod/db", "prod/api"} {
		if _, err := s.Set(ctx, p, fields("value", "fake-"+p), SetOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"prod/db", "prod/api", "prod/db"} {
		if _, _, err := s.Get(ctx, p, GetOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return s, id
}

func actions(t *testing.T, s *Store) []string {
	t.Helper()
	es, err := s.Audit(context.Background(), AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, e := range es {
		if e.Seq != uint64(i+1) {
			t.Fatalf("entry %d is numbered %d", i+1, e.Seq)
		}
		out = append(out, e.Action+" "+e.Path)
	}
	return out
}

func tailSize(t *testing.T, s *Store) int64 {
	t.Helper()
	st, err := os.Stat(TailFile(s.File))
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

const baseFrameSize = 8 + tailFixed + 32

func TestTailFoldsIntoStore(t *testing.T) {
	ctx := context.Background()
	s, _ := tailStore(t)
	want := []string{"init ", "set prod/db", "set prod/api", "get prod/db", "get prod/api", "get prod/db"}
	if got := actions(t, s); !slices.Equal(got, want) {
		t.Fatalf("audit before fold: %q", got)
	}
	if tailSize(t, s) <= baseFrameSize {
		t.Fatal("the retrievals are not in the tail")
	}
	if _, err := s.Set(ctx, "prod/new", fields("value", "fake-new"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := tailSize(t, s); n != baseFrameSize {
		t.Fatalf("tail is %d bytes after a fold, want only a base (%d)", n, baseFrameSize)
	}
	want = append(want, "set prod/new")
	if got := actions(t, s); !slices.Equal(got, want) {
		t.Fatalf("audit after fold: %q", got)
	}
	rep, err := s.Doctor(ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("doctor: %v %+v", err, rep)
	}
}

func TestTailFoldsWhenLarge(t *testing.T) {
	ctx := context.Background()
	s, _ := tailStore(t)
	// Enough entries to pass foldAbove: a frame holds at least a MAC, a
	// nonce and a tag, more than 64 bytes.
	paths := slices.Repeat([]string{"prod/db"}, foldAbove/64)
	if err := s.GetMany(ctx, paths, GetOptions{Action: "export"}, func(*Secret, Fields) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if n := tailSize(t, s); n != baseFrameSize {
		t.Fatalf("a %d-entry tail was not folded: %d bytes", len(paths), n)
	}
	n, err := s.VerifyAudit(ctx)
	if err != nil || n != 6+len(paths) {
		t.Fatalf("audit: %d entries, %v", n, err)
	}
}

// A crash after a fold's commit and before the tail starts afresh leaves
// the folded entries in the file: they must not count twice.
func TestTailCrashAfterFold(t *testing.T) {
	ctx := context.Background()
	s, _ := tailStore(t)
	before, err := os.ReadFile(TailFile(s.File))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Set(ctx, "prod/new", fields("value", "fake-new"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(TailFile(s.File), before, 0o600); err != nil {
		t.Fatal(err)
	}
	want := []string{"init ", "set prod/db", "set prod/api", "get prod/db", "get prod/api", "get prod/db", "set prod/new"}
	if got := actions(t, s); !slices.Equal(got, want) {
		t.Fatalf("audit with a folded tail left behind: %q", got)
	}
	if _, _, err := s.Get(ctx, "prod/new", GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Set(ctx, "prod/newer", fields("value", "fake-newer"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	want = append(want, "get prod/new", "set prod/newer")
	if got := actions(t, s); !slices.Equal(got, want) {
		t.Fatalf("audit after the next fold: %q", got)
	}
}

// A re-key folds the tail under the old keys; a tail left behind by a
// crash right after the re-key is recognised as folded, not as damage.
func TestTailAcrossRekey(t *testing.T) {
	ctx := context.Background()
	s, _ := tailStore(t)
	before, err := os.ReadFile(TailFile(s.File))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Rekey(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{"init ", "set prod/db", "set prod/api", "get prod/db", "get prod/api", "get prod/db", "rekey "}
	if got := actions(t, s); !slices.Equal(got, want) {
		t.Fatalf("audit after re-key: %q", got)
	}
	if err := os.WriteFile(TailFile(s.File), before, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx, "prod/api", GetOptions{}); err != nil {
		t.Fatalf("get with a tail from before the re-key: %v", err)
	}
	want = append(want, "get prod/api")
	if got := actions(t, s); !slices.Equal(got, want) {
		t.Fatalf("audit: %q", got)
	}
}

// A write torn by a crash (never acknowledged) is cut off by the next
// append; what came before it stays.
func TestTailTornWrite(t *testing.T) {
	ctx := context.Background()
	s, _ := tailStore(t)
	f, err := os.OpenFile(TailFile(s.File), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{0, 0, 1, 0, 'E', 0, 0}) // the start of a frame
	f.Close()
	if n, err := s.VerifyAudit(ctx); err != nil || n != 6 {
		t.Fatalf("verify with a torn end: %d, %v", n, err)
	}
	if _, _, err := s.Get(ctx, "prod/api", GetOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"init ", "set prod/db", "set prod/api", "get prod/db", "get prod/api", "get prod/db", "get prod/api"}
	if got := actions(t, s); !slices.Equal(got, want) {
		t.Fatalf("audit: %q", got)
	}
}

func TestTailDamage(t *testing.T) {
	frames := func(t *testing.T, s *Store) ([]byte, []tailFrame) {
		raw, err := os.ReadFile(TailFile(s.File))
		if err != nil {
			t.Fatal(err)
		}
		fs, _ := parseTail(raw)
		if len(fs) != 4 {
			t.Fatalf("%d frames, want a base and 3 entries", len(fs))
		}
		return raw, fs
	}
	start := func(fs []tailFrame, i int) int64 {
		if i == 0 {
			return 0
		}
		return fs[i-1].end
	}
	cases := []struct {
		name   string
		damage func(raw []byte, fs []tailFrame) []byte
	}{
		{"byte flipped in an entry", func(raw []byte, fs []tailFrame) []byte {
			raw[fs[1].end-10] ^= 1
			return raw
		}},
		{"entry removed from the middle", func(raw []byte, fs []tailFrame) []byte {
			return slices.Concat(raw[:fs[1].end], raw[fs[2].end:])
		}},
		{"first entry removed", func(raw []byte, fs []tailFrame) []byte {
			return slices.Concat(raw[:fs[0].end], raw[fs[1].end:])
		}},
		{"entries swapped", func(raw []byte, fs []tailFrame) []byte {
			return slices.Concat(raw[:fs[1].end], raw[fs[2].end:fs[3].end], raw[fs[1].end:fs[2].end])
		}},
		{"base replaced", func(raw []byte, fs []tailFrame) []byte {
			other := make([]byte, fs[0].end)
			copy(other, raw)
			other[20] ^= 1 // in the base's mac
			return slices.Concat(other, raw[start(fs, 1):])
		}},
		{"base removed", func(raw []byte, fs []tailFrame) []byte {
			return raw[fs[0].end:]
		}},
		// A length made larger but still plausible used to pass for a
		// write torn by a crash: every frame after it went unseen, and
		// the next fold dropped them.
		{"entry's length changed", func(raw []byte, fs []tailFrame) []byte {
			raw[start(fs, 1)+2] ^= 0xa5
			return raw
		}},
		{"base's length changed", func(raw []byte, fs []tailFrame) []byte {
			raw[2] ^= 0xa5
			return raw
		}},
		{"last entry's length changed", func(raw []byte, fs []tailFrame) []byte {
			raw[start(fs, 3)+2] ^= 0xa5
			return raw
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			s, _ := tailStore(t)
			raw, fs := frames(t, s)
			if err := os.WriteFile(TailFile(s.File), c.damage(raw, fs), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := s.VerifyAudit(ctx)
			var ae *AuditError
			if !errors.As(err, &ae) || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("verify: want an AuditError, got %v", err)
			}
			if !strings.Contains(err.Error(), TailFile(s.File)) {
				t.Fatalf("error does not name the tail file: %v", err)
			}
			rep, err := s.Doctor(ctx)
			if err != nil || rep.OK() {
				t.Fatalf("doctor: %v, %+v", err, rep)
			}
			// A write refuses to fold a damaged tail, and leaves the store
			// as it was.
			sum := fileSum(t, s.File)
			if _, err := s.Set(ctx, "prod/x", fields("value", "fake-x"), SetOptions{}); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("set over a damaged tail: %v", err)
			}
			if fileSum(t, s.File) != sum {
				t.Fatal("the store changed")
			}
		})
	}
}

func FuzzParseTail(f *testing.F) {
	s, _ := newFuzzStore(f)
	for range 2 {
		if _, err := s.appendTail(context.Background(), nil, Entry{Action: "get", Path: "prod/db"}); err != nil {
			f.Fatal(err)
		}
	}
	raw, err := os.ReadFile(TailFile(s.File))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add(raw[:len(raw)-3])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		frames, good := parseTail(b)
		if good > int64(len(b)) || (len(frames) > 0 && frames[len(frames)-1].end != good) {
			t.Fatalf("good %d of %d", good, len(b))
		}
		entries, err := s.checkTail(frames)
		if err != nil {
			return
		}
		for _, e := range entries {
			_, _ = s.openTailEntry(e)
		}
	})
}

func newFuzzStore(f *testing.F) (*Store, string) {
	id := wcrypto.NewIdentity()
	file := f.TempDir() + "/fuzz.ward"
	s, err := Create(context.Background(), file, CreateOptions{Mode: IdentityExternal, Recipients: []string{id.Recipient().String()}})
	if err != nil {
		f.Fatal(err)
	}
	return s, id.String()
}

// Damage that a crash cannot leave (here: bytes that are no frame's
// start) is not cut off by the next append: the entries stay for doctor to
// show.
func TestTailDamageNotCut(t *testing.T) {
	ctx := context.Background()
	s, _ := tailStore(t)
	f, err := os.OpenFile(TailFile(s.File), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	junk := make([]byte, 200)
	for i := range junk {
		junk[i] = 0xff
	}
	f.Write(junk)
	f.Close()
	before := tailSize(t, s)
	if _, _, err := s.Get(ctx, "prod/db", GetOptions{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("get over a damaged tail: %v", err)
	}
	if tailSize(t, s) != before {
		t.Fatal("the damaged tail was cut")
	}
}

// A byte changed in the base frame (or any frame before the last) used to
// end the parse there: the whole file then passed for a torn write, so
// verify listed none of its entries and the next get cut it to nothing.
// Now it is damage everywhere: verify, get and set report it, and the file
// stays as it is.
func TestTailDamageInBase(t *testing.T) {
	ctx := context.Background()
	s, _ := tailStore(t)
	for range 3 {
		if _, _, err := s.Get(ctx, "prod/db", GetOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	name := TailFile(s.File)
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	b[10] ^= 0x40 // the base's local seq
	if err := os.WriteFile(name, b, 0o600); err != nil {
		t.Fatal(err)
	}
	var ae *AuditError
	if _, err := s.VerifyAudit(ctx); !errors.As(err, &ae) {
		t.Errorf("verify over a damaged base: %v, want an AuditError", err)
	}
	if _, _, err := s.Get(ctx, "prod/db", GetOptions{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("get over a damaged base: %v, want damage", err)
	}
	if _, err := s.Set(ctx, "prod/x", fields("value", "fake-x"), SetOptions{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("set over a damaged base: %v, want damage", err)
	}
	after, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(after, b) {
		t.Error("the damaged tail was changed")
	}
}

// Removing a recipient re-keys the store; with nothing waiting in the
// tail, the tail's base must still start afresh under the new keys, and a
// base-only tail left from before a re-key is no damage either.
func TestTailRekeyWithNothingPending(t *testing.T) {
	ctx := context.Background()
	s, _ := tailStore(t)
	if _, err := s.Set(ctx, "prod/x", fields("value", "fake-x"), SetOptions{}); err != nil { // folds: a base alone is left
		t.Fatal(err)
	}
	if n := tailSize(t, s); n != baseFrameSize {
		t.Fatalf("tail %d bytes", n)
	}
	before, err := os.ReadFile(TailFile(s.File))
	if err != nil {
		t.Fatal(err)
	}
	other := wcrypto.NewIdentity()
	if err := s.AddRecipient(ctx, other.Recipient().String()); err != nil {
		t.Fatal(err)
	}
	rs, err := s.Recipients(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveRecipient(ctx, rs[0]); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(ctx, s.File)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Unlock(other); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s2.Get(ctx, "prod/db", GetOptions{}); err != nil {
		t.Fatalf("get after the re-key: %v", err)
	}
	if _, err := s2.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
	// The same, as a crash right after the re-key's commit leaves it.
	if err := os.WriteFile(TailFile(s.File), before, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s2.Get(ctx, "prod/db", GetOptions{}); err != nil {
		t.Fatalf("get with a base-only tail from before the re-key: %v", err)
	}
	rep, err := s2.Doctor(ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("doctor: %v %+v", err, rep)
	}
}

// A retrieval's audit entry is written, not synced, unless
// WARD_AUDIT_SYNC=1 asks for it; either way it is there to read back.
func TestTailSyncOnlyWhenAsked(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	if _, err := s.Set(ctx, "app/a", fields("value", "fake-a"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	syncs := 0
	was := syncTail
	syncTail = func(f *os.File) error { syncs++; return was(f) }
	defer func() { syncTail = was }()

	for _, c := range []struct {
		env  string
		want int
	}{{"", 0}, {"0", 0}, {"no", 0}, {"1", 1}, {"true", 1}} {
		t.Setenv("WARD_AUDIT_SYNC", c.env)
		syncs = 0
		if _, _, err := s.Get(ctx, "app/a", GetOptions{}); err != nil {
			t.Fatal(err)
		}
		if syncs != c.want {
			t.Errorf("WARD_AUDIT_SYNC=%q: %d syncs for one get, want %d", c.env, syncs, c.want)
		}
	}
	if n := countAudit(t, s, "get"); n != 5 {
		t.Errorf("%d get entries in the audit log, want 5", n)
	}
}

// countAudit counts the audit entries (bucket and tail) with action.
func countAudit(t *testing.T, s *Store, action string) int {
	t.Helper()
	es, err := s.Audit(context.Background(), AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if e.Action == action {
			n++
		}
	}
	return n
}
