package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"unicode/utf8"

	"filippo.io/age"

	"github.com/opsward/ward/agent"
	wcrypto "github.com/opsward/ward/crypto"
)

// Prompter asks the person at the terminal for a passphrase without echo.
// Confirm asks twice and insists the answers match. A nil Prompter means
// nobody can be asked (no TTY): whatever needs a passphrase fails instead.
type Prompter interface {
	Passphrase(prompt string, confirm bool) (string, error)
}

// CheckingPrompter is a Prompter that can check a new passphrase before
// asking for it again, and ask anew when check refuses it (said on the
// terminal): a short one is then refused after one typing, not two.
type CheckingPrompter interface {
	NewPassphrase(prompt string, check func(string) error) (string, error)
}

// Credentials are the ways a store may be unlocked, tried in order: the
// given identity files, then the store's own identity where its header says
// it lives (OS keyring, or passphrase-protected identity file).
type Credentials struct {
	IdentityFiles []string
	Prompter      Prompter
	// NoCache skips the session cache (see wcrypto.CacheGet) both ways.
	NoCache bool
	// CacheOnly unlocks from the session cache or the agent, or fails
	// with ErrNotCached: no keyring, no file, no prompt (shell completion
	// must neither wait nor ask).
	CacheOnly bool
}

// ErrNotCached: Credentials.CacheOnly and the key is in neither the
// session cache nor the agent.
var ErrNotCached = errors.New("the store's key is not in the session cache or the agent")

// ErrNeedPassphrase is returned when a passphrase is needed but nobody can
// be asked.
var ErrNeedPassphrase = errors.New("a passphrase is needed and there is no terminal to ask it on")

// UnlockWith unlocks s with c. Errors wrap ErrWrongKey (the identities
// given are not recipients, or a wrong passphrase), wcrypto.ErrKeyringUnavailable,
// or ErrNeedPassphrase.
//
// Without identity files, the session cache is tried first, and a key
// unlocked from the keyring or a passphrase is cached for the next call.
// Identity files bypass the cache: whoever holds the file needs no cache,
// and a script's --identity should not leave a key behind in the session.
func (s *Store) UnlockWith(ctx context.Context, c Credentials) error {
	useCache := len(c.IdentityFiles) == 0 && !c.NoCache
	if useCache {
		if k, tag, ok := wcrypto.CacheGet(s.id); ok {
			// The tag names the key envelope the key came out of: the
			// same envelope holds the same key, and a re-key or a new
			// recipient changes it. So no read of the store is needed
			// here; the first transaction still checks the key (see
			// checkKey) against damage or a forged cache entry.
			if bytes.Equal(tag, s.envelopeTag()) {
				s.keys = wcrypto.NewKeys(k)
				s.keyUnchecked = true
				s.cached = true
				return nil
			}
			wcrypto.CacheDrop(s.id) // stale: the store was re-keyed
		}
		// Not copied into the session cache: the agent's idle timeout
		// (WARD_AGENT_IDLE) is the lock the operator chose with
		// `ward unlock`, and a cache entry would outlive it.
		if s.unlockFromAgent(ctx) {
			return nil
		}
	}
	if c.CacheOnly {
		return fmt.Errorf("unlock store %s: %w", s.Name, ErrNotCached)
	}
	ids, err := s.identities(c)
	if err != nil {
		return fmt.Errorf("unlock store %s: %w", s.Name, err)
	}
	if err := s.Unlock(ids...); err != nil {
		return err
	}
	for _, id := range ids {
		if x, ok := id.(*age.X25519Identity); ok {
			s.identity = x
			break
		}
	}
	if useCache {
		wcrypto.CachePut(s.id, s.envelopeTag(), s.keys.Data)
		s.cached = true
	}
	return nil
}

// recache puts the data key back in the session cache under the current
// envelope after a change of recipients, when the cache held it before:
// the session stays unlocked, as it was, instead of asking again.
func (s *Store) recache() {
	if s.cached {
		wcrypto.CachePut(s.id, s.envelopeTag(), s.keys.Data)
	}
}

// UnlockFromAgent unlocks s from a running agent (see `ward unlock`) and
// reports whether it could; nothing else is tried.
func (s *Store) UnlockFromAgent(ctx context.Context) bool { return s.unlockFromAgent(ctx) }

// unlockFromAgent asks a running agent (see `ward unlock`) for the store's
// data key or identity. Any trouble with the agent means falling back to
// the other ways, silently: an agent is a convenience.
func (s *Store) unlockFromAgent(ctx context.Context) bool {
	e, c, ok := s.agentEntry(ctx)
	if !ok {
		return false
	}
	defer c.Close()
	if !e.DataKey.IsZero() && s.UnlockWithKey(ctx, e.DataKey.Reveal()) == nil {
		return true
	}
	// The key no longer fits (the store was re-keyed): the identity still
	// opens the new envelope.
	if e.Identity.IsZero() {
		return false
	}
	id, err := wcrypto.ParseIdentity(e.Identity.Reveal())
	if err != nil || s.Unlock(id) != nil {
		return false
	}
	s.identity = id
	_ = c.Put(ctx, s.id, agent.Entry{Identity: e.Identity, DataKey: agent.NewKey(s.keys.Data)})
	return true
}

// agentEntry is what a running agent holds for the store, and the client
// it came by (the caller closes it); false on any trouble with the agent
// (a convenience: the other ways are tried then).
func (s *Store) agentEntry(ctx context.Context) (agent.Entry, *agent.Client, bool) {
	c, err := agent.Dial("")
	if err != nil {
		return agent.Entry{}, nil, false
	}
	e, err := c.Get(ctx, s.id)
	if err != nil {
		c.Close()
		return agent.Entry{}, nil, false
	}
	return e, c, true
}

// HandToAgent gives the store's identity and data key to the agent,
// starting it if needed (exe is this program, which must run agent.Main
// for agent.AgentCommand). The store must have been unlocked with an age
// X25519 identity in this process.
func (s *Store) HandToAgent(ctx context.Context, exe string) error {
	if s.keys == nil {
		return errNotUnlocked
	}
	e := agent.Entry{DataKey: agent.NewKey(s.keys.Data)}
	if s.identity != nil {
		e.Identity = wcrypto.NewSecret(s.identity.String())
	}
	if err := agent.Start(exe, ""); err != nil {
		return fmt.Errorf("start agent: %w", err)
	}
	c, err := agent.Dial("")
	if err != nil {
		return fmt.Errorf("reach agent: %w", err)
	}
	defer c.Close()
	if err := c.Put(ctx, s.id, e); err != nil {
		return fmt.Errorf("hand store %s to the agent: %w", s.Name, err)
	}
	return nil
}

// LockSession forgets every store's keys held for this login session: the
// agent's and the kernel keyring cache's. It reports what it found.
func LockSession(ctx context.Context) (agentHeld, cacheDropped int, err error) {
	// Every store's cached key, not only those under this WARD_HOME.
	cacheDropped = wcrypto.CacheDropAll()
	c, err := agent.Dial("")
	if errors.Is(err, agent.ErrNotRunning) {
		return 0, cacheDropped, nil
	}
	if err != nil {
		return 0, cacheDropped, err
	}
	defer c.Close()
	st, err := c.Status(ctx)
	if err != nil {
		return 0, cacheDropped, err
	}
	return st.Stores, cacheDropped, c.Lock(ctx)
}

// OwnIdentities reads the store's own identity where its header says it
// lives: the OS keyring, or the passphrase-protected identity file (p asks
// for the passphrase). It is what opens a ward export made to the store's
// recipients. A store whose identity is kept outside ward has none to give
// (ErrNeedIdentity).
func (s *Store) OwnIdentities(ctx context.Context, p Prompter) ([]age.Identity, error) {
	// A store handed to the agent (`ward unlock`): its identity is there,
	// so nothing is asked (a script after unlock has no terminal).
	if id := s.agentIdentity(ctx); id != nil {
		return []age.Identity{id}, nil
	}
	return s.identities(Credentials{Prompter: p})
}

// agentIdentity is the store's identity as a running agent holds it, or
// nil: any trouble with the agent means the other ways are tried.
func (s *Store) agentIdentity(ctx context.Context) *age.X25519Identity {
	e, c, ok := s.agentEntry(ctx)
	if !ok {
		return nil
	}
	c.Close()
	if e.Identity.IsZero() {
		return nil
	}
	id, err := wcrypto.ParseIdentity(e.Identity.Reveal())
	if err != nil {
		return nil
	}
	return id
}

func (s *Store) identities(c Credentials) ([]age.Identity, error) {
	if len(c.IdentityFiles) > 0 {
		var ids []age.Identity
		for _, f := range c.IdentityFiles {
			got, err := wcrypto.ReadIdentityFile(f, askFunc(c.Prompter, "passphrase for identity file "+f))
			if err != nil {
				return nil, err
			}
			ids = append(ids, got...)
		}
		return ids, nil
	}
	switch s.mode {
	case IdentityKeyring:
		v, err := wcrypto.KeyringGet(s.KeyringUser())
		if errors.Is(err, wcrypto.ErrKeyringNotFound) {
			return nil, fmt.Errorf("its identity is not in the OS keyring (service %q, account %q): restore it, or unlock with --identity FILE", wcrypto.KeyringService, s.KeyringUser())
		}
		if err != nil {
			return nil, fmt.Errorf("its identity is in the OS keyring: %w", err)
		}
		id, err := wcrypto.ParseIdentity(v)
		if err != nil {
			return nil, fmt.Errorf("the OS keyring item %q does not hold an age identity", s.KeyringUser())
		}
		return []age.Identity{id}, nil
	case IdentityFile:
		f := IdentityFileFor(s.File)
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read its identity file: %w", err)
		}
		pass := askFunc(c.Prompter, "passphrase for store "+s.Name)
		tries := 1
		rp, retry := c.Prompter.(RetryPrompter)
		if retry {
			tries = PassphraseTries
		}
		for try := 1; ; try++ {
			ids, err := wcrypto.ParseIdentities(f, b, pass)
			if !errors.Is(err, wcrypto.ErrWrongKey) {
				return ids, err
			}
			if try == tries {
				return nil, wrongPassphraseError{f}
			}
			rp.WrongPassphrase(tries - try)
		}
	default:
		return nil, fmt.Errorf("its identity is kept outside ward: unlock with --identity FILE: %w", ErrNeedIdentity)
	}
}

// PassphraseTries is how often a RetryPrompter is asked for a store's
// passphrase before ward gives up (as sudo and ssh do).
const PassphraseTries = 3

// RetryPrompter is a Prompter on a terminal: after a wrong passphrase it
// says so (left more tries) and is asked again.
type RetryPrompter interface {
	Prompter
	WrongPassphrase(left int)
}

// wrongPassphraseError is ErrWrongKey for an identity file, said once
// ("wrong passphrase for F: wrong key" said it twice).
type wrongPassphraseError struct{ file string }

func (e wrongPassphraseError) Error() string     { return "wrong passphrase for " + e.file }
func (e wrongPassphraseError) Is(err error) bool { return err == ErrWrongKey }

// MinPassphrase is the fewest characters a new store's passphrase may
// have. The identity file it protects can be copied and attacked offline
// (age's scrypt slows each guess; it cannot make a short passphrase long).
const MinPassphrase = 8

// ErrWeakPassphrase: a new passphrase that is empty or too short.
var ErrWeakPassphrase = errors.New("passphrase too weak")

// CheckNewPassphrase refuses an empty or short passphrase for a new store.
func CheckNewPassphrase(p string) error {
	switch n := utf8.RuneCountInString(p); {
	case n == 0:
		return weakPassphraseError("an empty passphrase protects nothing")
	case n < MinPassphrase:
		return weakPassphraseError(fmt.Sprintf("a passphrase of %d characters is too short to protect the store's identity: use at least %d (a few words are better)", n, MinPassphrase))
	}
	return nil
}

// weakPassphraseError is ErrWeakPassphrase with its reason, said once
// (": passphrase too weak" after it said the same again).
type weakPassphraseError string

func (e weakPassphraseError) Error() string     { return string(e) }
func (e weakPassphraseError) Is(err error) bool { return err == ErrWeakPassphrase }

func askFunc(p Prompter, prompt string) func() (string, error) {
	return func() (string, error) {
		if p == nil {
			return "", ErrNeedPassphrase
		}
		return p.Passphrase(prompt, false)
	}
}

// InitOptions configure Init.
type InitOptions struct {
	// IdentityFile, if set, is an existing age identity file whose first
	// X25519 identity becomes the store's; ward keeps nothing of it.
	IdentityFile string
	// Recipients are extra recipients (recovery, team).
	Recipients []string
	// Prompter asks for a passphrase when no keyring is reachable; nil
	// makes that an error.
	Prompter Prompter
	// NoKeyring skips the OS keyring and goes straight to a
	// passphrase-protected identity file.
	NoKeyring bool
}

// InitResult says what Init did.
type InitResult struct {
	Store *Store
	// Fallback is set when the OS keyring could not be used: why, in one
	// sentence.
	Fallback string
	// IdentityPath is the identity file made in IdentityFile mode.
	IdentityPath string
	Recipient    string // the store's own recipient, age1…
}

// Init creates the store at file with its own identity: generated and kept
// in the OS keyring; or, where no keyring is reachable, kept in a
// passphrase-protected file beside the store; or read from
// o.IdentityFile.
func Init(ctx context.Context, file string, o InitOptions) (*InitResult, error) {
	if _, err := os.Stat(file); err == nil {
		return nil, fmt.Errorf("init store %s: %w", file, ErrExists)
	}
	// An identity file left beside a store that was moved away may be the
	// only key to that store: never write over it.
	if _, err := os.Stat(IdentityFileFor(file)); err == nil {
		return nil, fmt.Errorf("init store %s: its identity file %s exists already (the key of a store moved away?): move it aside first: %w", file, IdentityFileFor(file), ErrExists)
	}
	id := NewID()
	res := &InitResult{}
	var mode IdentityMode
	var own *age.X25519Identity
	if o.IdentityFile != "" {
		ids, err := wcrypto.ReadIdentityFile(o.IdentityFile, askFunc(o.Prompter, "passphrase for identity file "+o.IdentityFile))
		if err != nil {
			return nil, fmt.Errorf("init store: %w", err)
		}
		for _, i := range ids {
			if x, ok := i.(*age.X25519Identity); ok {
				own = x
				break
			}
		}
		if own == nil {
			return nil, fmt.Errorf("init store: identity file %s has no age X25519 identity", o.IdentityFile)
		}
		mode = IdentityExternal
	} else {
		own = wcrypto.NewIdentity()
		var kerr error = errors.New("skipped")
		if !o.NoKeyring {
			kerr = wcrypto.KeyringSet("store:"+id, own.String())
		}
		if kerr == nil {
			mode = IdentityKeyring
		} else {
			if !o.NoKeyring {
				res.Fallback = kerr.Error()
			}
			if o.Prompter == nil {
				if o.NoKeyring {
					return nil, fmt.Errorf("init store: %w", ErrNeedPassphrase)
				}
				return nil, fmt.Errorf("init store: %w; and %w", kerr, ErrNeedPassphrase)
			}
			prompt := "passphrase to protect the new store's identity"
			if res.Fallback != "" {
				// Say why before asking: the person expected a keyring.
				prompt = fmt.Sprintf("%s.\nThe store's identity will be kept in %s instead, encrypted with a passphrase.\n%s",
					res.Fallback, IdentityFileFor(file), prompt)
			}
			var pass string
			var err error
			if cp, ok := o.Prompter.(CheckingPrompter); ok {
				pass, err = cp.NewPassphrase(prompt, CheckNewPassphrase)
			} else {
				pass, err = o.Prompter.Passphrase(prompt, true)
			}
			if err != nil {
				return nil, fmt.Errorf("init store: %w", err)
			}
			if err := CheckNewPassphrase(pass); err != nil {
				return nil, fmt.Errorf("init store: %w", err)
			}
			enc, err := wcrypto.EncryptIdentity(own, pass)
			if err != nil {
				return nil, fmt.Errorf("init store: %w", err)
			}
			res.IdentityPath = IdentityFileFor(file)
			if err := os.MkdirAll(dirOf(file), 0o700); err != nil {
				return nil, fmt.Errorf("init store: %w", err)
			}
			if err := wcrypto.WriteFileAtomic(res.IdentityPath, enc, 0o600); err != nil {
				return nil, fmt.Errorf("init store: write identity file: %w", err)
			}
			mode = IdentityFile
		}
	}
	res.Recipient = own.Recipient().String()
	s, err := Create(ctx, file, CreateOptions{Mode: mode, ID: id, Recipients: append([]string{res.Recipient}, o.Recipients...)})
	if err != nil {
		if mode == IdentityKeyring {
			_ = wcrypto.KeyringDelete("store:" + id)
		}
		if res.IdentityPath != "" {
			os.Remove(res.IdentityPath)
		}
		return nil, err
	}
	s.identity = own
	res.Store = s
	return res, nil
}

func dirOf(file string) string {
	for i := len(file) - 1; i >= 0; i-- {
		if os.IsPathSeparator(file[i]) {
			return file[:i]
		}
	}
	return "."
}

// envelopeTag names the key envelope this store was opened with.
func (s *Store) envelopeTag() []byte {
	h := sha256.Sum256(s.envelope)
	return h[:16]
}
