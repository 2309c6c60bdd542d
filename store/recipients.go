package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	wcrypto "github.com/opsward/ward/crypto"
)

func parseRecipients(ss []string) ([]age.Recipient, []string, error) {
	var rs []age.Recipient
	var canon []string
	for _, s := range ss {
		r, err := wcrypto.ParseRecipient(s)
		if err != nil {
			return nil, nil, err
		}
		c, _ := wcrypto.CanonicalRecipient(s)
		if slices.Contains(canon, c) {
			continue
		}
		rs = append(rs, r)
		canon = append(canon, c)
	}
	return rs, canon, nil
}

func (s *Store) putRecipients(tx *bolt.Tx, canon []string) error {
	b, err := json.Marshal(canon)
	if err != nil {
		return err
	}
	return tx.Bucket(bktHeader).Put(keyRecipients, s.seal(b, "recipients"))
}

func (s *Store) getRecipients(tx *bolt.Tx) ([]string, error) {
	pt, err := s.unseal(tx.Bucket(bktHeader).Get(keyRecipients), "recipient list", "recipients")
	if err != nil {
		return nil, err
	}
	var rs []string
	if err := json.Unmarshal(pt, &rs); err != nil {
		return nil, &CorruptError{File: s.File, Where: "recipient list", Reason: "malformed"}
	}
	return rs, nil
}

// Recipients lists the store's recipients in canonical form, its own first.
func (s *Store) Recipients(ctx context.Context) ([]string, error) {
	if s.keys == nil {
		return nil, errNotUnlocked
	}
	var rs []string
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		rs, err = s.getRecipients(tx)
		return err
	})
	return rs, err
}

// AddRecipient wraps the data key to one more recipient. Adding a
// recipient already there is not an error.
func (s *Store) AddRecipient(ctx context.Context, recipient string) error {
	if s.keys == nil {
		return errNotUnlocked
	}
	c, err := wcrypto.CanonicalRecipient(recipient)
	if err != nil {
		return err
	}
	err = s.update(ctx, func(tx *bolt.Tx) error {
		rs, err := s.getRecipients(tx)
		if err != nil {
			return err
		}
		if slices.Contains(rs, c) {
			return nil
		}
		rs = append(rs, c)
		if err := s.rewrap(tx, s.keys.Data, rs); err != nil {
			return err
		}
		return s.appendAudit(tx, Entry{Action: "recipient-add", Detail: wcrypto.Fingerprint(c)})
	})
	if err == nil {
		s.recache()
	}
	return err
}

// RemoveRecipient drops a recipient and re-keys: a fresh data key, every
// record resealed, the audit chain re-MACed, all in one transaction. The
// removed holder may have kept the old data key, so rewrapping alone would
// protect nothing. Removing the last recipient is refused.
func (s *Store) RemoveRecipient(ctx context.Context, recipient string) (err error) {
	if s.keys == nil {
		return errNotUnlocked
	}
	c, err := wcrypto.CanonicalRecipient(recipient)
	if err != nil {
		return err
	}
	defer s.restoreKeysOnError(&err)()
	dropOwn := false
	err = s.update(ctx, func(tx *bolt.Tx) error {
		rs, err := s.getRecipients(tx)
		if err != nil {
			return err
		}
		i := slices.Index(rs, c)
		if i < 0 {
			return fmt.Errorf("recipient %s: %w", wcrypto.Fingerprint(c), ErrNotFound)
		}
		if len(rs) == 1 {
			return fmt.Errorf("recipient %s is the last one: the store would be unreadable", wcrypto.Fingerprint(c))
		}
		rs = slices.Delete(rs, i, i+1)
		if err := s.rekey(tx, rs); err != nil {
			return err
		}
		if i == 0 && s.mode != IdentityExternal {
			// The store's own identity (keyring or passphrase file) no
			// longer opens it: from now on, like a store made with
			// --identity, it is opened with a remaining recipient's
			// identity, and says so instead of asking the keyring or a
			// passphrase that cannot work.
			if err := tx.Bucket(bktHeader).Put(keyIdentity, []byte(IdentityExternal)); err != nil {
				return err
			}
			dropOwn = true
		}
		return s.appendAudit(tx, Entry{Action: "recipient-rm", Detail: wcrypto.Fingerprint(c) + ", re-keyed"})
	})
	if err == nil && dropOwn {
		s.mode = IdentityExternal
	}
	if err == nil && !dropOwn {
		s.recache() // an external store is opened with --identity, not the cache
	}
	return err
}

// Rekey replaces the data key, resealing everything, in one transaction.
func (s *Store) Rekey(ctx context.Context) (err error) {
	if s.keys == nil {
		return errNotUnlocked
	}
	defer s.restoreKeysOnError(&err)()
	err = s.update(ctx, func(tx *bolt.Tx) error {
		rs, err := s.getRecipients(tx)
		if err != nil {
			return err
		}
		if err := s.rekey(tx, rs); err != nil {
			return err
		}
		return s.appendAudit(tx, Entry{Action: "rekey"})
	})
	if err == nil {
		s.recache()
	}
	return err
}

// restoreKeysOnError returns a func that, if *err is set when it runs,
// puts back the keys and envelope s had when restoreKeysOnError was called:
// rekey switches s to the fresh keys inside the transaction, and a commit
// that then fails must not leave s on keys the file never got.
func (s *Store) restoreKeysOnError(err *error) func() {
	keys, env := s.keys, s.envelope
	return func() {
		if *err != nil {
			s.keys, s.envelope = keys, env
		}
	}
}

func (s *Store) rewrap(tx *bolt.Tx, dk *wcrypto.Key, canon []string) error {
	rs, _, err := parseRecipients(canon)
	if err != nil {
		return err
	}
	env, err := wcrypto.WrapDataKey(dk, rs)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bktHeader).Put(keyEnvelope, env); err != nil {
		return err
	}
	s.envelope = env
	return s.putRecipients(tx, canon)
}

// rekey reseals every record under a fresh data key. Because lookup keys
// are keyed hashes, every record moves to a new key too. It switches s to
// the fresh keys; callers restore the old ones if the transaction fails
// (restoreKeysOnError).
func (s *Store) rekey(tx *bolt.Tx, canon []string) error {
	old := *s
	fresh := *s
	fresh.keys = wcrypto.NewKeys(wcrypto.NewDataKey())

	type moved struct{ k, v []byte }
	// Read everything under the old keys first.
	heads, err := old.allSecrets(tx)
	if err != nil {
		return err
	}
	var idx, sec, ver []moved
	for _, sc := range heads {
		ok := old.lookupKey(sc.Path)
		nk := fresh.lookupKey(sc.Path)
		idx = append(idx, moved{nk, fresh.seal(encodeHead(HeadOf(sc)), "index", string(nk))})
		sec = append(sec, moved{nk, fresh.seal(encodeSecretRecord(sc), "secret", string(nk))})
		for _, v := range sc.Versions {
			if v.Purged {
				continue
			}
			pt, err := old.readVersion(tx, ok, sc.Path, v.N)
			if err != nil {
				return err
			}
			vk := versionKey(nk, v.N)
			ver = append(ver, moved{vk, fresh.seal(pt, "version", string(vk))})
		}
	}
	entries, err := old.auditEntries(tx)
	if err != nil {
		return err
	}
	states, err := old.allState(tx)
	if err != nil {
		return err
	}
	if tx.Bucket(bktState) != nil {
		if err := tx.DeleteBucket(bktState); err != nil {
			return err
		}
	}
	if len(states) > 0 {
		sb, err := createBucket(tx, bktState)
		if err != nil {
			return err
		}
		for _, op := range states {
			k := fresh.stateKey(op.NS, op.Key)
			if err := sb.Put(k, fresh.sealState(k, op.NS, op.Key, op.Value)); err != nil {
				return err
			}
		}
	}
	for _, name := range [][]byte{bktIndex, bktSecrets, bktVersions, bktAudit} {
		if err := tx.DeleteBucket(name); err != nil {
			return err
		}
		if _, err := createBucket(tx, name); err != nil {
			return err
		}
	}
	put := func(b []byte, ms []moved) error {
		bk := tx.Bucket(b)
		for _, m := range ms {
			if err := bk.Put(m.k, m.v); err != nil {
				return err
			}
		}
		return nil
	}
	if err := put(bktIndex, idx); err != nil {
		return err
	}
	if err := put(bktSecrets, sec); err != nil {
		return err
	}
	if err := put(bktVersions, ver); err != nil {
		return err
	}
	if err := fresh.rewrap(tx, fresh.keys.Data, canon); err != nil {
		return err
	}
	if err := tx.Bucket(bktHeader).Delete(keyAuditHead); err != nil {
		return err
	}
	// The tail was folded at the start of this transaction; its mark
	// must stay readable under the new keys (see foldTail).
	mark, err := old.readTailMark(tx)
	if err != nil {
		return err
	}
	if mark.Base != nil || mark.Next != nil {
		if err := fresh.writeTailMark(tx, mark); err != nil {
			return err
		}
	}
	for _, e := range entries {
		if err := fresh.appendAuditRaw(tx, e); err != nil {
			return err
		}
	}
	if err := fresh.writeCommit(tx, fresh.computeCommit(tx)); err != nil {
		return err
	}
	s.keys = fresh.keys
	s.envelope = fresh.envelope
	// A cached copy of the old key must not outlive the re-key.
	wcrypto.CacheDrop(s.id)
	return nil
}
