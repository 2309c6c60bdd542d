// Package store is ward's encrypted local store: secrets, their versions
// and metadata, and the audit log, in one bbolt file per store under
// $XDG_DATA_HOME/ward (or $WARD_HOME), NAME.ward, with the audit log's
// newest retrievals in NAME.ward-audit beside it. A backup takes both.
//
// # Format (version 2)
//
// The file is a bbolt database with these buckets:
//
//	ward      header, plain: format, id, identity mode, key envelope, created;
//	          sealed: recipients, audit-head, audit-tail (how far the tail
//	          file was folded, and the base it starts with since), commit
//	          (the record commitment:
//	          XOR of a keyed hash of every index, secrets, versions and state
//	          record, kept up to date by every write, checked by Doctor)
//	index     lookup key -> sealed Head (path, kind, status, times): listing
//	secrets   lookup key -> sealed Secret (metadata, version list)
//	versions  lookup key || u32 version -> sealed field values
//	audit     u64 sequence -> MAC || sealed Entry
//	journal   reserved for staged rotations
//	state     keyed hash of (namespace, key) -> sealed (namespace, key, value):
//	          what packages above keep with the store (sync bases, remotes)
//
// Each of these buckets holds an empty sub-bucket named "\x00" that keeps
// bbolt from storing it inline (see inline.go). Inside their seals, records
// are in the binary forms of codec.go and head.go. Version 1 had JSON
// records and inline buckets: it is still read, and its first write makes
// it version 2 (migrate).
//
// A lookup key is the first 16 bytes of HMAC-SHA-256(index key, path), so
// neither paths nor metadata appear in plain text. Every sealed value is
// XChaCha20-Poly1305 under the record key with associated data naming the
// store id, the bucket and the lookup key (and version, or sequence), so a
// record moved, swapped or replayed fails to open. The keys are derived from
// the data key, which the envelope wraps to each recipient (see package
// crypto).
//
// The format version is read first; a newer version is refused with
// ErrUnsupported rather than guessed at: a ward that writes format 1
// says "upgrade ward" of a format 2 store.
//
// # Transactions and locking
//
// A Store holds no open file between calls: each operation opens the bbolt
// file, runs one transaction, commits with fsync (if it wrote) and closes
// it (Open's read-only handle serves the reads of the next 100 ms). So a TUI
// left open never blocks a script, two writers serialise on the file lock,
// and what an operation returned as done survives a crash. A lock held
// longer than Store.LockTimeout gives ErrLocked.
//
// Every change appends an audit entry in the same transaction as the
// change. A retrieval of values (Get, GetMany, and Record for actions
// outside the store) changes nothing, so it reads in a read-only
// transaction and appends its entry to the audit tail, NAME.ward-audit,
// with one write before any value is returned: no entry, no value. That
// write is not synced (set WARD_AUDIT_SYNC=1 to sync it): it survives the
// process being killed at any moment, and the disk has it once the
// kernel writes it back (seconds), or at the next change, whose commit
// syncs it. The next read-write transaction folds the tail into the
// audit bucket. The tail's format and what its chain finds are in
// tail.go.
//
// # Errors
//
// Errors wrap ErrNotFound, ErrExists, ErrNoStore, ErrLocked, ErrCorrupt
// (as *CorruptError or *AuditError, naming the file and the record by its
// lookup key, never by path or value), ErrWrongKey and ErrUnsupported.
package store
