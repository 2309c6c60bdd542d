package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	stdsync "sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/opsward/ward/sync/kvtest"
)

// kvServers holds each script's kvtest server. The server runs inside the
// test process, so a script can seed it, break it and move its clock
// without a control protocol; ward, run by the script in its own process,
// reaches it over loopback HTTP like any Vault.
var kvServers stdsync.Map // *testscript.TestScript -> *kvtest.Server

// cmdKV drives a script's in-process Vault/OpenBao KV v2 server:
//
//	kv start [-kv1 MOUNT] [-approle ROLE_ID SECRET_ID]  KV v2 at "secret"; sets $KV_ADDR and $KV_ROOT
//	kv seed PATH FIELD=VALUE... [-- KEY=VALUE...]        a new version (custom_metadata after --)
//	kv get PATH                                           data of the current version, as sorted JSON
//	kv version PATH                                       current version number
//	kv delete PATH                                        soft-delete the current version, as vault kv delete
//	kv deny VAR PATH...                                   a token denied those API paths, in $VAR
//	kv token VAR TTL                                      a token that expires after TTL, in $VAR
//	kv advance DURATION                                   move the server's clock
//	kv fail PATTERN STATUS                                answer PATTERN with STATUS (0 clears)
//	kv stop                                               the server dies; later requests are refused
//	kv stopafter N                                        the server dies once N more requests are answered
//	kv slow DURATION                                      answer one request per DURATION (0: full speed)
//	kv waitwrites N                                       wait until N values have been written (PUT data)
func cmdKV(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! kv")
	}
	if len(args) == 0 {
		ts.Fatalf("usage: kv start|seed|get|version|deny|token|advance|fail|stop|stopafter ...")
	}
	if args[0] == "start" {
		kvStart(ts, args[1:])
		return
	}
	v, ok := kvServers.Load(ts)
	if !ok {
		ts.Fatalf("kv %s: no server: run kv start first", args[0])
	}
	srv := v.(*kvtest.Server)
	a := args[1:]
	switch args[0] {
	case "seed":
		if len(a) < 2 {
			ts.Fatalf("usage: kv seed PATH FIELD=VALUE... [-- KEY=VALUE...]")
		}
		data, custom := map[string]any{}, map[string]string(nil)
		for _, kv := range a[1:] {
			if kv == "--" {
				custom = map[string]string{}
				continue
			}
			k, val, _ := strings.Cut(kv, "=")
			if custom != nil {
				custom[k] = val
			} else {
				data[k] = val
			}
		}
		_, err := srv.Seed(a[0], data, custom)
		ts.Check(err)
	case "get", "version":
		if len(a) != 1 {
			ts.Fatalf("usage: kv %s PATH", args[0])
		}
		data, version := kvRead(ts, srv, a[0])
		if args[0] == "version" {
			fmt.Fprintln(ts.Stdout(), version)
			return
		}
		b, err := json.Marshal(data)
		ts.Check(err)
		fmt.Fprintf(ts.Stdout(), "%s\n", b)
	case "delete":
		if len(a) != 1 {
			ts.Fatalf("usage: kv delete PATH")
		}
		kvDo(ts, srv, "DELETE", a[0])
	case "deny":
		if len(a) < 2 {
			ts.Fatalf("usage: kv deny VAR PATH...")
		}
		ts.Setenv(a[0], srv.AddToken(kvtest.Token{Policies: []string{"ward"}, Deny: a[1:]}))
	case "token":
		if len(a) != 2 {
			ts.Fatalf("usage: kv token VAR TTL")
		}
		ttl, err := time.ParseDuration(a[1])
		ts.Check(err)
		ts.Setenv(a[0], srv.AddToken(kvtest.Token{Policies: []string{"ward"}, TTL: ttl}))
	case "advance":
		if len(a) != 1 {
			ts.Fatalf("usage: kv advance DURATION")
		}
		d, err := time.ParseDuration(a[0])
		ts.Check(err)
		srv.Advance(d)
	case "fail":
		if len(a) != 2 {
			ts.Fatalf("usage: kv fail PATTERN STATUS")
		}
		status, err := strconv.Atoi(a[1])
		ts.Check(err)
		srv.Faults().FailPath(a[0], status)
	case "stop":
		srv.Stop()
	case "stopafter":
		if len(a) != 1 {
			ts.Fatalf("usage: kv stopafter N")
		}
		n, err := strconv.Atoi(a[0])
		ts.Check(err)
		srv.Faults().StopAfter(n)
	case "slow":
		if len(a) != 1 {
			ts.Fatalf("usage: kv slow DURATION")
		}
		d, err := time.ParseDuration(a[0])
		ts.Check(err)
		kvSlow(ts, srv, d)
	case "waitwrites":
		if len(a) != 1 {
			ts.Fatalf("usage: kv waitwrites N")
		}
		n, err := strconv.Atoi(a[0])
		ts.Check(err)
		// Wait on the server's counter: a condition, with a deadline.
		deadline := time.Now().Add(30 * time.Second)
		for srv.Count("PUT secret/data") < n {
			if time.Now().After(deadline) {
				ts.Fatalf("kv waitwrites %d: only %d after 30 s", n, srv.Count("PUT secret/data"))
			}
			time.Sleep(time.Millisecond)
		}
	default:
		ts.Fatalf("kv: unknown subcommand %q", args[0])
	}
}

// kvSlowStop stops each script's slow-server ticker.
var kvSlowStop stdsync.Map // *testscript.TestScript -> chan struct{}

// kvSlow makes the server answer one request per d, whoever sends them, so
// a script can stop a client in the middle of its work; d = 0 ends it.
func kvSlow(ts *testscript.TestScript, srv *kvtest.Server, d time.Duration) {
	if stop, ok := kvSlowStop.LoadAndDelete(ts); ok {
		close(stop.(chan struct{}))
	}
	if d <= 0 {
		srv.Faults().Delay(nil)
		return
	}
	release, stop := make(chan struct{}), make(chan struct{})
	kvSlowStop.Store(ts, stop)
	srv.Faults().Delay(release)
	go func() {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				select {
				case release <- struct{}{}:
				default: // nothing waiting
				}
			case <-stop:
				return
			}
		}
	}()
	ts.Defer(func() {
		if stop, ok := kvSlowStop.LoadAndDelete(ts); ok {
			close(stop.(chan struct{}))
		}
	})
}

func kvStart(ts *testscript.TestScript, args []string) {
	if _, ok := kvServers.Load(ts); ok {
		ts.Fatalf("kv start: already started")
	}
	var opts kvtest.Options
	for len(args) > 0 {
		switch {
		case args[0] == "-kv1" && len(args) >= 2:
			opts.Mounts = append(opts.Mounts, kvtest.Mount{Path: "secret"}, kvtest.Mount{Path: args[1], Kind: kvtest.KVv1})
			args = args[2:]
		case args[0] == "-approle" && len(args) >= 3:
			opts.AppRoles = append(opts.AppRoles, kvtest.AppRole{Name: "ward", RoleID: args[1], SecretID: args[2], Token: kvtest.Token{Policies: []string{"ward"}, TTL: time.Hour, Renewable: true}})
			args = args[3:]
		default:
			ts.Fatalf("usage: kv start [-kv1 MOUNT] [-approle ROLE_ID SECRET_ID]")
		}
	}
	srv := kvtest.New(opts)
	srv.Start()
	kvServers.Store(ts, srv)
	ts.Defer(func() {
		kvServers.Delete(ts)
		srv.Close()
	})
	ts.Setenv("KV_ADDR", srv.URL())
	ts.Setenv("KV_ROOT", srv.RootToken())
}

// kvDo sends one request to secret/data/PATH with the root token, as a
// client would, and returns the body of a 2xx answer.
func kvDo(ts *testscript.TestScript, srv *kvtest.Server, method, path string) []byte {
	req, err := http.NewRequest(method, srv.URL()+"/v1/secret/data/"+path, nil)
	ts.Check(err)
	req.Header.Set("X-Vault-Token", srv.RootToken())
	resp, err := srv.Client().Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	ts.Check(err)
	if resp.StatusCode/100 != 2 {
		ts.Fatalf("kv %s %s: status %d", method, path, resp.StatusCode)
	}
	return b
}

// kvRead reads a key's current data.
func kvRead(ts *testscript.TestScript, srv *kvtest.Server, path string) (map[string]any, int) {
	b := kvDo(ts, srv, "GET", path)
	var out struct {
		Data struct {
			Data     map[string]any `json:"data"`
			Metadata struct {
				Version int `json:"version"`
			} `json:"metadata"`
		} `json:"data"`
	}
	ts.Check(json.Unmarshal(b, &out))
	return out.Data.Data, out.Data.Metadata.Version
}
