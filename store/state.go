package store

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	wcrypto "github.com/opsward/ward/crypto"
)

// bktState holds sealed state that packages above the store keep with it:
// the sync base per remote and path, rotation journals. Its keys are keyed
// hashes of (namespace, key), like secret paths, so they reveal nothing.
var bktState = []byte("state")

// MaxStateSize bounds one state value.
const MaxStateSize = 1 << 20

func (s *Store) stateKey(ns, key string) []byte {
	return wcrypto.MAC(s.keys.Index, []byte("state\x00"), []byte(ns), []byte{0}, []byte(key))[:16]
}

func (s *Store) stateBucket(tx *bolt.Tx, create bool) (*bolt.Bucket, error) {
	if b := tx.Bucket(bktState); b != nil || !create {
		return b, nil
	}
	return createBucket(tx, bktState)
}

// GetState returns the value stored under (ns, key), or an error wrapping
// ErrNotFound.
func (s *Store) GetState(ctx context.Context, ns, key string) ([]byte, error) {
	if s.keys == nil {
		return nil, errNotUnlocked
	}
	var out []byte
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b, _ := s.stateBucket(tx, false)
		if b == nil {
			return fmt.Errorf("state %s/%s: %w", ns, key, ErrNotFound)
		}
		k := s.stateKey(ns, key)
		raw := b.Get(k)
		if raw == nil {
			return fmt.Errorf("state %s/%s: %w", ns, key, ErrNotFound)
		}
		_, _, v, err := s.openState(k, raw)
		out = v
		return err
	})
	return out, err
}

// StateOp is one change in UpdateState: Value nil deletes the key.
type StateOp struct {
	NS, Key string
	Value   []byte
}

// UpdateState applies ops in one transaction. Audit entries with a
// non-empty Action commit with them, so many paths' bases and their
// entries cost one fsync.
func (s *Store) UpdateState(ctx context.Context, ops []StateOp, audit ...Entry) error {
	if s.keys == nil {
		return errNotUnlocked
	}
	for _, op := range ops {
		if len(op.Value) > MaxStateSize {
			return fmt.Errorf("state %s/%s: larger than %d bytes", op.NS, op.Key, MaxStateSize)
		}
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		for _, op := range ops {
			k := s.stateKey(op.NS, op.Key)
			var v []byte
			if op.Value != nil {
				v = s.sealState(k, op.NS, op.Key, op.Value)
			}
			if err := s.putRec(tx, bktState, k, v); err != nil {
				return err
			}
		}
		for _, e := range audit {
			if e.Action == "" {
				continue
			}
			if err := s.appendAudit(tx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// A state value is sealed together with its namespace and key, so that a
// re-key, which changes every lookup key, can file it anew.
func (s *Store) sealState(k []byte, ns, key string, v []byte) []byte {
	pt := appendString(appendString(make([]byte, 0, 8+len(ns)+len(key)+len(v)), ns), key)
	return s.seal(append(pt, v...), "state", string(k))
}

func (s *Store) openState(k, raw []byte) (ns, key string, v []byte, err error) {
	where := "state " + shortHash(k)
	pt, err := s.unseal(raw, where, "state", string(k))
	if err != nil {
		return "", "", nil, err
	}
	r := reader{b: pt}
	ns, key = r.string(), r.string()
	if r.err != nil {
		return "", "", nil, &CorruptError{File: s.File, Where: where, Reason: "malformed"}
	}
	return ns, key, r.b, nil
}

// allState reads every state entry, for re-keying and doctor.
func (s *Store) allState(tx *bolt.Tx) ([]StateOp, error) {
	b, _ := s.stateBucket(tx, false)
	if b == nil {
		return nil, nil
	}
	var out []StateOp
	err := records(b, func(k, v []byte) error {
		ns, key, val, err := s.openState(k, v)
		if err != nil {
			return err
		}
		out = append(out, StateOp{NS: ns, Key: key, Value: append([]byte(nil), val...)})
		return nil
	})
	return out, err
}

// ListState returns every key in namespace ns with its value.
func (s *Store) ListState(ctx context.Context, ns string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := s.EachState(ctx, ns, func(key string, v []byte) error {
		out[key] = v
		return nil
	})
	return out, err
}

// EachState calls fn with every key in namespace ns and its value (a copy
// fn may keep), in no particular order, in one read-only transaction (so
// fn should be quick). An error from fn stops the walk and is returned.
func (s *Store) EachState(ctx context.Context, ns string, fn func(key string, value []byte) error) error {
	if s.keys == nil {
		return errNotUnlocked
	}
	return s.view(ctx, func(tx *bolt.Tx) error {
		b, _ := s.stateBucket(tx, false)
		if b == nil {
			return nil
		}
		return records(b, func(k, v []byte) error {
			n, key, val, err := s.openState(k, v)
			if err != nil {
				return err
			}
			if n != ns {
				return nil
			}
			return fn(key, append([]byte(nil), val...))
		})
	})
}
