package crypto

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
)

// ErrWrongKey is returned when none of the given identities opens an
// envelope or identity file.
var ErrWrongKey = errors.New("no identity opens it")

// WrapDataKey encrypts dataKey as an age file to every recipient.
func WrapDataKey(dataKey *Key, recipients []age.Recipient) ([]byte, error) {
	if len(recipients) == 0 {
		return nil, errors.New("wrap data key: no recipients")
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, recipients...)
	if err != nil {
		return nil, fmt.Errorf("wrap data key: %w", err)
	}
	if _, err := w.Write(dataKey[:]); err != nil {
		return nil, fmt.Errorf("wrap data key: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("wrap data key: %w", err)
	}
	return buf.Bytes(), nil
}

// UnwrapDataKey opens an envelope made by WrapDataKey. It returns an error
// wrapping ErrWrongKey if no identity matches, and a plain error if the
// envelope is damaged.
func UnwrapDataKey(envelope []byte, identities ...age.Identity) (*Key, error) {
	r, err := age.Decrypt(bytes.NewReader(envelope), identities...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, fmt.Errorf("unwrap data key: %w", ErrWrongKey)
		}
		return nil, fmt.Errorf("unwrap data key: damaged envelope: %v", err)
	}
	var k Key
	if _, err := io.ReadFull(r, k[:]); err != nil {
		return nil, fmt.Errorf("unwrap data key: damaged envelope: %v", err)
	}
	if n, _ := r.Read(make([]byte, 1)); n != 0 {
		return nil, errors.New("unwrap data key: damaged envelope: trailing data")
	}
	return &k, nil
}
