package sync

import (
	"encoding/pem"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/sync/kvtest"
)

type memTokens map[string]wcrypto.Secret

func (m memTokens) Get(a string) (wcrypto.Secret, error) {
	if v, ok := m[a]; ok {
		return v, nil
	}
	return wcrypto.Secret{}, wcrypto.ErrKeyringNotFound
}
func (m memTokens) Set(a string, v wcrypto.Secret) error { m[a] = v; return nil }
func (m memTokens) Delete(a string) error                { delete(m, a); return nil }

func TestRemotesAndLogin(t *testing.T) {
	t.Setenv("VAULT_TOKEN", "")
	srv := serve(t)
	approle, roleID, secretID := srv.approle(t, kvPolicy())
	ctx := tctx(t)
	s := newStore(t)
	r := testRemote(srv)
	must(t, AddRemote(ctx, s, r))
	if err := AddRemote(ctx, s, r); !errors.Is(err, ErrRemoteExists) {
		t.Fatalf("twice: %v", err)
	}
	ar := testRemote(srv)
	ar.Name, ar.AuthMethod, ar.RoleID, ar.AuthMount = "ci", AuthAppRole, roleID, approle
	must(t, AddRemote(ctx, s, ar))
	rs, err := ListRemotes(ctx, s)
	must(t, err)
	if len(rs) != 2 || rs[0].Name != "ci" || rs[1].Prefix != srv.prefix {
		t.Fatalf("%+v", rs)
	}

	toks := memTokens{}
	o := fastOpts("")
	o.Tokens = toks
	if _, err := Connect(ctx, s, "team", o); !errors.Is(err, ErrNoToken) || !strings.Contains(err.Error(), "ward remote login team") {
		t.Fatalf("no token: %v", err)
	}
	if _, err := Login(ctx, s, "team", LoginInput{Token: wcrypto.NewSecret("wrong")}, toks, o); !errors.Is(err, ErrLoginAgain) {
		t.Fatalf("bad token: %v", err)
	}
	_, err = Login(ctx, s, "team", LoginInput{Token: wcrypto.NewSecret(srv.RootToken())}, toks, o)
	must(t, err)
	c, err := Connect(ctx, s, "team", o)
	must(t, err)
	if c.TokenSource != TokenFromKeyring {
		t.Fatalf("source %s", c.TokenSource)
	}
	if _, err := Login(ctx, s, "ci", LoginInput{SecretID: wcrypto.NewSecret("nope")}, toks, o); !errors.Is(err, ErrLoginAgain) {
		t.Fatalf("bad secret id: %v", err)
	}
	res, err := Login(ctx, s, "ci", LoginInput{SecretID: wcrypto.NewSecret(secretID)}, toks, o)
	must(t, err)
	if res.TTL < 50*time.Minute || !res.Renewable {
		t.Fatalf("%+v", res)
	}
	if _, err := Connect(ctx, s, "ci", o); err != nil {
		t.Fatal(err)
	}

	// VAULT_TOKEN when nothing is stored.
	must(t, RemoveRemote(ctx, s, "ci", toks))
	must(t, AddRemote(ctx, s, ar))
	t.Setenv("VAULT_TOKEN", srv.RootToken())
	c, err = Connect(ctx, s, "ci", o)
	must(t, err)
	if c.TokenSource != TokenFromEnv {
		t.Fatalf("source %s", c.TokenSource)
	}
	must(t, RemoveRemote(ctx, s, "team", toks))
	if _, err := GetRemote(ctx, s, "team"); !errors.Is(err, ErrNoRemote) {
		t.Fatal(err)
	}
	if len(toks) != 0 {
		t.Fatalf("tokens left %v", len(toks))
	}
	if a := auditActions(t, s); a["remote-add"] != 3 || a["remote-rm"] != 2 || a["remote-login"] != 2 {
		t.Fatalf("audit %v", a)
	}
}

func TestSkipVerifyWarns(t *testing.T) {
	t.Setenv("VAULT_SKIP_VERIFY", "true")
	srv := serve(t)
	c := dial(t, srv)
	if len(c.Warnings) == 0 || !strings.Contains(c.Warnings[0], "verification is off") {
		t.Fatalf("warnings %v", c.Warnings)
	}
}

// VAULT_AGENT_ADDR must not redirect a remote: the token and the values go
// to the remote's own address, with a warning.
func TestAgentAddrIgnored(t *testing.T) {
	t.Setenv("VAULT_AGENT_ADDR", "http://127.0.0.1:1")
	srv := serve(t)
	c := dial(t, srv)
	if got := c.base.String(); got != srv.URL() {
		t.Fatalf("client talks to %s, want %s", got, srv.URL())
	}
	if !strings.Contains(strings.Join(c.Warnings, "\n"), "VAULT_AGENT_ADDR") {
		t.Fatalf("no warning: %v", c.Warnings)
	}
	s := newStore(t)
	set(t, s, "a", "value", "1")
	sum := apply(t, c, s, plan(t, c, s), ApplyOptions{})
	if sum.Pushed != 1 {
		t.Fatalf("%+v", sum)
	}
}

// TestTLSFromEnv: the VAULT_* TLS variables work the way the vault CLI
// reads them, and a bad one is a clear error, not a silent default. The
// double serves TLS in process.
func TestTLSFromEnv(t *testing.T) {
	srv := serveDouble(t, kvtest.Options{})
	ts := httptest.NewTLSServer(srv)
	t.Cleanup(ts.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	r := Remote{Name: "tls", Addr: ts.URL, Mount: "secret", Prefix: "team"}
	o := fastOpts(srv.RootToken())
	o.Attempts = 1

	t.Run("unknown authority", func(t *testing.T) {
		_, err := Dial(tctx(t), r, o)
		if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("VAULT_CACERT", func(t *testing.T) {
		t.Setenv("VAULT_CACERT", ca)
		c, err := Dial(tctx(t), r, o)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Warnings) != 0 {
			t.Fatalf("warnings: %v", c.Warnings)
		}
		s := newStore(t)
		set(t, s, "a", "value", "fake-tls-value")
		if sum := apply(t, c, s, plan(t, c, s), ApplyOptions{}); sum.Pushed != 1 {
			t.Fatalf("%+v", sum)
		}
	})
	t.Run("VAULT_CACERT_BYTES", func(t *testing.T) {
		t.Setenv("VAULT_CACERT_BYTES", string(pemBytes))
		if _, err := Dial(tctx(t), r, o); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("VAULT_CAPATH", func(t *testing.T) {
		t.Setenv("VAULT_CAPATH", filepath.Dir(ca))
		if _, err := Dial(tctx(t), r, o); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("VAULT_SKIP_VERIFY", func(t *testing.T) {
		t.Setenv("VAULT_SKIP_VERIFY", "1")
		c, err := Dial(tctx(t), r, o)
		if err != nil || len(c.Warnings) == 0 {
			t.Fatalf("%v, warnings %v", err, c.Warnings)
		}
	})
	for _, bad := range []struct{ env, val, want string }{
		{"VAULT_SKIP_VERIFY", "maybe", "want true or false"},
		{"VAULT_CACERT", "/nonexistent/ca.pem", "VAULT_CACERT"},
		{"VAULT_CACERT_BYTES", "not a certificate", "no PEM certificate"},
		{"VAULT_CLIENT_CERT", ca, "set both or neither"},
	} {
		t.Run(bad.env+"="+bad.val, func(t *testing.T) {
			t.Setenv(bad.env, bad.val)
			_, err := Dial(tctx(t), r, o)
			if err == nil || !strings.Contains(err.Error(), bad.want) {
				t.Fatalf("got %v, want %q", err, bad.want)
			}
		})
	}
}
