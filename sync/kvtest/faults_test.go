package kvtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"golang.org/x/sync/errgroup"
)

// The fault tests only run in process: a real server cannot be told to fail.

func TestFaultFailPath(t *testing.T) {
	srv := Serve(t, Options{})
	srv.Seed("a", map[string]any{"x": "1"}, nil)
	srv.Seed("b", map[string]any{"x": "1"}, nil)
	kv := newClient(t, srv.URL(), srv.RootToken()).KVv2("secret")
	srv.Faults().FailPath("secret/data/a", 500)
	srv.Faults().FailPath("PUT secret/data/b", 503)
	_, err := kv.Get(ctx(t), "a")
	if re := respErr(t, err); re.StatusCode != 500 {
		t.Fatalf("a: %v", err)
	}
	if _, err := kv.Get(ctx(t), "b"); err != nil {
		t.Fatalf("GET b is not faulted: %v", err)
	}
	_, err = kv.Put(ctx(t), "b", map[string]any{"x": "2"})
	if re := respErr(t, err); re.StatusCode != 503 {
		t.Fatalf("PUT b: %v", err)
	}
	srv.Faults().FailPath("secret/metadata/*", 429)
	if _, err := kv.GetMetadata(ctx(t), "a"); respErr(t, err).StatusCode != 429 {
		t.Fatalf("prefix: %v", err)
	}
	srv.Faults().FailPath("secret/data/a", 0)
	if _, err := kv.Get(ctx(t), "a"); err != nil {
		t.Fatalf("rule removed: %v", err)
	}
}

func TestFaultFailNext(t *testing.T) {
	srv := Serve(t, Options{})
	srv.Seed("a", map[string]any{"x": "1"}, nil)
	kv := newClient(t, srv.URL(), srv.RootToken()).KVv2("secret")
	srv.Faults().FailNext(2, 502)
	for i := 0; i < 2; i++ {
		if _, err := kv.Get(ctx(t), "a"); respErr(t, err).StatusCode != 502 {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if _, err := kv.Get(ctx(t), "a"); err != nil {
		t.Fatalf("third request: %v", err)
	}
	// The client's own retries absorb transient 5xx.
	cfg := api.DefaultConfig()
	cfg.Address, cfg.MaxRetries, cfg.MinRetryWait, cfg.MaxRetryWait = srv.URL(), 3, time.Millisecond, time.Millisecond
	c, _ := api.NewClient(cfg)
	c.SetToken(srv.RootToken())
	srv.Faults().FailNext(2, 500)
	srv.ResetCounts()
	if _, err := c.KVv2("secret").Get(ctx(t), "a"); err != nil {
		t.Fatalf("with retries: %v", err)
	}
	if n := srv.Count("GET secret/data"); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
}

func TestFaultDelay(t *testing.T) {
	srv := Serve(t, Options{})
	srv.Seed("a", map[string]any{"x": "1"}, nil)
	release := make(chan struct{})
	arrived := srv.Faults().Delay(release)

	// A client deadline expires while the server holds the request.
	c := newClient(t, srv.URL(), srv.RootToken())
	cctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.KVv2("secret").Get(cctx, "a")
		errc <- err
	}()
	if got := <-arrived; got != "GET secret/data/a" {
		t.Fatalf("arrival %q", got)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled request: %v", err)
	}

	// Released requests complete.
	go func() {
		_, err := c.KVv2("secret").Get(ctx(t), "a")
		errc <- err
	}()
	<-arrived
	release <- struct{}{}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	srv.Faults().Delay(nil)
	if _, err := c.KVv2("secret").Get(ctx(t), "a"); err != nil {
		t.Fatal(err)
	}
}

func TestFaultDrop(t *testing.T) {
	for _, mode := range []DropMode{DropBeforeResponse, DropMidBody} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			srv := Serve(t, Options{})
			srv.Seed("a", map[string]any{"x": "1"}, nil)
			kv := newClient(t, srv.URL(), srv.RootToken()).KVv2("secret")
			srv.Faults().DropNext(1, mode)
			_, err := kv.Get(ctx(t), "a")
			var re *api.ResponseError
			if err == nil || errors.As(err, &re) {
				t.Fatalf("dropped connection: %v", err)
			}
			if _, err := kv.Get(ctx(t), "a"); err != nil {
				t.Fatalf("next request: %v", err)
			}
		})
	}
}

func TestFaultGarbage(t *testing.T) {
	srv := Serve(t, Options{})
	srv.Seed("a", map[string]any{"x": "1"}, nil)
	kv := newClient(t, srv.URL(), srv.RootToken()).KVv2("secret")
	srv.Faults().GarbageNext(1)
	if _, err := kv.Get(ctx(t), "a"); err == nil {
		t.Fatal("garbage body parsed")
	}
	if _, err := kv.Get(ctx(t), "a"); err != nil {
		t.Fatal(err)
	}
}

func TestFaultRedirect(t *testing.T) {
	other := Serve(t, Options{RootToken: "shared"})
	other.Seed("a", map[string]any{"from": "other"}, nil)
	srv := Serve(t, Options{RootToken: "shared"})
	srv.Seed("a", map[string]any{"from": "first"}, nil)
	srv.Faults().RedirectNext(1, other.URL())
	kv := newClient(t, srv.URL(), "shared").KVv2("secret")
	s, err := kv.Get(ctx(t), "a")
	if err != nil || s.Data["from"] != "other" {
		t.Fatalf("redirected read: %v %+v", err, s)
	}
	r := raw(t, "GET", srv.URL(), "shared", "secret/data/a", nil)
	if r.status != 200 {
		t.Fatalf("after the redirect: %d", r.status)
	}
	srv.Faults().RedirectNext(1, other.URL())
	req, _ := http.NewRequest("GET", srv.URL()+"/v1/secret/data/a?version=1", nil)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 307 || resp.Header.Get("Location") != other.URL()+"/v1/secret/data/a?version=1" {
		t.Fatalf("redirect %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestFaultStop(t *testing.T) {
	srv := Serve(t, Options{})
	for i := 0; i < 5; i++ {
		srv.Seed(fmt.Sprintf("k%d", i), map[string]any{"x": "1"}, nil)
	}
	kv := newClient(t, srv.URL(), srv.RootToken()).KVv2("secret")
	srv.Faults().StopAfter(2)
	var ok, failed int
	for i := 0; i < 5; i++ {
		if _, err := kv.Get(ctx(t), fmt.Sprintf("k%d", i)); err != nil {
			failed++
		} else {
			ok++
		}
	}
	if ok != 2 || failed != 3 {
		t.Fatalf("%d ok, %d failed; want 2 and 3", ok, failed)
	}

	srv2 := Serve(t, Options{})
	srv2.Stop()
	if _, err := newClient(t, srv2.URL(), srv2.RootToken()).KVv2("secret").Get(ctx(t), "x"); err == nil {
		t.Fatal("stopped server answered")
	}
}

func TestFaultReset(t *testing.T) {
	srv := Serve(t, Options{})
	srv.Seed("a", map[string]any{"x": "1"}, nil)
	f := srv.Faults()
	f.FailPath("secret/*", 500)
	f.FailNext(5, 500)
	f.GarbageNext(5)
	f.Reset()
	if _, err := newClient(t, srv.URL(), srv.RootToken()).KVv2("secret").Get(ctx(t), "a"); err != nil {
		t.Fatal(err)
	}
}

func TestCountersAndKeepAlive(t *testing.T) {
	srv := Serve(t, Options{})
	for i := 0; i < 40; i++ {
		srv.Seed(fmt.Sprintf("f%d/k%d", i%4, i), map[string]any{"x": "1"}, nil)
	}
	c := newClient(t, srv.URL(), srv.RootToken())
	srv.ResetCounts()
	var g errgroup.Group
	g.SetLimit(4)
	for f := 0; f < 4; f++ {
		s, err := c.Logical().List(fmt.Sprintf("secret/metadata/f%d", f))
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range s.Data["keys"].([]any) {
			path := fmt.Sprintf("f%d/%s", f, k)
			g.Go(func() error {
				_, err := c.KVv2("secret").GetMetadata(context.Background(), path)
				return err
			})
		}
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"LIST secret/metadata": 4, "GET secret/metadata": 40}
	if got := srv.Counts(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
	if srv.Total() != 44 {
		t.Fatalf("total %d", srv.Total())
	}
	// Keep-alive: connections are reused. The client keeps GOMAXPROCS+1
	// idle connections per host and may dial a few more while others are
	// busy, so the bound is loose; without keep-alive it would be 44.
	if n := srv.Conns(); n < 1 || n > 12 {
		t.Fatalf("%d connections for 44 requests over 4 workers", n)
	}
}

// TestScale seeds 10,000 paths in 100 folders and reads them the way a
// no-op sync does: one LIST per folder and one metadata GET per path, from
// 16 keep-alive workers. It checks results, not timing.
func TestScale(t *testing.T) {
	if testing.Short() {
		t.Skip("scale test skipped in -short mode")
	}
	srv := Serve(t, Options{})
	for i := 0; i < 10000; i++ {
		if _, err := srv.Seed(fmt.Sprintf("team%02d/svc%04d", i%100, i), map[string]any{"v": "x"}, map[string]string{"ward-id": fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	// The client's pooled transport keeps GOMAXPROCS+1 idle connections
	// per host by default; a 16-worker sync needs 16.
	cfg := api.DefaultConfig()
	cfg.Address = srv.URL()
	cfg.HttpClient.Transport.(*http.Transport).MaxIdleConnsPerHost = 16
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(srv.RootToken())
	srv.ResetCounts()
	root, err := c.Logical().List("secret/metadata/")
	if err != nil || len(root.Data["keys"].([]any)) != 100 {
		t.Fatalf("root list: %v", err)
	}
	var mu stdsync.Mutex
	seen := 0
	var g errgroup.Group
	g.SetLimit(16)
	for _, folder := range root.Data["keys"].([]any) {
		s, err := c.Logical().List("secret/metadata/" + folder.(string))
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range s.Data["keys"].([]any) {
			path := folder.(string) + k.(string)
			g.Go(func() error {
				md, err := c.KVv2("secret").GetMetadata(context.Background(), path)
				if err != nil {
					return err
				}
				if md.CurrentVersion != 1 || !strings.HasPrefix(path, "team") {
					return fmt.Errorf("%s: %+v", path, md)
				}
				mu.Lock()
				seen++
				mu.Unlock()
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if seen != 10000 || srv.Count("LIST secret/metadata") != 101 || srv.Count("GET secret/metadata") != 10000 {
		t.Fatalf("seen %d, counts %v", seen, srv.Counts())
	}
	// Dials racing with connections going idle add a few; without
	// keep-alive this would be 10,101.
	if n := srv.Conns(); n > 48 {
		t.Fatalf("%d connections: keep-alive not used", n)
	}
}
