package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"syscall"
	"time"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

// Rules of this file: every request goes through Client.send, which owns
// retries, timeouts, the redirect guard and the "is the token still good"
// check; nothing else talks HTTP. No request body and no secret value
// ever reaches an error.

// ConnectOptions tune a Client. The zero value is usable.
type ConnectOptions struct {
	// Token, if set, is used instead of looking one up.
	Token wcrypto.Secret
	// Tokens is where `ward remote login` keeps tokens; nil: the OS keyring.
	Tokens TokenStore
	// StoreID selects the keyring account (Connect fills it in).
	StoreID string
	// Workers bounds concurrent requests (and idle keep-alive connections);
	// 0 means 16.
	Workers int
	// Timeout bounds one attempt of one request; 0 means 30 s.
	Timeout time.Duration
	// Attempts bounds the tries of a request that can be retried (5xx,
	// 429, connection errors, timeouts); 0 means 4.
	Attempts int
	// MinBackoff and MaxBackoff bound the wait between attempts
	// (exponential with full jitter); 0 means 200 ms and 5 s.
	MinBackoff, MaxBackoff time.Duration
	// RenewBelow renews a renewable token when less than this is left of
	// its TTL, and less than half its lease; 0 means 10 minutes.
	RenewBelow time.Duration

	// now is the clock token expiry is judged by; nil: time.Now. Tests
	// share the double's clock through it.
	now func() time.Time
}

func (o *ConnectOptions) defaults() {
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Attempts <= 0 {
		o.Attempts = 4
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 200 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Second
	}
	if o.RenewBelow <= 0 {
		o.RenewBelow = 10 * time.Minute
	}
	if o.now == nil {
		o.now = time.Now
	}
}

// Client talks to one remote's KV v2 mount. It is safe for concurrent use.
type Client struct {
	Remote Remote
	// Warnings are things the operator should know that do not stop the
	// sync: TLS verification off, plain http, an ignored VAULT_NAMESPACE.
	Warnings []string
	// TokenSource says where the token came from.
	TokenSource TokenSource

	http  *http.Client
	base  *url.URL
	token wcrypto.Secret
	opts  ConnectOptions

	mu          stdsync.Mutex
	fatal       error // once set, every request fails with it
	authChecked time.Time
	expire      time.Time     // token expiry; zero: never or unknown
	lease       time.Duration // what a renewal grants (the creation TTL, then the last lease)
	renewable   bool
	renewing    bool
	consecutive int // transport failures in a row, across requests

	requests atomic.Int64
}

// Connect opens the remote called name of store s: it finds the token,
// checks it (renewing it if it is close to expiry) and checks that the
// mount is KV version 2. Errors wrap ErrNoRemote, ErrNoToken,
// ErrLoginAgain, ErrNotKVv2, ErrUnreachable or ErrRedirect.
func Connect(ctx context.Context, s *store.Store, name string, o ConnectOptions) (*Client, error) {
	r, err := GetRemote(ctx, s, name)
	if err != nil {
		return nil, err
	}
	o.StoreID = s.ID()
	return Dial(ctx, r, o)
}

// Dial is Connect for a Remote that is not (or not yet) in a store.
func Dial(ctx context.Context, r Remote, o ConnectOptions) (*Client, error) {
	c, err := newClient(r, o)
	if err != nil {
		return nil, err
	}
	tok := c.opts.Token
	c.TokenSource = TokenFromOptions
	if tok.IsZero() {
		if tok, c.TokenSource, err = findToken(c.opts.StoreID, r.Name, c.opts.Tokens); err != nil {
			return nil, err
		}
	}
	c.token = tok
	if err := c.checkToken(ctx); err != nil {
		return nil, err
	}
	if err := c.preflight(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// newClient builds the HTTP side (transport.go): TLS from the VAULT_*
// variables as the vault CLI reads them, keep-alive sized to the workers,
// and the redirect guard.
func newClient(r Remote, o ConnectOptions) (*Client, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	o.defaults()
	tlsCfg, err := tlsFromEnv()
	if err != nil {
		return nil, fmt.Errorf("remote %s: client settings from the environment: %w", r.Name, err)
	}
	base, err := url.Parse(r.Addr)
	if err != nil {
		return nil, fmt.Errorf("remote %s: address %q: %w", r.Name, r.Addr, err)
	}
	c := &Client{Remote: r, opts: o, base: base}
	if tlsCfg.InsecureSkipVerify {
		c.Warnings = append(c.Warnings, fmt.Sprintf("remote %s: TLS certificate verification is off (VAULT_SKIP_VERIFY): anyone on the path can read the token and the secrets", r.Name))
	}
	if base.Scheme == "http" && !isLoopback(base.Hostname()) {
		c.Warnings = append(c.Warnings, fmt.Sprintf("remote %s: %s is plain http: the token and the secrets travel unencrypted", r.Name, r.Addr))
	}
	c.http = newHTTPClient(tlsCfg, o.Workers, o.Timeout, base.Host)
	// The remote's namespace is authoritative: sync bases belong to one
	// namespace, so VAULT_NAMESPACE must not silently switch it.
	if env := os.Getenv("VAULT_NAMESPACE"); env != "" && strings.Trim(env, "/") != r.Namespace {
		c.Warnings = append(c.Warnings, fmt.Sprintf("remote %s: VAULT_NAMESPACE=%s ignored; the remote's namespace is %q", r.Name, env, r.Namespace))
	}
	// The vault CLI would send everything to a Vault Agent at
	// VAULT_AGENT_ADDR; the remote's address is authoritative.
	if env := os.Getenv("VAULT_AGENT_ADDR"); env != "" {
		c.Warnings = append(c.Warnings, fmt.Sprintf("remote %s: VAULT_AGENT_ADDR=%s ignored; the remote's address is %s", r.Name, env, r.Addr))
	}
	return c, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// guardTransport refuses a redirect to another host, with the token on
// it, at the transport, whoever follows redirects above it.
type guardTransport struct {
	base http.RoundTripper
	host string
}

func (g *guardTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := g.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case 301, 302, 303, 307, 308:
		loc, lerr := resp.Location()
		if lerr == nil && loc.Host != r.URL.Host {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			return nil, &RedirectError{From: r.URL.Host, To: loc.Host}
		}
	}
	return resp, nil
}

// Requests is the number of HTTP requests sent so far (attempts included).
func (c *Client) Requests() int64 { return c.requests.Load() }

// reply is a server answer with its body read.
type reply struct {
	status int
	body   []byte
	errs   []string
	hdr    http.Header
}

func (r *reply) header(k string) string {
	if r.hdr == nil {
		return ""
	}
	return r.hdr.Get(k)
}

func (r *reply) decode(c *Client, op, path string, v any) error {
	if err := json.Unmarshal(r.body, v); err != nil {
		return &RemoteError{Remote: c.Remote.Name, Addr: c.Remote.Addr, Op: op, Path: path, Status: r.status,
			Err: fmt.Errorf("%w: the body is not the JSON the KV API documents (a proxy's error page?)", ErrBadResponse)}
	}
	return nil
}

func (c *Client) remoteErr(op, path string, r *reply, err error) *RemoteError {
	e := &RemoteError{Remote: c.Remote.Name, Addr: c.Remote.Addr, Op: op, Path: path, Err: err}
	if r != nil {
		e.Status, e.Errors = r.status, r.errs
	}
	return e
}

// send makes one request, with retries where they help: connection
// errors, timeouts of one attempt, 429 and 5xx (not 501). Any other
// status is returned as a reply for the caller to judge, except that a
// 403 first checks whether the token as a whole is gone. After the
// retries, or when the server refuses connections, the client is marked
// unreachable and later requests fail at once: a sync against a dead
// server stops rather than timing out path by path.
func (c *Client) send(ctx context.Context, op, method, path string, query url.Values, body any) (*reply, error) {
	c.mu.Lock()
	fatal := c.fatal
	c.mu.Unlock()
	if fatal != nil {
		return nil, c.notSent(op, path, fatal)
	}
	if err := c.maybeRenew(ctx); err != nil {
		return nil, err
	}
	var lastErr error
	var last *reply
	for attempt := 0; attempt < c.opts.Attempts; attempt++ {
		if attempt > 0 {
			if err := c.sleep(ctx, attempt, last); err != nil {
				return nil, c.remoteErr(op, path, last, err)
			}
		}
		r, err := c.attempt(ctx, method, path, query, body)
		if ctx.Err() != nil {
			return nil, c.remoteErr(op, path, nil, ctx.Err())
		}
		var re *RedirectError
		switch {
		case errors.As(err, &re):
			return nil, c.remoteErr(op, path, nil, re)
		case err != nil:
			lastErr, last = fmt.Errorf("%w: %v", ErrUnreachable, err), nil
			if errors.Is(err, context.DeadlineExceeded) {
				// The attempt's own timeout (ctx is still live).
				lastErr = fmt.Errorf("%w: no answer within %s (tried %d times)", ErrUnreachable, c.opts.Timeout, attempt+1)
			}
			if isRefused(err) {
				// Nothing listens: retrying at once will not help, but
				// the server may be restarting, so still back off.
				lastErr = fmt.Errorf("%w: connection refused", ErrUnreachable)
			}
			continue
		case r.status == 429 || (r.status >= 500 && r.status != 501):
			lastErr, last = nil, r
			continue
		}
		c.mu.Lock()
		c.consecutive = 0
		c.mu.Unlock()
		if r.status == 403 && method != "" && !strings.HasPrefix(path, "auth/") && !policyRefusal(r) {
			if err := c.checkAuth(ctx); err != nil {
				return nil, err
			}
		}
		return r, nil
	}
	if lastErr == nil {
		return nil, c.remoteErr(op, path, last, fmt.Errorf("%w: server error after %d attempts", ErrBadResponse, c.opts.Attempts))
	}
	err := c.remoteErr(op, path, nil, lastErr)
	c.mu.Lock()
	c.consecutive++
	if isRefused(lastErr) || strings.HasSuffix(lastErr.Error(), "connection refused") || c.consecutive >= 3 {
		if c.fatal == nil {
			c.fatal = err
		}
	}
	c.mu.Unlock()
	return nil, err
}

// notSent is the error of a request not sent because the client stopped
// (fatal): it names this request, not the one that stopped the client,
// and wraps the same cause.
func (c *Client) notSent(op, path string, fatal error) error {
	var re *RemoteError
	if errors.As(fatal, &re) {
		return c.remoteErr(op, path, nil, fmt.Errorf("not sent: %w", re.Err))
	}
	return fatal // a LoginError names the remote, not a path
}

func isRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED)
}

func (c *Client) sleep(ctx context.Context, attempt int, last *reply) error {
	d := c.opts.MinBackoff << (attempt - 1)
	if d > c.opts.MaxBackoff || d <= 0 {
		d = c.opts.MaxBackoff
	}
	d = d/2 + rand.N(d/2+1) // jitter, and never less than half
	if last != nil && (last.status == 429 || last.status == 503) {
		if ra, err := strconv.Atoi(last.header("Retry-After")); err == nil && ra > 0 {
			d = min(time.Duration(ra)*time.Second, c.opts.MaxBackoff)
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// attempt sends one request with its own timeout and reads the whole body.
func (c *Client) attempt(ctx context.Context, method, path string, query url.Values, body any) (*reply, error) {
	c.requests.Add(1)
	actx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	return roundTrip(actx, c.http, c.base, kvRequest{
		method: method, path: path, query: query, body: body,
		token: c.token.Reveal(), namespace: c.Remote.Namespace,
	})
}

// tokenInfo is the part of auth/token/lookup-self ward uses.
type tokenInfo struct {
	Data struct {
		TTL         int64 `json:"ttl"`
		CreationTTL int64 `json:"creation_ttl"`
		Renewable   bool  `json:"renewable"`
	} `json:"data"`
}

// errLookupDenied means the token is good but its policies do not allow
// auth/token/lookup-self (a token without the "default" policy): its
// expiry cannot be known.
var errLookupDenied = errors.New("the token may not look itself up")

// policyRefusal tells the server's two kinds of 403 apart: a token it
// does not know (expired, revoked, never issued) gets the bare
// "permission denied" (Vault 1.17+ also "invalid token"), a request a
// valid token's policies refuse gets that text wrapped as a go-multierror
// list, "1 error occurred:\n\t* permission denied\n\n" (checked against
// Vault 1.15.6; kvtest answers the same).
func policyRefusal(r *reply) bool {
	for _, e := range r.errs {
		if strings.Contains(e, "* permission denied") {
			return true
		}
	}
	return false
}

// lookupSelf asks the server about the token: its TTL for a token that is
// good, a *LoginError when the token is refused, errLookupDenied when the
// token is good but may not look itself up.
func (c *Client) lookupSelf(ctx context.Context) (*tokenInfo, error) {
	r, err := c.attempt(ctx, "GET", "auth/token/lookup-self", nil, nil)
	if err != nil {
		return nil, c.remoteErr("look up token", "auth/token/lookup-self", nil, classifyTransport(err))
	}
	switch {
	case r.status == 403 && policyRefusal(r):
		return nil, errLookupDenied
	case r.status == 403 || r.status == 401:
		return nil, &LoginError{Remote: c.Remote.Name, Reason: "the server refused the token (expired, revoked or unknown)"}
	case r.status == 503:
		// Sealed, or standing by: the server is there but not serving.
		return nil, c.remoteErr("look up token", "auth/token/lookup-self", r, fmt.Errorf("%w: the server is not serving (sealed?)", ErrUnreachable))
	case r.status != 200:
		// No Vault API here (a 404 from another web server), or a
		// server that misbehaves.
		return nil, c.remoteErr("look up token", "auth/token/lookup-self", r, fmt.Errorf("%w: not the Vault API answering as it should", ErrBadResponse))
	}
	var ti tokenInfo
	if err := r.decode(c, "look up token", "auth/token/lookup-self", &ti); err != nil {
		return nil, err
	}
	return &ti, nil
}

func classifyTransport(err error) error {
	var re *RedirectError
	if errors.As(err, &re) {
		return re
	}
	if isRefused(err) {
		return fmt.Errorf("%w: connection refused", ErrUnreachable)
	}
	return fmt.Errorf("%w: %v", ErrUnreachable, err)
}

// checkToken looks the token up at connect time and renews it if it is
// renewable and close to expiry.
func (c *Client) checkToken(ctx context.Context) error {
	var ti *tokenInfo
	var err error
	for attempt := 0; attempt < c.opts.Attempts; attempt++ {
		if attempt > 0 {
			if serr := c.sleep(ctx, attempt, nil); serr != nil {
				return serr
			}
		}
		ti, err = c.lookupSelf(ctx)
		if err == nil || !errors.Is(err, ErrUnreachable) {
			break
		}
	}
	if errors.Is(err, errLookupDenied) {
		c.Warnings = append(c.Warnings, fmt.Sprintf("remote %s: the token's policies do not allow auth/token/lookup-self (no \"default\" policy?): ward cannot see when it expires and will not renew it", c.Remote.Name))
		return nil
	}
	if err != nil {
		return err
	}
	c.mu.Lock()
	now := c.opts.now()
	c.renewable = ti.Data.Renewable
	if ti.Data.TTL > 0 {
		c.expire = now.Add(time.Duration(ti.Data.TTL) * time.Second)
		c.lease = time.Duration(max(ti.Data.CreationTTL, ti.Data.TTL)) * time.Second
	}
	c.authChecked = now
	c.mu.Unlock()
	if ti.Data.TTL > 0 && !ti.Data.Renewable && time.Duration(ti.Data.TTL)*time.Second < c.opts.RenewBelow {
		c.Warnings = append(c.Warnings, fmt.Sprintf("remote %s: the token expires in %s and cannot be renewed; log in again soon: ward remote login %s",
			c.Remote.Name, time.Duration(ti.Data.TTL)*time.Second, c.Remote.Name))
	}
	return c.maybeRenew(ctx)
}

// maybeRenew renews a renewable token when less than RenewBelow, and less
// than half its lease, is left: a short-lived token stays alive through a
// long sync without a renewal per request. A renewal that no longer
// extends the token (its max TTL reached) is the last one. Concurrent
// callers do not wait for it.
func (c *Client) maybeRenew(ctx context.Context) error {
	c.mu.Lock()
	left := c.expire.Sub(c.opts.now())
	if !c.renewable || c.expire.IsZero() || c.renewing || left >= min(c.opts.RenewBelow, c.lease/2) {
		c.mu.Unlock()
		return nil
	}
	c.renewing = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.renewing = false
		c.mu.Unlock()
	}()
	r, err := c.attempt(ctx, "PUT", "auth/token/renew-self", nil, map[string]any{})
	if err != nil {
		return nil // the request that follows reports the network
	}
	switch {
	case r.status == 403 && !policyRefusal(r):
		return c.setFatal(&LoginError{Remote: c.Remote.Name, Reason: "the token expired or was revoked"})
	case r.status != 200:
		// Not renewable after all (a policy without renew-self): carry
		// on until it runs out, then the operator logs in again.
		c.mu.Lock()
		c.renewable = false
		c.mu.Unlock()
		return nil
	}
	var out struct {
		Auth struct {
			LeaseDuration int64 `json:"lease_duration"`
			Renewable     bool  `json:"renewable"`
		} `json:"auth"`
	}
	if err := r.decode(c, "renew token", "auth/token/renew-self", &out); err != nil {
		return nil
	}
	lease := time.Duration(out.Auth.LeaseDuration) * time.Second
	c.mu.Lock()
	expire := c.opts.now().Add(lease)
	// Capped by the max TTL: later renewals cannot extend it either.
	c.renewable = out.Auth.Renewable && expire.Sub(c.expire) > time.Second
	c.expire, c.lease = expire, lease
	c.mu.Unlock()
	return nil
}

func (c *Client) setFatal(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fatal == nil {
		c.fatal = err
	}
	return c.fatal
}

// checkAuth tells a dead token from a path refused by policy, after a
// 403 that does not say which (see policyRefusal): it looks the token up.
// A token that is gone stops the client with a LoginError.
func (c *Client) checkAuth(ctx context.Context) error {
	if f := c.Fatal(); f != nil {
		return f
	}
	_, err := c.lookupSelf(ctx)
	var le *LoginError
	if errors.As(err, &le) {
		return c.setFatal(le)
	}
	return nil
}

// Fatal returns the error that stopped the client, if any: a LoginError
// or an unreachable server.
func (c *Client) Fatal() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fatal
}

// preflight checks the mount the way `vault kv` does
// (sys/internal/ui/mounts): KV, version 2, and the mount exactly.
func (c *Client) preflight(ctx context.Context) error {
	p := "sys/internal/ui/mounts/" + c.Remote.Mount
	r, err := c.send(ctx, "check mount", "GET", p, nil, nil)
	if err != nil {
		return err
	}
	switch r.status {
	case 200:
	case 403, 404:
		return &MountError{Remote: c.Remote.Name, Mount: c.Remote.Mount}
	default:
		return c.remoteErr("check mount", p, r, nil)
	}
	var out struct {
		Data struct {
			Type    string            `json:"type"`
			Path    string            `json:"path"`
			Options map[string]string `json:"options"`
		} `json:"data"`
	}
	if err := r.decode(c, "check mount", p, &out); err != nil {
		return err
	}
	d := out.Data
	if d.Type != "kv" || d.Options["version"] != "2" {
		typ := d.Type
		if typ == "" {
			typ = "unknown"
		}
		return &MountError{Remote: c.Remote.Name, Mount: c.Remote.Mount, Type: typ, Version: d.Options["version"]}
	}
	if got := strings.Trim(d.Path, "/"); got != "" && got != c.Remote.Mount {
		rest := strings.TrimPrefix(strings.TrimPrefix(c.Remote.Mount, got), "/")
		return fmt.Errorf("remote %s: the KV mount is %q, not %q: use --mount %s --prefix %s: %w",
			c.Remote.Name, got, c.Remote.Mount, got, strings.Trim(rest+"/"+c.Remote.Prefix, "/"), ErrNotKVv2)
	}
	return nil
}
