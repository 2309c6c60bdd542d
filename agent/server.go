package agent

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	stdsync "sync"
	"time"
)

// selfUID is os.Getuid; tests replace it to play a peer of another uid.
var selfUID = os.Getuid

// Options configure Serve.
type Options struct {
	// Sock is the socket path; empty means SocketPath().
	Sock string
	// IdleTimeout is how long the agent keeps what it holds without a get
	// or put before it forgets everything and exits; zero means
	// DefaultIdleTimeout. Negative is refused.
	IdleTimeout time.Duration
	// Logf, if set, receives one line per event (start, put, lock, idle
	// exit, refused connection, bad request). Lines name store ids and
	// reasons, never identities or keys.
	Logf func(format string, args ...any)
}

// Server limits. A process of the same uid can do worse than exhaust them;
// they are there so a confused client cannot grow the agent without bound.
const (
	maxStores   = 1024
	maxConns    = 128
	connTimeout = 10 * time.Second // per request: read it, then write the answer
)

// Serve runs the agent on o.Sock until it is idle for o.IdleTimeout, a
// client sends lock or stop, or ctx is done; then it overwrites what it
// holds, removes the socket and returns nil.
//
// It creates the socket's directory (0700) if missing and refuses, with an
// error wrapping ErrUnsafe, one that is a symlink, owned by another uid, or
// open to group or others. It returns ErrAlreadyRunning if another agent
// serves the socket. A stale socket left by a killed agent is replaced.
func Serve(ctx context.Context, o Options) error {
	if !supported {
		return ErrUnsupported
	}
	if o.IdleTimeout < 0 {
		return fmt.Errorf("agent: idle timeout %s is negative", o.IdleTimeout)
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	sock := o.Sock
	if sock == "" {
		var err error
		if sock, err = SocketPath(); err != nil {
			return err
		}
	}
	if err := prepareDir(sock); err != nil {
		return err
	}
	lock, err := lockDir(filepath.Join(filepath.Dir(sock), "agent.lock"))
	if err != nil {
		return err
	}
	// Closed last: the socket is gone before another agent may take over.
	defer lock.Close()
	ln, err := listen(sock)
	if err != nil {
		return err
	}
	s := &server{
		ln:    ln,
		sock:  sock,
		idle:  o.IdleTimeout,
		logf:  o.Logf,
		uid:   selfUID(),
		held:  map[string]*held{},
		conns: map[*net.UnixConn]struct{}{},
		done:  make(chan struct{}),
	}
	return s.run(ctx)
}

// listen replaces a stale socket (one nobody answers on) and listens on
// sock with mode 0600. The caller holds the directory lock, so no other
// agent is between the check and the listen.
func listen(sock string) (*net.UnixListener, error) {
	if fi, err := os.Lstat(sock); err == nil {
		if fi.Mode().Type() != fs.ModeSocket {
			return nil, fmt.Errorf("agent: %s exists and is not a socket; remove it", sock)
		}
		if c, err := net.DialTimeout("unix", sock, time.Second); err == nil {
			c.Close()
			return nil, ErrAlreadyRunning
		}
		if err := os.Remove(sock); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("agent: remove stale socket: %w", err)
		}
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("agent: listen: %w", err)
	}
	// The directory is 0700 already; 0600 on the socket is the second
	// lock on the door, and what a reader of `ls -l` expects.
	if err := os.Chmod(sock, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("agent: chmod socket: %w", err)
	}
	return ln, nil
}

// held is one store's entry. Secrets are kept in byte slices so forget can
// overwrite them.
type held struct {
	identity []byte
	key      []byte
}

func (h *held) wipe() {
	clear(h.identity)
	clear(h.key)
}

type server struct {
	ln   *net.UnixListener
	sock string
	idle time.Duration
	logf func(string, ...any)
	uid  int

	mu       stdsync.Mutex
	held     map[string]*held
	deadline time.Time // idle deadline: last get or put + idle
	conns    map[*net.UnixConn]struct{}
	closing  bool

	done     chan struct{} // closed by the first lock or stop
	stopOnce stdsync.Once
	why      string // set before done is closed
	wg       stdsync.WaitGroup
}

func (s *server) run(ctx context.Context) error {
	s.mu.Lock()
	s.deadline = time.Now().Add(s.idle)
	s.mu.Unlock()
	s.logf("agent: serving %s (pid %d), idle timeout %s", s.sock, os.Getpid(), s.idle)

	s.wg.Add(1)
	go s.accept()

	timer := time.NewTimer(s.idle)
	defer timer.Stop()
	var why string
	for why == "" {
		select {
		case <-ctx.Done():
			why = "asked to stop"
		case <-s.done:
			why = s.why
		case now := <-timer.C:
			// get and put only move the deadline; the timer catches up
			// here, so the hot path never touches it.
			s.mu.Lock()
			left := s.deadline.Sub(now)
			s.mu.Unlock()
			if left <= 0 {
				why = "idle for " + s.idle.String()
			} else {
				timer.Reset(left)
			}
		}
	}
	s.shutdown()
	s.logf("agent: %s: forgot everything, exiting", why)
	return nil
}

// stop makes run return; why is logged.
func (s *server) stop(why string) {
	s.stopOnce.Do(func() {
		s.why = why
		close(s.done)
	})
}

// shutdown stops accepting (which removes the socket), forgets everything,
// and closes every connection, then waits for their handlers.
func (s *server) shutdown() {
	s.ln.Close()
	s.mu.Lock()
	s.closing = true
	s.forgetLocked()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *server) forgetLocked() {
	for id, h := range s.held {
		h.wipe()
		delete(s.held, id)
	}
}

func (s *server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.AcceptUnix()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: wait a moment rather
			// than spin, as net/http does.
			s.logf("agent: accept: %v", err)
			select {
			case <-s.done:
				return
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		s.mu.Lock()
		if s.closing || len(s.conns) >= maxConns {
			s.mu.Unlock()
			c.Close()
			continue
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serveConn(c)
	}
}

// serveConn answers requests on c, one at a time, until the client closes
// it, stays silent for connTimeout, or sends something undecodable.
func (s *server) serveConn(c *net.UnixConn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	if uid, ok, err := peerUID(c); err != nil || (ok && uid != s.uid) {
		if err != nil {
			s.logf("agent: refused a connection: %v", err)
		} else {
			s.logf("agent: refused a connection from uid %d", uid)
		}
		// Answer the first request, so the refusal reaches the client as
		// its response instead of a reset connection.
		c.SetReadDeadline(time.Now().Add(connTimeout))
		if body, err := readFrame(c); err == nil {
			clear(body)
			s.reply(c, response{Error: codeDenied, Message: fmt.Sprintf("this agent serves only uid %d", s.uid)})
		}
		return
	}
	for {
		c.SetReadDeadline(time.Now().Add(connTimeout))
		body, err := readFrame(c)
		if errors.Is(err, errFrameSize) {
			s.logf("agent: bad request: %v", err)
			s.reply(c, response{Error: codeBadRequest, Message: err.Error()})
			return
		}
		if err != nil {
			return // closed, timed out, or cut short: nothing to answer
		}
		req, err := decodeRequest(body)
		clear(body)
		if err != nil {
			code := codeBadRequest
			if errors.Is(err, errVersion) {
				code = codeVersion
			}
			s.logf("agent: bad request: %v", err)
			s.reply(c, response{Error: code, Message: err.Error()})
			return
		}
		resp := s.do(req)
		err = s.reply(c, resp)
		clear(resp.Identity) // copies made by do, never the held slices
		clear(resp.DataKey)
		if err != nil {
			return
		}
		if req.Op == opLock || req.Op == opStop {
			s.stop(map[string]string{opLock: "locked", opStop: "stopped"}[req.Op])
			return
		}
	}
}

// reply writes one response with a write deadline.
func (s *server) reply(c *net.UnixConn, r response) error {
	r.V = protoVersion
	r.OK = r.Error == ""
	f := r.frame()
	c.SetWriteDeadline(time.Now().Add(connTimeout))
	err := sendFrame(c, f)
	clear(f)
	return err
}

// do carries out a decoded request. The identity and key in a response
// are copies, which the caller overwrites once they are sent.
func (s *server) do(r request) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.Op {
	case opPut:
		s.deadline = time.Now().Add(s.idle)
		old, ok := s.held[r.StoreID]
		if !ok && len(s.held) >= maxStores {
			clear(r.Identity)
			clear(r.DataKey)
			return response{Error: codeFull, Message: fmt.Sprintf("the agent holds %d stores already", maxStores)}
		}
		if ok {
			old.wipe()
		}
		// The request's slices were allocated by the decoder for this
		// request alone: keep them rather than copy and wipe.
		s.held[r.StoreID] = &held{identity: r.Identity, key: r.DataKey}
		s.logf("agent: holding store %s", r.StoreID)
		return response{}
	case opGet:
		s.deadline = time.Now().Add(s.idle)
		h, ok := s.held[r.StoreID]
		if !ok {
			return response{Error: codeNotHeld}
		}
		return response{Identity: clone(h.identity), DataKey: clone(h.key)}
	case opLock:
		s.forgetLocked()
		return response{}
	case opStatus:
		d := s.deadline
		return response{Stores: len(s.held), IdleDeadline: &d, IdleTimeout: s.idle.String(), PID: os.Getpid()}
	case opStop:
		return response{}
	}
	return response{Error: codeBadRequest, Message: "unknown op"} // unreachable: decodeRequest checked
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}
