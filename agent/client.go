package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	stdsync "sync"
	"syscall"
	"time"

	wcrypto "github.com/opsward/ward/crypto"
)

// requestTimeout bounds one request when ctx has no earlier deadline. The
// agent answers from memory; a slow answer means a stuck agent, not a busy
// one.
const requestTimeout = 5 * time.Second

// Client is a connection to the agent. Its methods may be called from
// several goroutines; requests are sent one at a time. After a transport
// error the Client is closed and every later call fails.
type Client struct {
	sock string

	mu   stdsync.Mutex
	conn *net.UnixConn
	err  error // set once the connection is unusable
}

// Status describes a running agent.
type Status struct {
	PID          int
	Stores       int           // how many stores it holds something for
	IdleTimeout  time.Duration // how long it keeps them without a get or put
	IdleDeadline time.Time     // when it forgets them unless used before
}

// Dial connects to the agent at sock (empty: SocketPath()). It returns an
// error wrapping ErrNotRunning, at once and without waiting, when no agent
// listens there; an error wrapping ErrUnsafe when the socket's directory is
// not private to the user or (on Linux) the listening process runs as
// another uid. On systems without the agent (Windows) the error wraps both
// ErrNotRunning and ErrUnsupported, so callers fall back without a special
// case.
func Dial(sock string) (*Client, error) {
	if !supported {
		return nil, fmt.Errorf("%w: %w", ErrNotRunning, ErrUnsupported)
	}
	if sock == "" {
		var err error
		if sock, err = SocketPath(); err != nil {
			return nil, err
		}
	}
	// Never hand an identity to a socket someone else could have put there.
	if err := checkDir(filepath.Dir(sock)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("agent %s: %w", sock, ErrNotRunning)
		}
		return nil, err
	}
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		if refused(err) {
			return nil, fmt.Errorf("agent %s: %w", sock, ErrNotRunning)
		}
		return nil, fmt.Errorf("connect to agent %s: %w", sock, err)
	}
	if err := checkAgentPeer(conn, sock, os.Getuid()); err != nil {
		conn.Close()
		return nil, err
	}
	return &Client{sock: sock, conn: conn}, nil
}

// checkAgentPeer refuses an agent that runs as another uid than want (on
// Linux; elsewhere the directory check stands alone).
func checkAgentPeer(conn *net.UnixConn, sock string, want int) error {
	uid, ok, err := peerUID(conn)
	if err != nil {
		return fmt.Errorf("connect to agent %s: %w", sock, err)
	}
	if ok && uid != want {
		return &UnsafeError{Path: sock, Reason: fmt.Sprintf("the process listening on it runs as uid %d, not as you (uid %d)", uid, want)}
	}
	return nil
}

// Close closes the connection. The agent keeps what it holds.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = errors.New("agent client is closed")
	}
	return c.conn.Close()
}

// Get returns what the agent holds for storeID. It returns an error
// wrapping ErrNotHeld if the agent holds nothing for it, and ErrNotRunning
// if the agent went away. Getting resets the agent's idle timer.
func (c *Client) Get(ctx context.Context, storeID string) (Entry, error) {
	resp, err := c.roundTrip(ctx, request{Op: opGet, StoreID: storeID})
	if err != nil {
		return Entry{}, err
	}
	defer clear(resp.Identity)
	defer clear(resp.DataKey)
	var e Entry
	if len(resp.Identity) > 0 {
		e.Identity = wcrypto.NewSecret(string(resp.Identity))
	}
	switch len(resp.DataKey) {
	case 0:
	case wcrypto.KeySize:
		var k wcrypto.Key
		copy(k[:], resp.DataKey)
		e.DataKey = NewKey(&k)
		clear(k[:])
	default:
		return Entry{}, fmt.Errorf("agent get: the agent sent a %d-byte data key", len(resp.DataKey))
	}
	return e, nil
}

// Put gives the agent e for storeID, replacing whatever it held for that
// store. e must hold an identity, a data key, or both. Putting resets the
// agent's idle timer.
func (c *Client) Put(ctx context.Context, storeID string, e Entry) error {
	r := request{Op: opPut, StoreID: storeID}
	if !e.Identity.IsZero() {
		r.Identity = []byte(e.Identity.Reveal())
		defer clear(r.Identity)
	}
	if k := e.DataKey.Reveal(); k != nil {
		r.DataKey = append([]byte(nil), k[:]...)
		defer clear(r.DataKey)
	}
	_, err := c.roundTrip(ctx, r)
	return err
}

// Lock makes the agent forget everything it holds and exit.
func (c *Client) Lock(ctx context.Context) error {
	_, err := c.roundTrip(ctx, request{Op: opLock})
	return err
}

// Stop makes the agent exit; like Lock, it forgets everything first.
func (c *Client) Stop(ctx context.Context) error {
	_, err := c.roundTrip(ctx, request{Op: opStop})
	return err
}

// Status asks the agent how many stores it holds and when it will forget
// them. It does not reset the idle timer.
func (c *Client) Status(ctx context.Context) (Status, error) {
	resp, err := c.roundTrip(ctx, request{Op: opStatus})
	if err != nil {
		return Status{}, err
	}
	st := Status{PID: resp.PID, Stores: resp.Stores}
	if resp.IdleDeadline != nil {
		st.IdleDeadline = *resp.IdleDeadline
	}
	st.IdleTimeout, _ = time.ParseDuration(resp.IdleTimeout)
	return st, nil
}

// roundTrip sends one request and reads its response. Errors name the
// operation and the socket, never a value.
func (c *Client) roundTrip(ctx context.Context, r request) (response, error) {
	r.V = protoVersion
	if err := r.validate(); err != nil {
		return response{}, fmt.Errorf("agent %s: %v", r.Op, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return response{}, fmt.Errorf("agent %s: %w", r.Op, c.err)
	}
	if err := ctx.Err(); err != nil {
		return response{}, fmt.Errorf("agent %s: %w", r.Op, err)
	}
	deadline := time.Now().Add(requestTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.conn.SetDeadline(deadline)
	// Cancelling ctx moves the deadline to the past, which wakes the read.
	unwatch := context.AfterFunc(ctx, func() { c.conn.SetDeadline(time.Unix(1, 0)) })
	defer unwatch()

	f := r.frame()
	err := sendFrame(c.conn, f)
	clear(f)
	var body []byte
	if err == nil {
		body, err = readFrame(c.conn)
	}
	if err != nil {
		c.err = errors.New("agent connection is broken")
		c.conn.Close()
		if ctx.Err() != nil {
			return response{}, fmt.Errorf("agent %s: %w", r.Op, ctx.Err())
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// The connection's deadline may fire a moment before ctx's.
			if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
				return response{}, fmt.Errorf("agent %s: %w", r.Op, context.DeadlineExceeded)
			}
			return response{}, fmt.Errorf("agent %s: no answer from %s within %s", r.Op, c.sock, requestTimeout)
		}
		if gone(err) {
			return response{}, fmt.Errorf("agent %s: the agent closed the connection: %w", r.Op, ErrNotRunning)
		}
		return response{}, fmt.Errorf("agent %s: %w", r.Op, err)
	}
	var resp response
	err = json.Unmarshal(body, &resp)
	clear(body)
	if err != nil || resp.V != protoVersion {
		c.err = errors.New("agent connection is broken")
		c.conn.Close()
		return response{}, fmt.Errorf("agent %s: the agent at %s does not speak protocol version %d", r.Op, c.sock, protoVersion)
	}
	if !resp.OK {
		if resp.Error == codeNotHeld {
			return response{}, fmt.Errorf("agent %s store %s: %w", r.Op, r.StoreID, ErrNotHeld)
		}
		return response{}, &ServerError{Op: r.Op, Code: resp.Error, Message: resp.Message}
	}
	return resp, nil
}

// gone reports whether err means the agent closed the connection or exited.
func gone(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
