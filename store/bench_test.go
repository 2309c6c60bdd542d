package store

// Benchmarks for the performance targets in DESIGN.md ("Performance
// targets") on a store of 100,000 secrets. bench/run compares the ward
// binary with other tools; these isolate the store's own share.
//
//	go test -run '^$' -bench . -benchtime 200x ./store/
//
// The 100,000-secret store takes a while to build, so it is built once and
// kept as a pristine master under os.TempDir() (ward-bench-store-v<format>-n<N>.ward
// and its .identity, an age identity in plain text for a store of fake
// values), which later runs reuse. Each benchmark works on its own copy of
// the master, so Gets and Sets (which append audit entries and versions)
// never change it. WARD_BENCH_N overrides N (for a quick look at scaling);
// WARD_BENCH_REBUILD=1 throws the master away first.

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	wcrypto "github.com/opsward/ward/crypto"
)

// benchDefaultN is the store size the targets are stated for.
const benchDefaultN = 100_000

// benchBatch is how many secrets go into one SetMany transaction when
// building the master.
const benchBatch = 5_000

func benchN() int {
	if n, err := strconv.Atoi(os.Getenv("WARD_BENCH_N")); err == nil && n > 0 {
		return n
	}
	return benchDefaultN
}

// benchPath is the path of the i-th secret; bench/fill uses the same names,
// so `ward get bench/s050000#value` works on both.
func benchPath(i int) string { return fmt.Sprintf("bench/s%06d", i) }

var (
	benchMasterOnce sync.Once
	benchMasterFile string
	benchMasterID   *age.X25519Identity
	benchMasterErr  error
	benchBuildTime  time.Duration // zero when the master came from the cache
)

// benchMaster returns the pristine master store of benchN() secrets and
// its identity, building it if no usable one is cached.
func benchMaster(b *testing.B) (string, *age.X25519Identity) {
	b.Helper()
	benchMasterOnce.Do(func() {
		benchMasterFile, benchMasterID, benchMasterErr = loadOrBuildMaster(benchN())
	})
	if benchMasterErr != nil {
		b.Fatal(benchMasterErr)
	}
	return benchMasterFile, benchMasterID
}

func loadOrBuildMaster(n int) (string, *age.X25519Identity, error) {
	ctx := context.Background()
	base := filepath.Join(os.TempDir(), fmt.Sprintf("ward-bench-store-v%d-n%d", FormatVersion, n))
	file, idFile := base+".ward", base+".identity"
	if os.Getenv("WARD_BENCH_REBUILD") == "1" {
		os.Remove(file)
		os.Remove(idFile)
	}
	if id, err := checkMaster(ctx, file, idFile, n); err == nil {
		return file, id, nil
	}
	os.Remove(file)
	os.Remove(idFile)

	// Build under temporary names and rename into place, so a run stopped
	// half way (or two runs at once) never leaves a half-built master.
	start := time.Now()
	defer func() { benchBuildTime = time.Since(start) }()
	tmpFile := fmt.Sprintf("%s.building-%d.ward", base, os.Getpid())
	defer os.Remove(tmpFile)
	defer os.Remove(TailFile(tmpFile))
	id := wcrypto.NewIdentity()
	s, err := Create(ctx, tmpFile, CreateOptions{Mode: IdentityExternal, Recipients: []string{id.Recipient().String()}})
	if err != nil {
		return "", nil, err
	}
	for first := 0; first < n; first += benchBatch {
		items := make([]Item, 0, benchBatch)
		for i := first; i < min(first+benchBatch, n); i++ {
			items = append(items, Item{Path: benchPath(i), Fields: Fields{
				"value": wcrypto.NewSecret(fakeValue(i)),
				"user":  wcrypto.NewSecret(fmt.Sprintf("svc-%06d", i)),
			}})
		}
		if err := s.SetMany(ctx, items); err != nil {
			return "", nil, fmt.Errorf("build bench store: %w", err)
		}
	}
	if err := os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600); err != nil {
		return "", nil, err
	}
	// The store and its audit tail go together: a store whose tail is
	// missing refuses to read values (see tail.go).
	if err := os.Rename(TailFile(tmpFile), TailFile(file)); err != nil {
		return "", nil, err
	}
	if err := os.Rename(tmpFile, file); err != nil {
		return "", nil, err
	}
	return file, id, nil
}

// checkMaster opens a cached master and checks it is whole enough to use:
// it unlocks with its identity and holds the last secret.
func checkMaster(ctx context.Context, file, idFile string, n int) (*age.X25519Identity, error) {
	raw, err := os.ReadFile(idFile)
	if err != nil {
		return nil, err
	}
	id, err := wcrypto.ParseIdentity(string(raw))
	if err != nil {
		return nil, err
	}
	s, err := Open(ctx, file)
	if err != nil {
		return nil, err
	}
	if err := s.Unlock(id); err != nil {
		return nil, err
	}
	if _, err := s.Show(ctx, benchPath(n-1)); err != nil {
		return nil, err
	}
	if _, err := os.Stat(TailFile(file)); err != nil {
		return nil, err // a master from before the tail went with it
	}
	return id, nil
}

// benchCopy copies the master into b's temp dir and returns the copy's
// file name.
func benchCopy(b *testing.B) (string, *age.X25519Identity) {
	b.Helper()
	master, id := benchMaster(b)
	dst := filepath.Join(b.TempDir(), "bench.ward")
	copyFile(b, master, dst)
	copyFile(b, TailFile(master), TailFile(dst))
	return dst, id
}

func copyFile(b *testing.B, src, dst string) {
	b.Helper()
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

// benchCompacted writes a compacted copy of the master (bbolt.Compact: no
// free pages, so no freelist to load on each read-write open and write back
// on each commit) into b's temp dir.
func benchCompacted(b *testing.B) (string, *age.X25519Identity) {
	b.Helper()
	master, id := benchMaster(b)
	src, err := bolt.Open(master, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	dst := filepath.Join(b.TempDir(), "compacted.ward")
	db, err := bolt.Open(dst, 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := bolt.Compact(db, src, 64<<20); err != nil {
		b.Fatal(err)
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	copyFile(b, TailFile(master), TailFile(dst))
	return dst, id
}

// benchUnlocked returns an unlocked copy of the master.
func benchUnlocked(b *testing.B) *Store {
	b.Helper()
	file, id := benchCopy(b)
	return benchUnlock(b, file, id)
}

func benchUnlock(b *testing.B, file string, id *age.X25519Identity) *Store {
	b.Helper()
	s, err := Open(context.Background(), file)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Unlock(id); err != nil {
		b.Fatal(err)
	}
	return s
}

// benchReport adds the store size to the benchmark's output.
func benchReport(b *testing.B, file string) {
	if st, err := os.Stat(file); err == nil {
		b.ReportMetric(float64(st.Size())/(1<<20), "MiB-file")
	}
}

// BenchmarkBuild100k builds the master if it is not cached and reports
// how long that took (s-build: SetMany in batches of 5,000, 0 when it came
// from the cache) and the file's size; it does nothing per iteration.
// WARD_BENCH_REBUILD=1 go test -run '^$' -bench Build -benchtime 1x ./store/
// measures a fresh build.
func BenchmarkBuild100k(b *testing.B) {
	file, _ := benchMaster(b)
	for b.Loop() {
	}
	benchReport(b, file)
	b.ReportMetric(benchBuildTime.Seconds(), "s-build")
}

// BenchmarkOpenUnlockGet is the store's part of one `ward get` with an
// identity at hand (the keyring read is measured in crypto and bench/run):
// read the header, unwrap the data key with age, derive the keys, get one
// field (which appends and fsyncs an audit entry).
func BenchmarkOpenUnlockGet(b *testing.B) {
	ctx := context.Background()
	file, id := benchCopy(b)
	n := benchN()
	i := 0
	for b.Loop() {
		s, err := Open(ctx, file)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Unlock(id); err != nil {
			b.Fatal(err)
		}
		if _, _, err := s.Get(ctx, benchPath(i*7919%n), GetOptions{Field: "value"}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	benchReport(b, file)
}

// BenchmarkOpenUnlockWithKeyGet is the same with the data key from the
// session cache (`ward get`, later calls): UnlockWithKey checks the key
// against the sealed recipient list instead of age-unwrapping.
func BenchmarkOpenUnlockWithKeyGet(b *testing.B) {
	ctx := context.Background()
	s0 := benchUnlocked(b)
	dk := *s0.DataKey()
	n := benchN()
	i := 0
	for b.Loop() {
		s, err := Open(ctx, s0.File)
		if err != nil {
			b.Fatal(err)
		}
		k := dk
		if err := s.UnlockWithKey(ctx, &k); err != nil {
			b.Fatal(err)
		}
		if _, _, err := s.Get(ctx, benchPath(i*7919%n), GetOptions{Field: "value"}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkOpen is Open alone: one read-only bbolt open (flock, mmap,
// meta page check), the header read, close.
func BenchmarkOpen(b *testing.B) {
	ctx := context.Background()
	file, _ := benchCopy(b)
	for b.Loop() {
		if _, err := Open(ctx, file); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnlock is the age unwrap of the envelope and key derivation.
func BenchmarkUnlock(b *testing.B) {
	ctx := context.Background()
	file, id := benchCopy(b)
	s, err := Open(ctx, file)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := s.Unlock(id); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGet is one audited Get on an unlocked store: a read-write
// transaction that reads the record and version and appends an audit
// entry, committed with fsync.
func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	s := benchUnlocked(b)
	n := benchN()
	i := 0
	for b.Loop() {
		if _, _, err := s.Get(ctx, benchPath(i*7919%n), GetOptions{Field: "value"}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkGetCompacted is BenchmarkGet on a compacted copy of the
// master. Building the store with SetMany batches leaves ~10,000 free pages
// (each batch rewrites most leaves of four randomly keyed B+trees); every
// read-write open then loads and indexes that freelist, and every commit
// writes it back (80 KiB). The difference to BenchmarkGet is what
// compacting after a bulk import would save.
func BenchmarkGetCompacted(b *testing.B) {
	ctx := context.Background()
	file, id := benchCompacted(b)
	s := benchUnlock(b, file, id)
	n := benchN()
	i := 0
	for b.Loop() {
		if _, _, err := s.Get(ctx, benchPath(i*7919%n), GetOptions{Field: "value"}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	benchReport(b, s.File)
}

// BenchmarkSetCompacted is BenchmarkSet on a compacted copy.
func BenchmarkSetCompacted(b *testing.B) {
	ctx := context.Background()
	file, id := benchCompacted(b)
	s := benchUnlock(b, file, id)
	n := benchN()
	i := 0
	for b.Loop() {
		f := Fields{"value": wcrypto.NewSecret(fakeValue(n + i))}
		if _, err := s.Set(ctx, benchPath(i*7919%n), f, SetOptions{}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	benchReport(b, s.File)
}

// BenchmarkShow reads one record in a read-only transaction: a Get without
// the audit append and its commit (fsync). Get minus Show is the cost of
// auditing the read.
func BenchmarkShow(b *testing.B) {
	ctx := context.Background()
	s := benchUnlocked(b)
	n := benchN()
	i := 0
	for b.Loop() {
		if _, err := s.Show(ctx, benchPath(i*7919%n)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkSet writes a new version of an existing secret, fsync
// included (`ward set` on a 100,000-secret store: target ≤ 20 ms).
func BenchmarkSet(b *testing.B) {
	ctx := context.Background()
	s := benchUnlocked(b)
	n := benchN()
	i := 0
	for b.Loop() {
		f := Fields{"value": wcrypto.NewSecret(fakeValue(n + i))}
		if _, err := s.Set(ctx, benchPath(i*7919%n), f, SetOptions{}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	benchReport(b, s.File)
}

// BenchmarkSetNew adds a new secret (index, record, version and audit
// entry: four inserts at random places of the B+trees).
func BenchmarkSetNew(b *testing.B) {
	ctx := context.Background()
	s := benchUnlocked(b)
	i := 0
	for b.Loop() {
		f := Fields{"value": wcrypto.NewSecret(fakeValue(i))}
		if _, err := s.Set(ctx, fmt.Sprintf("bench-new/s%06d", i), f, SetOptions{}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkList lists all 100,000 heads (`ward ls`: target ≤ 300 ms,
// printing excluded).
func BenchmarkList(b *testing.B) {
	ctx := context.Background()
	s := benchUnlocked(b)
	n := benchN()
	for b.Loop() {
		hs, err := s.List(ctx, "")
		if err != nil {
			b.Fatal(err)
		}
		if len(hs) != n {
			b.Fatalf("listed %d, want %d", len(hs), n)
		}
	}
}

// BenchmarkListPrefix lists a prefix that matches nothing: the walk and
// unseal of every index entry without building the result.
func BenchmarkListPrefix(b *testing.B) {
	ctx := context.Background()
	s := benchUnlocked(b)
	for b.Loop() {
		if _, err := s.List(ctx, "nothing/"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDoctor checks every record and the whole audit chain. There is
// no target for it; it shows what `ward doctor` costs on a large store.
// Slow: run with -benchtime 1x.
func BenchmarkDoctor(b *testing.B) {
	ctx := context.Background()
	s := benchUnlocked(b)
	for b.Loop() {
		rep, err := s.Doctor(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if !rep.OK() {
			b.Fatalf("doctor: %+v", rep.Problems[0])
		}
	}
}
