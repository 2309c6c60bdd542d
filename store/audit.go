package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	wcrypto "github.com/opsward/ward/crypto"
)

// Entry is one audit log entry. It never holds a secret value.
type Entry struct {
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"`
	Actor   string    `json:"actor"` // user@host
	Action  string    `json:"action"`
	Path    string    `json:"path,omitempty"`
	Field   string    `json:"field,omitempty"`
	Version int       `json:"version,omitempty"`
	Outcome string    `json:"outcome"` // ok, or what went wrong
	Detail  string    `json:"detail,omitempty"`
}

// The audit bucket maps a big-endian sequence number to mac || sealed
// entry, where mac = HMAC(audit key, previous mac || seq || sealed entry).
// The header's audit-head holds the sealed (seq, mac) of the newest entry,
// so removing entries from the end is found as well as removing, changing
// or reordering entries in the middle. What no chain can find is the whole
// file rolled back to an older copy; that is outside this design.
const auditMACSize = 32

func seqKey(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

type auditHead struct {
	Seq uint64 `json:"seq"`
	MAC []byte `json:"mac"`
}

func (s *Store) readAuditHead(tx *bolt.Tx) (auditHead, error) {
	var h auditHead
	err := s.readSealedJSON(tx, keyAuditHead, "audit head", &h)
	return h, err
}

// readSealedJSON opens the sealed JSON under header key k into v; a
// missing key leaves v as it is.
func (s *Store) readSealedJSON(tx *bolt.Tx, k []byte, where string, v any) error {
	raw := tx.Bucket(bktHeader).Get(k)
	if raw == nil {
		return nil
	}
	pt, err := s.unseal(raw, where, string(k))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(pt, v); err != nil {
		return &CorruptError{File: s.File, Where: where, Reason: "malformed"}
	}
	return nil
}

// appendAudit stamps e and appends it within tx, so the entry commits or
// rolls back with the change it records.
func (s *Store) appendAudit(tx *bolt.Tx, e Entry) error {
	s.stamp(&e)
	return s.appendAuditRaw(tx, e)
}

func (s *Store) stamp(e *Entry) {
	e.Time = s.Now()
	e.Actor = s.Actor
	if e.Outcome == "" {
		e.Outcome = "ok"
	}
}

func (s *Store) appendAuditRaw(tx *bolt.Tx, e Entry) error {
	head, err := s.readAuditHead(tx)
	if err != nil {
		return err
	}
	// Refuse to extend a chain whose newest entry is not the one the head
	// names: appending would paper over the damage. (The whole chain is
	// checked by walkAudit; this is the cheap check every write can afford.)
	if head.Seq > 0 {
		last := tx.Bucket(bktAudit).Get(seqKey(head.Seq))
		if len(last) < auditMACSize || !bytes.Equal(last[:auditMACSize], head.MAC) {
			return &AuditError{File: s.File, Seq: head.Seq, Reason: "the newest entry is missing or replaced"}
		}
	}
	e.Seq = head.Seq + 1
	pt := encodeEntry(e)
	key := seqKey(e.Seq)
	sealed := wcrypto.Seal(s.keys.Audit, pt, s.ad("audit", string(key)))
	mac := wcrypto.MAC(s.keys.Audit, head.MAC, key, sealed)
	val := make([]byte, 0, len(mac)+len(sealed))
	val = append(append(val, mac...), sealed...)
	if err := tx.Bucket(bktAudit).Put(key, val); err != nil {
		return err
	}
	hb, _ := json.Marshal(auditHead{Seq: e.Seq, MAC: mac})
	return tx.Bucket(bktHeader).Put(keyAuditHead, s.seal(hb, "audit-head"))
}

// auditEntries reads and verifies the whole chain.
func (s *Store) auditEntries(tx *bolt.Tx) ([]Entry, error) {
	var out []Entry
	err := s.walkAudit(tx, func(e Entry) error { out = append(out, e); return nil })
	return out, err
}

// AuditError says where the audit chain breaks.
type AuditError struct {
	File   string
	Seq    uint64
	Reason string
	// Lost is set when the audit tail file is missing or is not the one
	// the store expects: deleted, or replaced by another copy (see
	// tail.go). `ward audit restart` records the loss and starts afresh.
	Lost bool
}

func (e *AuditError) Error() string {
	if e.Lost {
		return fmt.Sprintf("audit log %s: %s", e.File, e.Reason)
	}
	return fmt.Sprintf("audit log of %s: entry %d: %s", e.File, e.Seq, e.Reason)
}

func (e *AuditError) Unwrap() error { return ErrCorrupt }

// InTail reports whether the damage is in the audit tail file beside the
// store (see tail.go), which holds audit entries only.
func (e *AuditError) InTail() bool { return strings.HasSuffix(e.File, tailSuffix) }

// walkAudit calls fn for each entry in order, checking the chain as it
// goes and the head at the end.
func (s *Store) walkAudit(tx *bolt.Tx, fn func(Entry) error) error {
	head, err := s.readAuditHead(tx)
	if err != nil {
		return err
	}
	var prev []byte
	var want uint64 = 1
	c := tx.Bucket(bktAudit).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if isNoInline(k, v) {
			continue
		}
		if len(k) != 8 {
			return &AuditError{File: s.File, Seq: want, Reason: "foreign key in the audit bucket"}
		}
		seq := binary.BigEndian.Uint64(k)
		if seq != want {
			return &AuditError{File: s.File, Seq: want, Reason: fmt.Sprintf("missing (next present is %d)", seq)}
		}
		if len(v) < auditMACSize {
			return &AuditError{File: s.File, Seq: seq, Reason: "truncated"}
		}
		mac, sealed := v[:auditMACSize], v[auditMACSize:]
		if !bytes.Equal(mac, wcrypto.MAC(s.keys.Audit, prev, k, sealed)) {
			return &AuditError{File: s.File, Seq: seq, Reason: "changed, reordered, or an earlier entry was removed"}
		}
		pt, err := wcrypto.Open(s.keys.Audit, sealed, s.ad("audit", string(k)))
		if err != nil {
			return &AuditError{File: s.File, Seq: seq, Reason: "does not authenticate"}
		}
		e, err := decodeEntry(pt)
		if err != nil || e.Seq != seq {
			return &AuditError{File: s.File, Seq: seq, Reason: "malformed"}
		}
		if err := fn(e); err != nil {
			return err
		}
		prev = mac
		want++
	}
	if head.Seq != want-1 {
		return &AuditError{File: s.File, Seq: want, Reason: fmt.Sprintf("the log ends at %d but its head says %d: entries were removed from the end", want-1, head.Seq)}
	}
	if head.Seq > 0 && !bytes.Equal(head.MAC, prev) {
		return &AuditError{File: s.File, Seq: head.Seq, Reason: "does not match the head: the newest entries were replaced"}
	}
	return nil
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	Path  string    // exact path, or a prefix ending in "/"
	Since time.Time // entries at or after
	Limit int       // the newest N; 0 for all
}

func (f AuditFilter) match(e Entry) bool {
	if f.Path != "" {
		if len(f.Path) > 0 && f.Path[len(f.Path)-1] == '/' {
			if len(e.Path) < len(f.Path) || e.Path[:len(f.Path)] != f.Path {
				return false
			}
		} else if e.Path != f.Path {
			return false
		}
	}
	return f.Since.IsZero() || !e.Time.Before(f.Since)
}

// Audit returns the entries that match f, oldest first, verifying the
// chain on the way. A broken chain returns an *AuditError.
func (s *Store) Audit(ctx context.Context, f AuditFilter) ([]Entry, error) {
	if s.keys == nil {
		return nil, errNotUnlocked
	}
	var out []Entry
	err := s.walkAll(ctx, func(e Entry) error {
		if f.match(e) {
			out = append(out, e)
		}
		return nil
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	return out, err
}

// VerifyAudit checks the whole chain and returns the number of entries.
func (s *Store) VerifyAudit(ctx context.Context) (int, error) {
	if s.keys == nil {
		return 0, errNotUnlocked
	}
	n := 0
	err := s.walkAll(ctx, func(Entry) error { n++; return nil })
	return n, err
}

// walkAll calls fn for every entry, the store's audit bucket and then the
// tail not yet folded into it (see tail.go), checking both chains.
func (s *Store) walkAll(ctx context.Context, fn func(Entry) error) error {
	var m tailMark
	var head uint64
	err := s.view(ctx, func(tx *bolt.Tx) error {
		if err := s.walkAudit(tx, func(e Entry) error { head = e.Seq; return fn(e) }); err != nil {
			return err
		}
		var err error
		m, err = s.readTailMark(tx)
		return err
	})
	if err != nil {
		return err
	}
	return s.tailEntries(ctx, m, head, fn)
}

// Record appends an audit entry for an action outside the store (a
// clipboard copy, an export, a sync step). It goes to the audit tail: it
// changes nothing in the store.
func (s *Store) Record(ctx context.Context, e Entry) error {
	if s.keys == nil {
		return errNotUnlocked
	}
	return s.audit(ctx, e)
}

// audit records entries in the tail and folds the tail into the store when
// it has grown large or predates a re-key.
func (s *Store) audit(ctx context.Context, entries ...Entry) error {
	return s.auditWith(ctx, nil, entries...)
}

// auditWith is audit with the tail mark the caller's transaction read (see
// appendTail), or nil.
func (s *Store) auditWith(ctx context.Context, m *tailMark, entries ...Entry) error {
	size, err := s.appendTail(ctx, m, entries...)
	if errors.Is(err, errStaleTail) {
		if err := s.update(ctx, func(*bolt.Tx) error { return nil }); err != nil {
			return err
		}
		size, err = s.appendTail(ctx, m, entries...)
	}
	if err != nil {
		return err
	}
	if size > foldAbove {
		// The entries are durable already: a failed fold loses nothing
		// and is tried again by the next write.
		_ = s.update(ctx, func(*bolt.Tx) error { return nil })
	}
	return nil
}

// shortHash names a record by the start of its lookup key; a key too
// short for one (damage) is named whole.
func shortHash(k []byte) string { return hex.EncodeToString(k[:min(len(k), 6)]) }
