package sync

import (
	"context"
	"fmt"
	"os"
	"runtime"
	stdsync "sync"
	"testing"
	"time"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
	"github.com/opsward/ward/sync/kvtest"
)

// The benchmarks run with 16 workers, the design's figure, against kvtest
// in process, or against a real server when WARD_TEST_VAULT_ADDR and
// WARD_TEST_VAULT_TOKEN are set (under a fresh prefix, removed at the
// end; without the counting proxy, so the server's request counts are
// not checked). Reproduce with:
//
//	go test ./sync -run '^$' -bench . -benchtime 1x -timeout 30m
//
// bench/sync-real measures the ward binary against a real Vault with
// raft storage (time and peak RSS).

const benchPaths = 10000

// benchServer is the double, or a real server under a fresh prefix; close
// stops the one and empties the other.
func benchServer() (*testServer, func()) {
	addr, root, ok := realServer()
	if !ok {
		d := kvtest.New(kvtest.Options{})
		d.Start()
		return &testServer{Server: d, addr: d.URL(), root: d.RootToken(), prefix: "team/payments"}, d.Close
	}
	top := fmt.Sprintf("ward-bench-%x", randBytes(4))
	s := &testServer{addr: addr, root: root, prefix: top + "/team/payments"}
	return s, func() { s.deleteTree(top) }
}

func benchStore(b *testing.B, n int, dir string) *store.Store {
	b.Helper()
	s := newStoreIn(b, dir)
	ctx := context.Background()
	for i := 0; i < n; i += 1000 {
		var items []store.Item
		for j := i; j < min(i+1000, n); j++ {
			items = append(items, store.Item{Path: fmt.Sprintf("team%02d/svc%05d", j%100, j),
				Fields: store.Fields{"value": wcrypto.NewSecret(fmt.Sprint("fake-", j))}})
		}
		if err := s.SetMany(ctx, items); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func benchClient(b *testing.B, srv *testServer) *Client {
	b.Helper()
	o := fastOpts(srv.RootToken())
	o.Workers = 16
	c, err := Dial(context.Background(), testRemote(srv), o)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// synced is one 10,000-path store and server after a first sync, shared
// by the benchmarks that start from a synced state.
var synced struct {
	once  stdsync.Once
	srv   *testServer
	close func()
	s     *store.Store
	first time.Duration
}

func syncedState(b *testing.B) (*testServer, *store.Store) {
	synced.once.Do(func() {
		synced.srv, synced.close = benchServer()
		dir, err := os.MkdirTemp("", "ward-sync-bench")
		if err != nil {
			b.Fatal(err)
		}
		synced.s = benchStore(b, benchPaths, dir)
		c := benchClient(b, synced.srv)
		start := time.Now()
		p, err := c.Plan(context.Background(), synced.s, PlanOptions{})
		if err != nil {
			b.Fatal(err)
		}
		sum, err := c.Apply(context.Background(), synced.s, p, ApplyOptions{})
		if err != nil || sum.Pushed != benchPaths {
			b.Fatalf("first sync: %v %+v", err, sum)
		}
		synced.first = time.Since(start)
	})
	return synced.srv, synced.s
}

func BenchmarkFirstSync10k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		srv, done := benchServer()
		b.Cleanup(done)
		s := benchStore(b, benchPaths, b.TempDir())
		c := benchClient(b, srv)
		b.StartTimer()
		p, err := c.Plan(context.Background(), s, PlanOptions{})
		if err != nil {
			b.Fatal(err)
		}
		sum, err := c.Apply(context.Background(), s, p, ApplyOptions{})
		if err != nil || sum.Pushed != benchPaths {
			b.Fatalf("%v %+v", err, sum)
		}
	}
}

func BenchmarkNoopSync10k(b *testing.B) {
	srv, s := syncedState(b)
	c := benchClient(b, srv)
	b.ReportAllocs()
	b.ResetTimer()
	var retained uint64
	for i := 0; i < b.N; i++ {
		srv.ResetCounts()
		p, err := c.Plan(context.Background(), s, PlanOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if p.Noop != benchPaths || len(p.Items) != 0 {
			b.Fatalf("not a no-op: %d noop, %d items", p.Noop, len(p.Items))
		}
		if _, err := c.Apply(context.Background(), s, p, ApplyOptions{}); err != nil {
			b.Fatal(err)
		}
		if n := srv.Count("GET secret/data"); n > 0 {
			b.Fatalf("%d data GETs in a no-op sync", n)
		}
		b.StopTimer()
		retained = retainedBy(p)
		b.StartTimer()
	}
	b.ReportMetric(float64(retained)/benchPaths, "B-retained/path")
}

// retainedBy measures the heap a plan keeps alive: with every path in
// sync it should be nothing per path.
func retainedBy(p *Plan) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(p)
	p2 := p
	p = nil
	runtime.GC()
	runtime.ReadMemStats(&before)
	runtime.KeepAlive(p2)
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return after.HeapAlloc - before.HeapAlloc
}

func BenchmarkSync100Changed(b *testing.B) {
	srv, s := syncedState(b)
	c := benchClient(b, srv)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for j := 0; j < 50; j++ {
			k := (i*100 + j) % benchPaths
			set(b, s, fmt.Sprintf("team%02d/svc%05d", k%100, k), "value", fmt.Sprint("local-", i))
			k = (i*100 + 50 + j) % benchPaths
			srv.seed(b, fmt.Sprintf("team%02d/svc%05d", k%100, k), map[string]any{"value": fmt.Sprint("remote-", i)}, nil)
		}
		b.StartTimer()
		p, err := c.Plan(ctx, s, PlanOptions{})
		if err != nil {
			b.Fatal(err)
		}
		sum, err := c.Apply(ctx, s, p, ApplyOptions{})
		if err != nil || sum.Pushed != 50 || sum.Pulled != 50 {
			b.Fatalf("%v %+v", err, sum)
		}
	}
	b.StopTimer()
	b.ReportMetric(synced.first.Seconds(), "s-first-sync")
}
