package crypto

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
)

// NewIdentity returns a fresh age X25519 identity.
func NewIdentity() *age.X25519Identity {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		panic("crypto: no randomness: " + err.Error())
	}
	return id
}

// ParseIdentity parses one AGE-SECRET-KEY-1… line. The error never includes
// the input.
func ParseIdentity(s string) (*age.X25519Identity, error) {
	id, err := age.ParseX25519Identity(strings.TrimSpace(s))
	if err != nil {
		return nil, errors.New("parse identity: not an age X25519 identity")
	}
	return id, nil
}

// ReadIdentityFile reads identities the way `age -i` does: a file of
// AGE-SECRET-KEY-1… lines (comments and blank lines allowed), or an
// unencrypted OpenSSH ed25519 private key. A passphrase-encrypted identity
// file (see EncryptIdentity) is opened by calling passphrase. Errors name the
// file and, for a bad line, its number, never its content.
func ReadIdentityFile(path string, passphrase func() (string, error)) ([]age.Identity, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read identity file: %w", err)
	}
	return ParseIdentities(path, b, passphrase)
}

// ParseIdentities is ReadIdentityFile on bytes already read; name is used in
// errors.
func ParseIdentities(name string, b []byte, passphrase func() (string, error)) ([]age.Identity, error) {
	if bytes.HasPrefix(b, []byte("age-encryption.org/v1\n")) {
		if passphrase == nil {
			return nil, fmt.Errorf("identity file %s is passphrase-protected and no passphrase can be asked for", name)
		}
		// A damaged header is said before anyone types a passphrase.
		if err := checkAgeHeader(b); err != nil {
			return nil, fmt.Errorf("identity file %s: %w", name, err)
		}
		pass, err := passphrase()
		if err != nil {
			return nil, err
		}
		id, err := DecryptIdentity(b, pass)
		if err != nil {
			return nil, fmt.Errorf("identity file %s: %w", name, err)
		}
		return []age.Identity{id}, nil
	}
	if bytes.HasPrefix(b, []byte("-----BEGIN OPENSSH PRIVATE KEY-----")) {
		id, err := agessh.ParseIdentity(b)
		if err != nil {
			return nil, fmt.Errorf("identity file %s: not a usable unencrypted ssh key", name)
		}
		return []age.Identity{id}, nil
	}
	var ids []age.Identity
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, err := ParseIdentity(line)
		if err != nil {
			return nil, fmt.Errorf("identity file %s: line %d is not an age identity", name, i+1)
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("identity file %s: no identities in it", name)
	}
	return ids, nil
}

var errDamagedHeader = errors.New("damaged identity file: its age header does not parse")

// probeIdentity opens nothing: decrypting with it parses an age header
// and stops.
type probeIdentity struct{}

func (probeIdentity) Unwrap([]*age.Stanza) ([]byte, error) { return nil, age.ErrIncorrectIdentity }

// checkAgeHeader reports whether b starts with an age header that parses.
func checkAgeHeader(b []byte) error {
	_, err := age.Decrypt(bytes.NewReader(b), probeIdentity{})
	var nm *age.NoIdentityMatchError
	if errors.As(err, &nm) {
		return nil
	}
	return errDamagedHeader
}

// EncryptIdentity encrypts an identity with a passphrase (age scrypt). The
// result is an ordinary age file: `age -d` opens it with the passphrase.
func EncryptIdentity(id *age.X25519Identity, passphrase string) ([]byte, error) {
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return nil, fmt.Errorf("encrypt identity: %v", err)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		return nil, fmt.Errorf("encrypt identity: %v", err)
	}
	fmt.Fprintf(w, "# ward store identity\n%s\n", id.String())
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encrypt identity: %v", err)
	}
	return buf.Bytes(), nil
}

// DecryptIdentity opens an EncryptIdentity result. It returns an error
// wrapping ErrWrongKey for a wrong passphrase.
func DecryptIdentity(b []byte, passphrase string) (*age.X25519Identity, error) {
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return nil, fmt.Errorf("decrypt identity: %v", err)
	}
	r, err := age.Decrypt(bytes.NewReader(b), id)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, fmt.Errorf("wrong passphrase: %w", ErrWrongKey)
		}
		// age's message can quote the file's header, bytes and all.
		return nil, errDamagedHeader
	}
	pt, err := io.ReadAll(io.LimitReader(r, 1<<16))
	if err != nil {
		return nil, errors.New("damaged identity file: its body does not decrypt")
	}
	for _, line := range strings.Split(string(pt), "\n") {
		if strings.HasPrefix(line, "AGE-SECRET-KEY-1") {
			return ParseIdentity(line)
		}
	}
	return nil, errors.New("damaged identity file: no identity inside")
}

// WriteFileAtomic writes data to path with mode: a temporary file in the same
// directory, fsync, rename over path, fsync the directory. On any error the
// temporary file is removed and path is left as it was.
func WriteFileAtomic(path string, data []byte, mode os.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		if _, serr := os.Stat(dir); serr != nil {
			return fmt.Errorf("directory %s: %w", dir, serr)
		}
		if inner := errors.Unwrap(err); inner != nil {
			err = inner // the temporary file's name is ours, not the user's
		}
		return fmt.Errorf("create a file in %s: %w", dir, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(mode); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
