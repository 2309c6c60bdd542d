package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Problem is one thing Doctor found wrong. Where names a record by its
// lookup key (the path of a damaged record cannot be read) or, when the
// record opened, by its path.
type Problem struct {
	Where string `json:"where"`
	What  string `json:"what"`
}

// Report is what Doctor found.
type Report struct {
	File         string    `json:"file"`
	Secrets      int       `json:"secrets"`
	Versions     int       `json:"versions"`
	AuditEntries int       `json:"audit_entries"`
	Recipients   int       `json:"recipients"`
	Problems     []Problem `json:"problems"`
	// Unread: the page tree is too damaged for bbolt to read safely, so
	// the envelope, records and audit log were not read (the counts are
	// not a finding).
	Unread bool `json:"unread,omitempty"`
}

// OK reports whether nothing was found wrong.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// OnlyTail reports whether every problem is in the audit tail file beside
// the store (see tail.go), which holds audit entries only.
func (r *Report) OnlyTail() bool {
	for _, p := range r.Problems {
		if !strings.HasPrefix(p.Where, tailWhere) {
			return false
		}
	}
	return len(r.Problems) > 0
}

// tailWhere starts the Where of a problem in the audit tail file.
const tailWhere = "audit log "

// Doctor opens every record of the store, checks that each is where it
// belongs and agrees with the index, that no values are orphaned, and
// that the audit chain is whole. It reads values to check them but
// reveals none; it records one "doctor" audit entry when the store is
// sound. An error is returned only when the check itself could not run
// (the file is locked or unreadable); what is wrong inside is in the report.
func (s *Store) Doctor(ctx context.Context) (*Report, error) {
	if s.keys == nil {
		return nil, errNotUnlocked
	}
	r := &Report{File: s.File}
	add := func(where, format string, args ...any) {
		r.Problems = append(r.Problems, Problem{Where: where, What: fmt.Sprintf(format, args...)})
	}
	var mark tailMark
	tailOK := false
	treeOK := true
	err := s.view(ctx, func(tx *bolt.Tx) error {
		// The file's pages first, read under the transaction's shared
		// lock (no commit half written meanwhile).
		var probs []string
		probs, treeOK = s.checkPages()
		for _, p := range probs {
			add("file", "%s", p)
		}
		if !treeOK {
			r.Unread = true
			return nil // bbolt cannot read this tree safely: stop here
		}
		if err := walkPages(tx); err != nil {
			add("file", "%v", reason(err))
		}
		if rs, err := s.getRecipients(tx); err != nil {
			add("header", "recipient list: %v", reason(err))
		} else {
			r.Recipients = len(rs)
		}
		live := map[string]bool{} // version keys that a record claims
		n := 0
		err := records(tx.Bucket(bktSecrets), func(k, v []byte) error {
			if n++; n%256 == 0 && ctx.Err() != nil {
				return ctx.Err() // stopped by the operator
			}
			where := "record " + shortHash(k)
			sc, err := s.decodeSecret(k, v)
			if err != nil {
				add(where, "%v", reason(err))
				return nil
			}
			r.Secrets++
			where = "secret " + sc.Path
			if !bytes.Equal(s.lookupKey(sc.Path), k) {
				add(where, "filed under another path's key")
			}
			if raw := tx.Bucket(bktIndex).Get(k); raw == nil {
				add(where, "missing from the index")
			} else if pt, err := s.unseal(raw, "", "index", string(k)); err != nil {
				add(where, "index entry does not authenticate")
			} else if _, err := decodeHead(pt); err != nil {
				add(where, "index entry malformed")
			} else if !bytes.Equal(pt, encodeHead(HeadOf(sc))) {
				add(where, "index entry disagrees with the record")
			}
			if _, ok := sc.Version(sc.Current); !ok {
				add(where, "current version %d is not in its history", sc.Current)
			}
			for _, vi := range sc.Versions {
				if vi.Purged {
					continue
				}
				vk := versionKey(k, vi.N)
				live[string(vk)] = true
				pt, err := s.readVersion(tx, k, sc.Path, vi.N)
				if err != nil {
					add(where, "version %d: %v", vi.N, reason(err))
					continue
				}
				if _, err := decodeValues(pt); err != nil {
					add(where, "version %d: malformed values", vi.N)
					continue
				}
				r.Versions++
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = records(tx.Bucket(bktIndex), func(k, _ []byte) error {
			if tx.Bucket(bktSecrets).Get(k) == nil {
				add("index entry "+shortHash(k), "no record behind it")
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = records(tx.Bucket(bktVersions), func(k, _ []byte) error {
			if !live[string(k)] {
				n := -1
				if len(k) == 20 {
					n = int(binary.BigEndian.Uint32(k[16:]))
				}
				add("values "+shortHash(k), "version %d belongs to no record", n)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if sb := tx.Bucket(bktState); sb != nil {
			_ = records(sb, func(k, v []byte) error {
				if _, _, _, err := s.openState(k, v); err != nil {
					add("state "+shortHash(k), "%v", reason(err))
				} else if ns, key, _, _ := s.openState(k, v); !bytes.Equal(s.stateKey(ns, key), k) {
					add("state "+shortHash(k), "filed under another key")
				}
				return nil
			})
		}
		if c, ok, err := s.storedCommit(tx); err != nil {
			add("header", "record commitment: %v", reason(err))
		} else if ok && !bytes.Equal(c, s.computeCommit(tx)) {
			add("records", "they do not match the store's commitment: a record was put back from an older copy, added or removed outside ward")
		}
		if err := s.walkAudit(tx, func(Entry) error { r.AuditEntries++; return nil }); err != nil {
			add("audit log", "%v", reason(err))
		} else if mark, err = s.readTailMark(tx); err != nil {
			add("audit log", "tail mark: %v", reason(err))
		} else {
			tailOK = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !treeOK {
		return r, nil
	}
	if tailOK {
		if err := s.tailEntries(ctx, mark, uint64(r.AuditEntries), func(Entry) error { r.AuditEntries++; return nil }); err != nil {
			add(tailWhere+filepath.Base(TailFile(s.File)), "%v", reason(err))
		}
	}
	if r.OK() {
		err = s.Record(ctx, Entry{Action: "doctor", Detail: fmt.Sprintf("%d secret(s), %d version(s), all sound", r.Secrets, r.Versions)})
	}
	return r, err
}

// reason strips the file name from a store error, which a report already
// names once.
func reason(err error) string {
	var ce *CorruptError
	if errors.As(err, &ce) {
		return ce.Reason
	}
	var ae *AuditError
	if errors.As(err, &ae) {
		if ae.Lost {
			return ae.Reason // the whole file, not one entry
		}
		return fmt.Sprintf("entry %d: %s", ae.Seq, ae.Reason)
	}
	return err.Error()
}
