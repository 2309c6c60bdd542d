package sync

import (
	"context"
	"errors"
	"fmt"
	"time"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

// LoginInput is what `ward remote login` read from stdin or a prompt.
type LoginInput struct {
	Token    wcrypto.Secret // token method
	SecretID wcrypto.Secret // AppRole method (the role id is in the Remote)
}

// LoginResult describes the token now stored; never the token itself.
type LoginResult struct {
	TTL       time.Duration // 0: no expiry (or unknown, see TTLUnknown)
	Renewable bool
	// TTLUnknown: the token's policies do not let it look itself up, so
	// its TTL is not known (a warning says so).
	TTLUnknown bool
	Warnings   []string
}

// Login checks credentials against the server and keeps the resulting
// token in tokens (nil: the OS keyring) for remote name. With AppRole it
// exchanges role id and secret id for a token; the secret id is not kept.
// Errors wrap ErrLoginAgain for refused credentials, ErrUnreachable,
// ErrNotKVv2, or the keyring's error.
func Login(ctx context.Context, s *store.Store, name string, in LoginInput, tokens TokenStore, o ConnectOptions) (*LoginResult, error) {
	r, err := GetRemote(ctx, s, name)
	if err != nil {
		return nil, err
	}
	if tokens == nil {
		tokens = KeyringTokens{}
	}
	tok := in.Token
	if r.AuthMethod == AuthAppRole {
		if tok, err = approleLogin(ctx, r, in.SecretID, o); err != nil {
			return nil, err
		}
	}
	if tok.IsZero() {
		return nil, fmt.Errorf("remote %s: no token given", name)
	}
	o.Token = tok
	c, err := Dial(ctx, r, o)
	if err != nil {
		return nil, err
	}
	ti, err := c.lookupSelf(ctx)
	unknown := errors.Is(err, errLookupDenied)
	if err != nil && !unknown {
		return nil, err
	}
	if unknown {
		ti = &tokenInfo{}
	}
	if err := tokens.Set(TokenAccount(s.ID(), name), tok); err != nil {
		return nil, fmt.Errorf("remote %s: keep the token: %w", name, err)
	}
	if err := s.Record(ctx, store.Entry{Action: "remote-login", Detail: fmt.Sprintf("%s: %s", name, r.AuthMethod)}); err != nil {
		return nil, err
	}
	return &LoginResult{TTL: time.Duration(ti.Data.TTL) * time.Second, Renewable: ti.Data.Renewable, TTLUnknown: unknown, Warnings: c.Warnings}, nil
}

func approleLogin(ctx context.Context, r Remote, secretID wcrypto.Secret, o ConnectOptions) (wcrypto.Secret, error) {
	if secretID.IsZero() {
		return wcrypto.Secret{}, fmt.Errorf("remote %s: AppRole login needs a secret id on stdin", r.Name)
	}
	c, err := newClient(r, o)
	if err != nil {
		return wcrypto.Secret{}, err
	}
	mount := r.AuthMount
	if mount == "" {
		mount = "approle"
	}
	p := "auth/" + mount + "/login"
	rep, err := c.send(ctx, "log in", "PUT", p, nil, map[string]any{"role_id": r.RoleID, "secret_id": secretID.Reveal()})
	if err != nil {
		return wcrypto.Secret{}, err
	}
	if rep.status == 400 || rep.status == 403 {
		// The server's messages ("invalid role or secret ID") hold no
		// credential; keep them.
		return wcrypto.Secret{}, &LoginError{Remote: r.Name, Reason: "AppRole login refused: " + joinErrs(rep.errs)}
	}
	if rep.status != 200 {
		return wcrypto.Secret{}, c.statusErr("log in", p, rep)
	}
	var out struct {
		Auth struct {
			ClientToken string `json:"client_token"`
		} `json:"auth"`
	}
	if err := rep.decode(c, "log in", p, &out); err != nil {
		return wcrypto.Secret{}, err
	}
	if out.Auth.ClientToken == "" {
		return wcrypto.Secret{}, c.remoteErr("log in", p, rep, errors.New("no token in the answer"))
	}
	return wcrypto.NewSecret(out.Auth.ClientToken), nil
}

func joinErrs(es []string) string {
	if msg := serverMessage(es); msg != "" {
		return msg
	}
	return "no reason given"
}
