package store

import (
	"crypto/sha256"

	bolt "go.etcd.io/bbolt"

	wcrypto "github.com/opsward/ward/crypto"
)

// The record commitment. Sealing binds each record to its place, but an
// older ciphertext of the same record, put back in its own place from a
// backup, would still open. So the header keeps a sealed commitment to
// every record there is: the XOR, over the index, secrets, versions and
// state buckets, of HMAC(commit key, bucket || 0 || key || SHA-256(value)).
// Every write keeps it up to date in O(1) (XOR out the old value's term,
// XOR in the new one's) and Doctor recomputes it: a record rolled back,
// added or removed behind ward's back no longer matches.

var keyCommit = []byte("commit")

var committedBuckets = [][]byte{bktIndex, bktSecrets, bktVersions, bktState}

func (s *Store) commitTerm(bucket, k, v []byte) []byte {
	h := sha256.Sum256(v)
	return wcrypto.MAC(s.keys.Commit, bucket, []byte{0}, k, h[:])
}

func xorInto(dst, src []byte) {
	for i := range dst {
		dst[i] ^= src[i]
	}
}

// computeCommit recomputes the commitment from every record.
func (s *Store) computeCommit(tx *bolt.Tx) []byte {
	c := make([]byte, sha256.Size)
	for _, name := range committedBuckets {
		b := tx.Bucket(name)
		if b == nil {
			continue
		}
		_ = records(b, func(k, v []byte) error {
			xorInto(c, s.commitTerm(name, k, v))
			return nil
		})
	}
	return c
}

// storedCommit returns the header's commitment; ok is false for a store
// written before ward kept one.
func (s *Store) storedCommit(tx *bolt.Tx) (c []byte, ok bool, err error) {
	raw := tx.Bucket(bktHeader).Get(keyCommit)
	if raw == nil {
		return nil, false, nil
	}
	pt, err := s.unseal(raw, "record commitment", "commit")
	if err != nil {
		return nil, false, err
	}
	if len(pt) != sha256.Size {
		return nil, false, &CorruptError{File: s.File, Where: "record commitment", Reason: "malformed"}
	}
	return pt, true, nil
}

func (s *Store) writeCommit(tx *bolt.Tx, c []byte) error {
	return tx.Bucket(bktHeader).Put(keyCommit, s.seal(c, "commit"))
}

// putRec writes v under k in bucket (v nil deletes k) and keeps the
// commitment up to date. Every write to a committed bucket goes through it.
func (s *Store) putRec(tx *bolt.Tx, bucket, k, v []byte) error {
	c, ok, err := s.storedCommit(tx)
	if err != nil {
		return err
	}
	if !ok {
		c = s.computeCommit(tx) // first write by a ward that keeps one
	}
	b := tx.Bucket(bucket)
	if b == nil {
		if v == nil {
			return nil
		}
		if b, err = createBucket(tx, bucket); err != nil {
			return err
		}
	}
	if old := b.Get(k); old != nil {
		xorInto(c, s.commitTerm(bucket, k, old))
	}
	if v == nil {
		err = b.Delete(k)
	} else {
		xorInto(c, s.commitTerm(bucket, k, v))
		err = b.Put(k, v)
	}
	if err != nil {
		return err
	}
	return s.writeCommit(tx, c)
}
