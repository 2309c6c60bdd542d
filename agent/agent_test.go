package agent

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	wcrypto "github.com/opsward/ward/crypto"
)

func TestPutGetStatusLock(t *testing.T) {
	a := serve(t, time.Minute)
	ctx := context.Background()
	c := dial(t, a.sock)

	_, err := c.Get(ctx, "store-a")
	checkErr(t, err, ErrNotHeld)

	want := Entry{Identity: wcrypto.NewSecret(canary), DataKey: NewKey(canaryKey())}
	if err := c.Put(ctx, "store-a", want); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(ctx, "store-b", Entry{DataKey: NewKey(canaryKey())}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Get(ctx, "store-a")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Identity.Equal(want.Identity) || *got.DataKey.Reveal() != *canaryKey() {
		t.Fatal("get returned another entry than was put")
	}
	got, err = c.Get(ctx, "store-b")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Identity.IsZero() || *got.DataKey.Reveal() != *canaryKey() {
		t.Fatal("store-b: want only the key")
	}

	// A put replaces the entry as a whole.
	if err := c.Put(ctx, "store-b", Entry{Identity: wcrypto.NewSecret("AGE-SECRET-KEY-1OTHER")}); err != nil {
		t.Fatal(err)
	}
	got, err = c.Get(ctx, "store-b")
	if err != nil || !got.DataKey.IsZero() || got.Identity.Reveal() != "AGE-SECRET-KEY-1OTHER" {
		t.Fatalf("after replacing put: %v, key held %v", err, !got.DataKey.IsZero())
	}

	// Another connection sees the same entries.
	got, err = dial(t, a.sock).Get(ctx, "store-a")
	if err != nil || !got.Identity.Equal(want.Identity) {
		t.Fatalf("second connection: %v", err)
	}

	st, err := c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Stores != 2 || st.PID != os.Getpid() || st.IdleTimeout != time.Minute {
		t.Fatalf("status = %+v", st)
	}
	if left := time.Until(st.IdleDeadline); left <= 0 || left > time.Minute {
		t.Fatalf("idle deadline %s away, want within a minute", left)
	}

	if err := c.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-a.done; err != nil {
		t.Fatalf("Serve after lock: %v", err)
	}
	a.done <- nil
	if _, err := os.Lstat(a.sock); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("socket left behind after lock: %v", err)
	}
	_, err = Dial(a.sock)
	checkErr(t, err, ErrNotRunning)
	_, err = c.Get(ctx, "store-a")
	checkErr(t, err, ErrNotRunning)
}

func TestSocketAndDirModes(t *testing.T) {
	a := serve(t, time.Minute)
	for path, want := range map[string]fs.FileMode{a.sock: 0o600, filepath.Dir(a.sock): 0o700, filepath.Join(filepath.Dir(a.sock), "agent.lock"): 0o600} {
		fi, err := os.Lstat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %04o, want %04o", path, fi.Mode().Perm(), want)
		}
	}
}

func TestServeCreatesMissingDir(t *testing.T) {
	sock := filepath.Join(filepath.Dir(sockPath(t)), "sub", "agent.sock")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, Options{Sock: sock}) }()
	waitFor(t, "agent answers", func() bool { return ping(sock) == nil })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(filepath.Dir(sock))
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("created dir: %v %v", fi.Mode(), err)
	}
}

func TestIdleTimeout(t *testing.T) {
	t.Run("expires", func(t *testing.T) {
		a := serve(t, 50*time.Millisecond)
		c := dial(t, a.sock)
		if err := c.Put(context.Background(), "s", Entry{DataKey: NewKey(canaryKey())}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "socket stops answering", func() bool { return errors.Is(ping(a.sock), ErrNotRunning) })
		if err := <-a.done; err != nil {
			t.Fatal(err)
		}
		a.done <- nil
		if !strings.Contains(a.log.String(), "idle for 50ms") {
			t.Errorf("log does not say why the agent left:\n%s", a.log)
		}
	})
	t.Run("use keeps it", func(t *testing.T) {
		// Gets every 20 ms for 3 idle periods: the agent must still hold
		// the entry at the end. Status must not count as use.
		const idle = 300 * time.Millisecond
		a := serve(t, idle)
		c := dial(t, a.sock)
		ctx := context.Background()
		if err := c.Put(ctx, "s", Entry{DataKey: NewKey(canaryKey())}); err != nil {
			t.Fatal(err)
		}
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for end := time.Now().Add(3 * idle); time.Now().Before(end); <-tick.C {
			if _, err := c.Get(ctx, "s"); err != nil {
				t.Fatalf("get while in use: %v", err)
			}
		}
		st, err := c.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "idle deadline passes", func() bool { return time.Now().After(st.IdleDeadline) })
		waitFor(t, "socket stops answering", func() bool { return errors.Is(ping(a.sock), ErrNotRunning) })
	})
}

func TestUnsafeDir(t *testing.T) {
	base := filepath.Dir(sockPath(t))
	open := filepath.Join(base, "open")
	if err := os.Mkdir(open, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o755); err != nil { // whatever the umask
		t.Fatal(err)
	}
	link := filepath.Join(base, "link")
	private := filepath.Join(base, "private")
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(private, link); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct{ dir, reason string }{
		"mode 0755": {open, "chmod 700"},
		"symlink":   {link, "symbolic link"},
		"not a dir": {file, "not a directory"},
	}
	if os.Geteuid() == 0 {
		other := filepath.Join(base, "other")
		if err := os.Mkdir(other, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(other, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		cases["other owner"] = struct{ dir, reason string }{other, "owned by uid 65534"}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			sock := filepath.Join(tc.dir, "agent.sock")
			err := Serve(context.Background(), Options{Sock: sock})
			checkErr(t, err, ErrUnsafe)
			if !strings.Contains(err.Error(), tc.reason) || !strings.Contains(err.Error(), tc.dir) {
				t.Errorf("error %q does not name %s and say %q", err, tc.dir, tc.reason)
			}
			_, err = Dial(sock)
			checkErr(t, err, ErrUnsafe)
			err = Start(os.Args[0], sock)
			checkErr(t, err, ErrUnsafe)
		})
	}
}

func TestSockPathTooLong(t *testing.T) {
	sock := filepath.Join(filepath.Dir(sockPath(t)), strings.Repeat("x", 120), "agent.sock")
	err := Serve(context.Background(), Options{Sock: sock})
	if err == nil || !strings.Contains(err.Error(), EnvSock) {
		t.Fatalf("got %v, want an error naming %s", err, EnvSock)
	}
}

func TestSocketPath(t *testing.T) {
	t.Setenv(EnvSock, "/x/y/../s.sock")
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/1000")
	if p, _ := SocketPath(); p != "/x/s.sock" {
		t.Errorf("with %s: %s", EnvSock, p)
	}
	t.Setenv(EnvSock, "")
	if p, _ := SocketPath(); p != "/run/user/1000/ward/agent.sock" {
		t.Errorf("with XDG_RUNTIME_DIR: %s", p)
	}
	t.Setenv("XDG_RUNTIME_DIR", "")
	if p, _ := SocketPath(); p != fmt.Sprintf("/tmp/ward-%d/agent.sock", os.Getuid()) {
		t.Errorf("fallback: %s", p)
	}
}

func TestAlreadyRunningAndStaleSocket(t *testing.T) {
	a := serve(t, time.Minute)
	err := Serve(context.Background(), Options{Sock: a.sock})
	checkErr(t, err, ErrAlreadyRunning)
	if ping(a.sock) != nil {
		t.Fatal("the first agent stopped answering")
	}

	// A socket file nobody listens on, as a killed agent leaves it.
	stale := sockPath(t)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	_, err = Dial(stale)
	checkErr(t, err, ErrNotRunning)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, Options{Sock: stale}) }()
	waitFor(t, "agent on a stale socket answers", func() bool { return ping(stale) == nil })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestNotRunningIsFast(t *testing.T) {
	base := filepath.Dir(sockPath(t))
	for name, sock := range map[string]string{
		"no directory": filepath.Join(base, "missing", "agent.sock"),
		"no socket":    filepath.Join(base, "agent.sock"),
	} {
		t.Run(name, func(t *testing.T) {
			var worst time.Duration
			for range 100 {
				start := time.Now()
				_, err := Dial(sock)
				worst = max(worst, time.Since(start))
				checkErr(t, err, ErrNotRunning)
			}
			// The benchmark measures it properly (a few µs); this bound
			// only catches a timeout or a retry loop creeping in.
			if worst > 50*time.Millisecond {
				t.Errorf("slowest Dial to a missing agent took %s", worst)
			}
		})
	}
}

// rawRequest sends one frame body (or raw bytes if frame is false) and
// returns the decoded response, or io.EOF if the agent closed without one.
func rawRequest(t *testing.T, sock string, b []byte, frame bool) (response, error) {
	t.Helper()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if frame {
		_, err = c.Write(frameOf(b))
	} else {
		_, err = c.Write(b)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !frame {
		c.(*net.UnixConn).CloseWrite()
	}
	body, err := readFrame(c)
	if err != nil {
		return response{}, err
	}
	var r response
	if err := jsonUnmarshal(body, &r); err != nil {
		t.Fatalf("undecodable response %q", body)
	}
	return r, nil
}

func TestGarbageDoesNotKillServer(t *testing.T) {
	a := serve(t, time.Minute)
	ctx := context.Background()
	c := dial(t, a.sock)
	if err := c.Put(ctx, "kept", Entry{Identity: wcrypto.NewSecret(canary)}); err != nil {
		t.Fatal(err)
	}
	bigHeader := make([]byte, 4)
	binary.BigEndian.PutUint32(bigHeader, 1<<31)
	frames := map[string]struct {
		body  string
		frame bool
		code  string // "" means the agent closes without answering
	}{
		"empty connection":   {"", false, ""},
		"short header":       {"\x00\x00", false, ""},
		"huge length":        {string(bigHeader) + "xxxx", false, codeBadRequest},
		"zero length":        {"\x00\x00\x00\x00", false, codeBadRequest},
		"truncated body":     {"\x00\x00\x00\x10{\"v\":1", false, ""},
		"not json":           {"\xff\xfe garbage", true, codeBadRequest},
		"json array":         {`[1,2,3]`, true, codeBadRequest},
		"trailing data":      {`{"v":1,"op":"status"}{}`, true, codeBadRequest},
		"unknown field":      {`{"v":1,"op":"status","x":1}`, true, "ok"}, // ignored: room for later optional fields
		"wrong version":      {`{"v":2,"op":"status"}`, true, codeVersion},
		"no version":         {`{"op":"status"}`, true, codeVersion},
		"unknown op":         {`{"v":1,"op":"explode"}`, true, codeBadRequest},
		"get without id":     {`{"v":1,"op":"get"}`, true, codeBadRequest},
		"bad store id":       {`{"v":1,"op":"get","store_id":"a/../b"}`, true, codeBadRequest},
		"long store id":      {`{"v":1,"op":"get","store_id":"` + strings.Repeat("a", 129) + `"}`, true, codeBadRequest},
		"get with identity":  {`{"v":1,"op":"get","store_id":"a","identity":"QUdF"}`, true, codeBadRequest},
		"status with id":     {`{"v":1,"op":"status","store_id":"a"}`, true, codeBadRequest},
		"put nothing":        {`{"v":1,"op":"put","store_id":"a"}`, true, codeBadRequest},
		"put short key":      {`{"v":1,"op":"put","store_id":"a","data_key":"QUFBQQ=="}`, true, codeBadRequest},
		"put bad base64":     {`{"v":1,"op":"put","store_id":"a","identity":"!!!"}`, true, codeBadRequest},
		"put empty identity": {`{"v":1,"op":"put","store_id":"a","identity":""}`, true, codeBadRequest},
		"deep nesting":       {`{"v":1,"op":` + strings.Repeat("[", 10000) + `}`, true, codeBadRequest},
		"null":               {`null`, true, codeVersion},
	}
	for name, f := range frames {
		t.Run(name, func(t *testing.T) {
			r, err := rawRequest(t, a.sock, []byte(f.body), f.frame)
			switch {
			case f.code == "" && err == nil:
				t.Fatalf("got response %+v, want the connection closed", r)
			case f.code == "" && !errors.Is(err, io.EOF):
				t.Fatalf("read: %v", err)
			case f.code != "" && err != nil:
				t.Fatalf("no response: %v", err)
			case f.code == "ok" && (!r.OK || r.V != protoVersion):
				t.Fatalf("response %+v, want ok", r)
			case f.code != "ok" && f.code != "" && (r.OK || r.Error != f.code || r.V != protoVersion):
				t.Fatalf("response %+v, want error %q", r, f.code)
			}
			checkNoCanary(t, "response message", r.Message)
			got, err := c.Get(ctx, "kept")
			if err != nil || got.Identity.Reveal() != canary {
				t.Fatalf("agent lost its entry or died: %v", err)
			}
		})
	}
}

func TestSecretNeverInErrors(t *testing.T) {
	a := serve(t, time.Minute)
	ctx := context.Background()
	c := dial(t, a.sock)
	var errs []error
	// Bad requests whose payload is the canary: refused before sending.
	errs = append(errs,
		c.Put(ctx, "prod/"+canary, Entry{Identity: wcrypto.NewSecret(canary)}),
		c.Put(ctx, "ok", Entry{}),
	)
	_, err := c.Get(ctx, "prod/"+canary)
	errs = append(errs, err)
	// The same, sent raw so the server has to refuse them.
	for _, body := range []string{
		`{"v":1,"op":"put","store_id":"` + canary + `/x","identity":"QUdF"}`,
		`{"v":1,"op":"put","store_id":"a","identity":"` + canary + `"}`,
		`{"v":1,"op":"` + canary + `"}`,
		`{"v":1,"op":"put","store_id":"a","` + canary + `":1}`, // unknown field, nothing to put
		canary,
	} {
		r, err := rawRequest(t, a.sock, []byte(body), true)
		if err != nil || r.OK {
			t.Fatalf("bad request accepted: %+v %v", r, err)
		}
		errs = append(errs, (&ServerError{Op: "x", Code: r.Error, Message: r.Message}))
	}
	for _, err := range errs {
		if err == nil {
			t.Fatal("a bad request succeeded")
		}
		checkNoCanary(t, "error", err.Error())
		checkNoCanary(t, "error %+v", fmt.Sprintf("%+v %#v", err, err))
	}
}

func TestEntryRedacts(t *testing.T) {
	e := Entry{Identity: wcrypto.NewSecret(canary), DataKey: NewKey(canaryKey())}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		s := fmt.Sprintf(verb, e) + fmt.Sprintf(verb, e.DataKey) + fmt.Sprintf(verb, &e)
		checkNoCanary(t, verb, s)
		if !strings.Contains(s, wcrypto.Redacted) {
			t.Errorf("%s: %q shows no redaction marker", verb, s)
		}
	}
	j, _ := jsonMarshal(e)
	checkNoCanary(t, "JSON", string(j))
	if e.IsZero() || !(Entry{}).IsZero() || !NewKey(nil).IsZero() {
		t.Error("IsZero is wrong")
	}
	k := canaryKey()
	held := NewKey(k)
	k[0] ^= 1
	if *held.Reveal() == *k {
		t.Error("NewKey does not copy the key")
	}
}

func TestPeerOfAnotherUIDRefused(t *testing.T) {
	// The agent believes it runs as another uid, so this process is a
	// stranger to it: SO_PEERCRED (Linux) must refuse it.
	if !peerChecked {
		t.Skip("peer credentials are checked on Linux only")
	}
	real := selfUID
	selfUID = func() int { return os.Getuid() + 4242 }
	defer func() { selfUID = real }()
	a := &testAgent{sock: sockPath(t), log: &logBuf{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, Options{Sock: a.sock, Logf: a.log.logf}) }()
	defer func() {
		cancel()
		<-done
	}()
	var c *Client
	waitFor(t, "agent listens", func() bool {
		var err error
		c, err = Dial(a.sock)
		return err == nil
	})
	defer c.Close()
	_, err := c.Get(context.Background(), "s")
	var se *ServerError
	if !errors.As(err, &se) || se.Code != codeDenied {
		t.Fatalf("got %v, want a denied error", err)
	}
	if !strings.Contains(a.log.String(), fmt.Sprintf("refused a connection from uid %d", os.Getuid())) {
		t.Errorf("refusal not logged:\n%s", a.log)
	}

	// And the client refuses an agent of another uid.
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: a.sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	checkErr(t, checkAgentPeer(conn, a.sock, os.Getuid()+1), ErrUnsafe)
}

func TestClientTimesOutOnSilentAgent(t *testing.T) {
	sock := sockPath(t)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold it open, never answer
		}
	}()
	c := dial(t, sock)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Get(ctx, "s")
	checkErr(t, err, context.DeadlineExceeded)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Get took %s despite a 50ms deadline", d)
	}
	_, err = c.Get(context.Background(), "s")
	if err == nil {
		t.Fatal("a broken client was reused")
	}
}
