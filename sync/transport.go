package sync

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The HTTP side of the client: the part of the Vault API's client
// conventions ward needs, on net/http. The requests are the documented
// ones (https://developer.hashicorp.com/vault/api-docs): JSON bodies,
// X-Vault-Token, X-Vault-Namespace, X-Vault-Request, LIST as GET with
// list=true, JSON merge patch for PATCH, {"errors": […]} on failure.
//
// Why not github.com/hashicorp/vault/api: linking it costs every ward
// command, `ward get` included, about 1.3 ms of process start (its package
// initialisation compiles 38 regular expressions, and it pulls in hcl,
// go-jose and go-sockaddr), a third of a `ward get`; the issue's "5 ×
// faster than pass show" floor cannot be met with it linked. What ward
// used of it was the raw request methods: the retries, redirects, token
// renewal and error mapping were ward's own already (client.go). The
// official client remains the independent client of the kvtest
// conformance suite.

// maxBody bounds what ward reads of one answer.
const maxBody = 64 << 20

// tlsFromEnv reads the TLS settings the vault CLI reads: VAULT_CACERT,
// VAULT_CACERT_BYTES, VAULT_CAPATH, VAULT_CLIENT_CERT and
// VAULT_CLIENT_KEY, VAULT_TLS_SERVER_NAME, VAULT_SKIP_VERIFY.
func tlsFromEnv() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	var pool *x509.CertPool
	addPEM := func(what string, b []byte) error {
		if pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(b) {
			return fmt.Errorf("%s holds no PEM certificate", what)
		}
		return nil
	}
	if f := os.Getenv("VAULT_CACERT"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("VAULT_CACERT: %w", err)
		}
		if err := addPEM("VAULT_CACERT "+f, b); err != nil {
			return nil, err
		}
	}
	if v := os.Getenv("VAULT_CACERT_BYTES"); v != "" {
		if err := addPEM("VAULT_CACERT_BYTES", []byte(v)); err != nil {
			return nil, err
		}
	}
	if dir := os.Getenv("VAULT_CAPATH"); dir != "" && os.Getenv("VAULT_CACERT") == "" {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("VAULT_CAPATH: %w", err)
		}
		for _, e := range ents {
			if e.IsDir() {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				return nil, fmt.Errorf("VAULT_CAPATH: %w", err)
			}
			_ = addPEM(e.Name(), b) // like the vault CLI: files that are not certificates are passed over
		}
		if pool == nil {
			return nil, fmt.Errorf("VAULT_CAPATH %s holds no PEM certificate", dir)
		}
	}
	cfg.RootCAs = pool // nil: the system's roots
	cert, key := os.Getenv("VAULT_CLIENT_CERT"), os.Getenv("VAULT_CLIENT_KEY")
	switch {
	case cert != "" && key != "":
		c, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("VAULT_CLIENT_CERT and VAULT_CLIENT_KEY: %w", err)
		}
		cfg.Certificates = []tls.Certificate{c}
	case cert != "" || key != "":
		return nil, errors.New("VAULT_CLIENT_CERT and VAULT_CLIENT_KEY go together: set both or neither")
	}
	cfg.ServerName = os.Getenv("VAULT_TLS_SERVER_NAME")
	if v := os.Getenv("VAULT_SKIP_VERIFY"); v != "" {
		skip, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("VAULT_SKIP_VERIFY=%q: want true or false", v)
		}
		cfg.InsecureSkipVerify = skip
	}
	return cfg, nil
}

// newHTTPClient returns a keep-alive client with at most workers idle
// connections to the server, that hands redirects back instead of
// following them (guardTransport refuses one to another host).
func newHTTPClient(tlsCfg *tls.Config, workers int, timeout time.Duration, host string) *http.Client {
	tr := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   min(timeout, 30*time.Second),
			KeepAlive: 30 * time.Second,
		}).DialContext,
		TLSClientConfig:       tlsCfg,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          2 * workers,
		MaxIdleConnsPerHost:   workers,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{
		Transport:     &guardTransport{base: tr, host: host},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// kvRequest is one request to the API, relative to /v1/.
type kvRequest struct {
	method    string // GET, LIST, PUT, POST, DELETE, PATCH
	path      string
	query     url.Values
	body      any // marshalled to JSON; nil: no body
	token     string
	namespace string
}

// roundTrip sends one request and reads the whole answer. It returns an
// error only when no answer came (the network, a refused redirect); every
// status is a reply, with the API's error list read from a 4xx or 5xx.
func roundTrip(ctx context.Context, hc *http.Client, base *url.URL, rq kvRequest) (*reply, error) {
	u := *base
	u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/" + strings.TrimPrefix(rq.path, "/")
	u.RawPath = ""
	q := url.Values{}
	for k, v := range rq.query {
		q[k] = v
	}
	method := rq.method
	if method == "LIST" {
		method = "GET"
		q.Set("list", "true")
	}
	u.RawQuery = q.Encode()
	var body io.Reader
	if rq.body != nil {
		b, err := json.Marshal(rq.body)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if rq.body != nil {
		ct := "application/json"
		if method == "PATCH" {
			ct = "application/merge-patch+json"
		}
		req.Header.Set("Content-Type", ct)
	}
	// Vault refuses requests from browsers without it on some endpoints;
	// every client sends it.
	req.Header.Set("X-Vault-Request", "true")
	if rq.token != "" {
		req.Header.Set("X-Vault-Token", rq.token)
	}
	if rq.namespace != "" {
		req.Header.Set("X-Vault-Namespace", rq.namespace)
	}
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			// url.Error repeats the whole URL; the callers name the
			// remote and the path themselves.
			err = ue.Err
		}
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		// A body cut short is a network failure, worth a retry.
		return nil, err
	}
	r := &reply{status: resp.StatusCode, body: b, hdr: resp.Header}
	if r.status >= 400 {
		var e struct {
			Errors []string `json:"errors"`
		}
		if json.Unmarshal(b, &e) == nil {
			r.errs = e.Errors
		}
	}
	return r, nil
}
