// Command kv-floor is the cheapest client that could tell whether a KV v2
// tree changed: one LIST per folder and one metadata GET per key, Workers
// at a time over keep-alive connections, reading nothing else and keeping
// nothing. DESIGN.md measures ward's no-op sync against it ("≤ 1.3 × the
// cheapest possible client"). It is a yardstick, not a tool.
//
//	VAULT_TOKEN=… kv-floor -addr http://127.0.0.1:8200 -mount secret -prefix bench10000
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

func main() {
	addr := flag.String("addr", "http://127.0.0.1:8200", "server address")
	mount := flag.String("mount", "secret", "KV v2 mount")
	prefix := flag.String("prefix", "", "folder under the mount")
	workers := flag.Int("workers", 16, "requests at once")
	flag.Parse()
	c := &client{
		base:  strings.TrimSuffix(*addr, "/") + "/v1/" + *mount,
		token: os.Getenv("VAULT_TOKEN"),
		http: &http.Client{Transport: &http.Transport{
			MaxIdleConns: 2 * *workers, MaxIdleConnsPerHost: *workers, IdleConnTimeout: 90 * time.Second,
		}},
	}
	start := time.Now()
	n, err := c.walk(context.Background(), strings.Trim(*prefix, "/"), *workers)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kv-floor:", err)
		os.Exit(1)
	}
	fmt.Printf("%d keys, %d requests, %.3f s\n", n, c.requests.Load(), time.Since(start).Seconds())
}

type client struct {
	base, token string
	http        *http.Client
	requests    atomic.Int64
}

func (c *client) get(ctx context.Context, path string, list bool) ([]byte, error) {
	u := c.base + "/metadata/" + path
	if list {
		u += "?list=true"
	}
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Vault-Token", c.token)
	c.requests.Add(1)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s: status %d", path, resp.StatusCode)
	}
	return b, nil
}

// walk lists folders level by level and reads each key's metadata, as a
// sync must at the least.
func (c *client) walk(ctx context.Context, root string, workers int) (int, error) {
	keys := make(chan string, 4*workers)
	var n atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	for range workers {
		g.Go(func() error {
			for k := range keys {
				if _, err := c.get(gctx, k, false); err != nil {
					return err
				}
				n.Add(1)
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(keys)
		level := []string{root}
		for len(level) > 0 {
			var mu sync.Mutex
			var next []string
			lg, lctx := errgroup.WithContext(gctx)
			lg.SetLimit(max(2, workers/4))
			for _, folder := range level {
				lg.Go(func() error {
					b, err := c.get(lctx, folder, true)
					if err != nil {
						return err
					}
					var out struct {
						Data struct {
							Keys []string `json:"keys"`
						} `json:"data"`
					}
					if err := json.Unmarshal(b, &out); err != nil {
						return err
					}
					for _, k := range out.Data.Keys {
						p := k
						if folder != "" {
							p = folder + "/" + k
						}
						if sub, ok := strings.CutSuffix(p, "/"); ok {
							mu.Lock()
							next = append(next, sub)
							mu.Unlock()
							continue
						}
						select {
						case keys <- p:
						case <-lctx.Done():
							return lctx.Err()
						}
					}
					return nil
				})
			}
			if err := lg.Wait(); err != nil {
				return err
			}
			level = next
		}
		return nil
	})
	err := g.Wait()
	return int(n.Load()), err
}
