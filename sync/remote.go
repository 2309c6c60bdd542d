package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

// Auth methods.
const (
	AuthToken   = "token"
	AuthAppRole = "approle"
)

// remotesNS is the store state namespace holding remote definitions, one
// JSON Remote per name.
const remotesNS = "remotes"

// Remote is a configured remote vault: local path P syncs with
// <Mount>/data/<Prefix>/P on the server at Addr.
type Remote struct {
	Name       string `json:"name"`
	Addr       string `json:"addr"`
	Mount      string `json:"mount"`
	Prefix     string `json:"prefix,omitempty"`
	Namespace  string `json:"namespace,omitempty"`
	AuthMethod string `json:"auth_method"`       // AuthToken or AuthAppRole
	RoleID     string `json:"role_id,omitempty"` // AppRole only; not a secret by itself
	// AuthMount is where the AppRole method is mounted; empty: "approle".
	AuthMount string `json:"auth_mount,omitempty"`
}

// baseNS is the state namespace of a remote's sync bases.
func baseNS(remote string) string { return "sync:" + remote }

// Check validates and normalises r: a name of letters, digits, - and _;
// an http or https address; a mount; a prefix of clean path segments.
func (r *Remote) Check() error {
	if err := store.CheckName(r.Name); err != nil {
		return fmt.Errorf("remote name: %w", err)
	}
	u, err := url.Parse(r.Addr)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("remote %s: address %q must be http(s)://host[:port]", r.Name, r.Addr)
	}
	r.Addr = strings.TrimSuffix(r.Addr, "/")
	r.Mount = strings.Trim(r.Mount, "/")
	if r.Mount == "" {
		return fmt.Errorf("remote %s: no mount", r.Name)
	}
	r.Prefix = strings.Trim(r.Prefix, "/")
	if r.Prefix != "" {
		if _, err := store.CleanPath(r.Prefix); err != nil {
			return fmt.Errorf("remote %s: prefix: %w", r.Name, err)
		}
	}
	r.Namespace = strings.Trim(r.Namespace, "/")
	switch r.AuthMethod {
	case "":
		r.AuthMethod = AuthToken
	case AuthToken:
	case AuthAppRole:
		if r.RoleID == "" {
			return fmt.Errorf("remote %s: AppRole needs a role id", r.Name)
		}
	default:
		return fmt.Errorf("remote %s: unknown auth method %q (token or approle)", r.Name, r.AuthMethod)
	}
	return nil
}

// remotePath maps a local path to its KV path below the mount.
func (r *Remote) remotePath(local string) string {
	if r.Prefix == "" {
		return local
	}
	return r.Prefix + "/" + local
}

// AddRemote records a new remote. It fails with ErrRemoteExists if the name
// is taken. The change is audited.
func AddRemote(ctx context.Context, s *store.Store, r Remote) error {
	if err := r.Check(); err != nil {
		return err
	}
	if _, err := s.GetState(ctx, remotesNS, r.Name); err == nil {
		return fmt.Errorf("remote %s: %w", r.Name, ErrRemoteExists)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return s.UpdateState(ctx, []store.StateOp{{NS: remotesNS, Key: r.Name, Value: b}},
		store.Entry{Action: "remote-add", Detail: fmt.Sprintf("%s: %s mount %s prefix %q", r.Name, r.Addr, r.Mount, r.Prefix)})
}

// GetRemote returns the remote called name, or an error wrapping
// ErrNoRemote.
func GetRemote(ctx context.Context, s *store.Store, name string) (Remote, error) {
	b, err := s.GetState(ctx, remotesNS, name)
	if errors.Is(err, store.ErrNotFound) {
		return Remote{}, fmt.Errorf("remote %s: %w (see ward remote ls)", name, ErrNoRemote)
	}
	if err != nil {
		return Remote{}, err
	}
	var r Remote
	if err := json.Unmarshal(b, &r); err != nil {
		return Remote{}, fmt.Errorf("remote %s: stored definition is malformed: %w", name, store.ErrCorrupt)
	}
	return r, nil
}

// ListRemotes returns every remote, sorted by name.
func ListRemotes(ctx context.Context, s *store.Store) ([]Remote, error) {
	all, err := s.ListState(ctx, remotesNS)
	if err != nil {
		return nil, err
	}
	out := make([]Remote, 0, len(all))
	for name, b := range all {
		var r Remote
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("remote %s: stored definition is malformed: %w", name, store.ErrCorrupt)
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Remote) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// RemoveRemote forgets a remote, its sync bases and its stored token, in
// one audited transaction (the keyring item after it). Nothing on the
// server or in the local secrets changes.
func RemoveRemote(ctx context.Context, s *store.Store, name string, tokens TokenStore) error {
	if _, err := GetRemote(ctx, s, name); err != nil {
		return err
	}
	bases, err := s.ListState(ctx, baseNS(name))
	if err != nil {
		return err
	}
	ops := []store.StateOp{{NS: remotesNS, Key: name}}
	for k := range bases {
		ops = append(ops, store.StateOp{NS: baseNS(name), Key: k})
	}
	if err := s.UpdateState(ctx, ops, store.Entry{Action: "remote-rm", Detail: fmt.Sprintf("%s: %d sync bases dropped", name, len(bases))}); err != nil {
		return err
	}
	if tokens == nil {
		tokens = KeyringTokens{}
	}
	if err := tokens.Delete(TokenAccount(s.ID(), name)); err != nil && !errors.Is(err, wcrypto.ErrKeyringNotFound) {
		return fmt.Errorf("remote %s removed, but its token could not be removed from the keyring: %w", name, err)
	}
	return nil
}

// TokenStore keeps remote tokens. KeyringTokens is the real one; tests use
// a map.
type TokenStore interface {
	Get(account string) (wcrypto.Secret, error) // error wrapping wcrypto.ErrKeyringNotFound if absent
	Set(account string, token wcrypto.Secret) error
	Delete(account string) error
}

// KeyringTokens keeps tokens in the OS keyring under service "ward".
type KeyringTokens struct{}

// Get reads a token.
func (KeyringTokens) Get(account string) (wcrypto.Secret, error) {
	v, err := wcrypto.KeyringGet(account)
	return wcrypto.NewSecret(v), err
}

// Set stores a token.
func (KeyringTokens) Set(account string, token wcrypto.Secret) error {
	return wcrypto.KeyringSet(account, token.Reveal())
}

// Delete removes a token; a missing one is not an error.
func (KeyringTokens) Delete(account string) error { return wcrypto.KeyringDelete(account) }

// TokenAccount is the keyring account of a remote's token.
func TokenAccount(storeID, remote string) string { return "remote:" + storeID + ":" + remote }

// TokenSource says where a token came from, for `ward remote ls` and the
// diagnostics; never the token itself.
type TokenSource string

// Token sources, in the order they are tried.
const (
	TokenFromOptions TokenSource = "given"
	TokenFromKeyring TokenSource = "keyring"
	TokenFromEnv     TokenSource = "VAULT_TOKEN"
	TokenFromFile    TokenSource = "~/.vault-token"
)

// findToken looks for a remote's token: the OS keyring (what `ward remote
// login` stored for this remote), then VAULT_TOKEN, then ~/.vault-token,
// as the vault CLI reads them. The keyring comes first because it was
// stored for this remote; the environment may be meant for another server.
func findToken(storeID, name string, tokens TokenStore) (wcrypto.Secret, TokenSource, error) {
	if tokens == nil {
		tokens = KeyringTokens{}
	}
	var kerr error
	t, err := tokens.Get(TokenAccount(storeID, name))
	switch {
	case err == nil && !t.IsZero():
		return t, TokenFromKeyring, nil
	case err != nil && !errors.Is(err, wcrypto.ErrKeyringNotFound):
		kerr = err
	}
	if v := strings.TrimSpace(os.Getenv("VAULT_TOKEN")); v != "" {
		return wcrypto.NewSecret(v), TokenFromEnv, nil
	}
	if home, err := os.UserHomeDir(); err == nil {
		if b, err := os.ReadFile(filepath.Join(home, ".vault-token")); err == nil {
			if v := strings.TrimSpace(string(b)); v != "" {
				return wcrypto.NewSecret(v), TokenFromFile, nil
			}
		}
	}
	if kerr != nil {
		return wcrypto.Secret{}, "", fmt.Errorf("remote %s: %w (%v, and no VAULT_TOKEN or ~/.vault-token): log in with: ward remote login %s", name, ErrNoToken, kerr, name)
	}
	return wcrypto.Secret{}, "", fmt.Errorf("remote %s: %w: log in with: ward remote login %s", name, ErrNoToken, name)
}
