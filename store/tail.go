package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	bolt "go.etcd.io/bbolt"

	wcrypto "github.com/opsward/ward/crypto"
)

// The audit tail.
//
// A retrieval changes nothing in the store, yet it must be audited before
// the value is handed out. Recording it with a read-write bbolt commit
// costs more than the rest of a `ward get` together (page writes, the
// freelist, two fdatasyncs on a file of any size). So entries that come
// with no change to the store (get, reveal, copy, export, Record) go to a
// small append-only file beside the store, NAME.ward-audit, with one
// write each, and the next read-write transaction of the store moves them
// into the audit bucket ("folds" them) and starts the file afresh.
//
// The write is not synced to the disk (unless WARD_AUDIT_SYNC=1): an
// fdatasync was 0.2 ms of a 3.5 ms `ward get` on the bench machine, the
// largest single part of the store's work, and it guards only against a
// power loss or kernel crash in the seconds before the kernel writes the
// page back (a killed ward loses nothing: the page is the kernel's).
// Audit logs commonly make that trade (auditd flushes asynchronously by
// default; Vault's file audit device does not sync each entry). Changes
// are different: a change and its audit entry are one bbolt commit,
// synced before ward says it is done.
//
// The file is a sequence of frames, each
//
//	u32 length | payload | u32 length
//
// (the trailing length lets an appender read the last frame without
// reading the rest). The payload is
//
//	kind (1 byte) | local seq (u64) | mac (32) | sealed entry (kind 'E' only)
//
// The first frame is the base, kind 'B', local seq 0, mac =
// MAC(audit key, "audit-tail-base", nonce) with a random nonce kept in the
// sealed part's place; every later frame is an entry, kind 'E', local seq
// 1, 2, …, mac = MAC(audit key, previous mac, seq, sealed): the same chain
// as the audit bucket, so an entry removed, changed or reordered in the
// file is found, and so is a base that is not the first frame. The sealed
// entry is the JSON Entry sealed with the audit key and bound to its local
// seq.
//
// A fold re-seals the entries into the bucket's chain (they get the
// bucket's next sequence numbers) and records in the store's header which
// tail (by its base mac) it folded up to which local seq, in the same
// transaction; the file is only started afresh after the commit. A crash
// between the two leaves a tail whose entries the header says are folded:
// the next fold skips them, so nothing is lost and nothing is counted
// twice.
//
// Each fold also chooses the nonce of the base the file starts afresh
// with and records it in the same mark (Next), as does the store's
// creation, which writes the first tail itself. A tail file that is
// missing, or that begins with any other base, was deleted or replaced
// since: reported (AuditError.Lost), never started afresh unseen; `ward
// audit restart` records the loss in the store's own chain and starts a
// tail with a new recorded base. ward never deletes the file: it cuts it
// to nothing and writes the new base, so an empty file is a crash between
// the two, and gets the base the mark names.
//
// A retrieval checks, in O(1), that the file starts with the base its
// transaction's mark names (appendTail); the tail of the last fold, which
// a write that ended before its fresh start leaves, it starts afresh.
//
// What a chain cannot find: entries removed from the end of the file, the
// file cut to nothing, or the copy from just before the last fold put
// back (that is the state a crash right after a fold leaves). That is the
// same as rolling the store file back to an older copy, which no log kept
// beside its data can find either (see audit.go).

const (
	tailSuffix    = "-audit"
	tailKindBase  = 'B'
	tailKindEntry = 'E'
	tailFixed     = 1 + 8 + auditMACSize // kind, seq, mac
	// A frame larger than this is damage: entries are a few hundred bytes.
	tailMaxFrame = 1 << 20
	// foldAbove is the tail size above which a retrieval folds the tail
	// into the store itself, so a store that is only ever read keeps a
	// small tail.
	foldAbove = 256 << 10
)

var keyAuditTail = []byte("audit-tail")

// LooksLikeTail reports whether b, the start of a file, is the start of
// an audit tail (its base frame).
func LooksLikeTail(b []byte) bool {
	return len(b) >= 5 && binary.BigEndian.Uint32(b) == tailFixed+32 && b[4] == tailKindBase
}

// TailFile is the audit tail beside a store file.
func TailFile(storeFile string) string { return storeFile + tailSuffix }

type tailFrame struct {
	kind   byte
	seq    uint64
	mac    []byte
	sealed []byte
	end    int64 // offset just past the frame
}

func (f tailFrame) encode() []byte {
	n := tailFixed + len(f.sealed)
	out := make([]byte, 0, 8+n)
	out = binary.BigEndian.AppendUint32(out, uint32(n))
	out = append(out, f.kind)
	out = binary.BigEndian.AppendUint64(out, f.seq)
	out = append(out, f.mac...)
	out = append(out, f.sealed...)
	return binary.BigEndian.AppendUint32(out, uint32(n))
}

func decodeTailPayload(p []byte) (tailFrame, bool) {
	if len(p) < tailFixed {
		return tailFrame{}, false
	}
	f := tailFrame{kind: p[0], seq: binary.BigEndian.Uint64(p[1:9]), mac: p[9:tailFixed], sealed: p[tailFixed:]}
	switch f.kind {
	case tailKindBase:
		return f, f.seq == 0 && len(f.sealed) == 32
	case tailKindEntry:
		return f, f.seq > 0 && len(f.sealed) > 0
	}
	return tailFrame{}, false
}

// parseTail splits raw into frames. It stops at the first frame that does
// not parse and returns the offset where the good frames end, so an
// appender can cut off a write torn by a crash. A good frame after a bad
// one is not looked for: the bad one is the end.
func parseTail(raw []byte) (frames []tailFrame, good int64) {
	off := 0
	for len(raw)-off >= 8 {
		n := int(binary.BigEndian.Uint32(raw[off:]))
		if n < tailFixed || n > tailMaxFrame || len(raw)-off < 8+n {
			break
		}
		if binary.BigEndian.Uint32(raw[off+4+n:]) != uint32(n) {
			break
		}
		f, ok := decodeTailPayload(raw[off+4 : off+4+n])
		if !ok {
			break
		}
		off += 8 + n
		f.end = int64(off)
		frames = append(frames, f)
	}
	return frames, int64(off)
}

// parseWholeTail parses raw and fails unless what follows the last frame
// that parses is a torn end (see tornEnd): damage anywhere else (in the
// base, in a frame's length or kind) must be reported, never taken for the
// end of the file, which would drop every entry after it unseen.
func (s *Store) parseWholeTail(raw []byte) ([]tailFrame, int64, error) {
	frames, good := parseTail(raw)
	if !tornEnd(raw[good:]) {
		return nil, 0, s.tailErr(uint64(len(frames)), fmt.Sprintf("unreadable from byte %d of %d", good, len(raw)))
	}
	return frames, good, nil
}

// tornEnd reports whether rest, the bytes after the last frame that
// parses, is what an append cut short can leave: nothing, zeros (blocks a
// power loss left unwritten), or the start of one frame (a plausible length
// and fewer bytes than it announces, and no whole frame within them). A
// complete frame that does not parse is damage, and so is a length changed
// to a plausible larger one: the frame's own end, or the frames after it,
// are still there, whole, where one torn write leaves only a part of one
// frame. (Cutting the file
// at a frame's edge looks like a crash and cannot be told from one: see the
// top of this file.)
func tornEnd(rest []byte) bool {
	if len(rest) < 4 || !slices.ContainsFunc(rest, func(b byte) bool { return b != 0 }) {
		return true
	}
	n := int(binary.BigEndian.Uint32(rest))
	if n < tailFixed || n > tailMaxFrame || len(rest) >= 8+n {
		return false
	}
	for i := 1; i+8+tailFixed <= len(rest); i++ {
		if wholeFrameAt(rest, i) {
			return false
		}
	}
	// The whole of one frame with only its leading length changed: its
	// copy at the end still matches.
	if m := int(binary.BigEndian.Uint32(rest[len(rest)-4:])); m == len(rest)-8 && m >= tailFixed {
		if _, ok := decodeTailPayload(rest[4 : 4+m]); ok {
			return false
		}
	}
	return true
}

// wholeFrameAt reports whether a complete frame that parses starts at
// raw[off:].
func wholeFrameAt(raw []byte, off int) bool {
	n := int(binary.BigEndian.Uint32(raw[off:]))
	if n < tailFixed || n > tailMaxFrame || len(raw)-off < 8+n ||
		binary.BigEndian.Uint32(raw[off+4+n:]) != uint32(n) {
		return false
	}
	_, ok := decodeTailPayload(raw[off+4 : off+4+n])
	return ok
}

func (s *Store) tailErr(seq uint64, reason string) error {
	return &AuditError{File: TailFile(s.File), Seq: seq, Reason: reason}
}

func (s *Store) baseMAC(nonce []byte) []byte {
	return wcrypto.MAC(s.keys.Audit, []byte("audit-tail-base"), nonce)
}

// checkTail verifies the chain of frames and returns the entries, each
// with its local seq. A torn last write is not an error: callers that
// write cut it off, readers ignore it.
func (s *Store) checkTail(frames []tailFrame) ([]tailFrame, error) {
	if len(frames) == 0 {
		return nil, nil
	}
	b := frames[0]
	if b.kind != tailKindBase || !bytes.Equal(b.mac, s.baseMAC(b.sealed)) {
		return nil, s.tailErr(0, "the first frame is not this store's base: the file was replaced or its start removed")
	}
	prev := b.mac
	for i, f := range frames[1:] {
		want := uint64(i + 1)
		if f.kind != tailKindEntry || f.seq != want {
			return nil, s.tailErr(want, "missing or out of order")
		}
		if !bytes.Equal(f.mac, wcrypto.MAC(s.keys.Audit, prev, seqKey(f.seq), f.sealed)) {
			return nil, s.tailErr(want, "changed, reordered, or an earlier entry was removed")
		}
		prev = f.mac
	}
	return frames[1:], nil
}

func (s *Store) openTailEntry(f tailFrame) (Entry, error) {
	pt, err := wcrypto.Open(s.keys.Audit, f.sealed, s.ad("audit-tail", string(seqKey(f.seq))))
	if err != nil {
		return Entry{}, s.tailErr(f.seq, "does not authenticate")
	}
	e, err := decodeEntry(pt)
	if err != nil {
		return Entry{}, s.tailErr(f.seq, "malformed")
	}
	return e, nil
}

// openTail opens the tail file for reading and writing, holding an
// exclusive lock on it, creating it if create is set. Without create, a
// missing file is (nil, nil). The caller closes it.
func (s *Store) openTail(create bool) (*os.File, error) {
	name := TailFile(s.File)
	flags := os.O_RDWR
	if create {
		flags |= os.O_CREATE
	}
	f, err := openFile(name, flags, 0o600)
	if !create && errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open audit log %s: %w", name, fileErr(err))
	}
	if err := lockFile(f, s.LockTimeout); err != nil {
		f.Close()
		if errors.Is(err, errLockTimeout) {
			return nil, fmt.Errorf("audit log %s: %w (waited %s)", name, ErrLocked, s.LockTimeout)
		}
		return nil, fmt.Errorf("lock audit log %s: %w", name, fileErr(err))
	}
	return f, nil
}

// readTailFile reads the tail under a shared lock, for listing and
// verifying. A missing file is an empty tail.
func (s *Store) readTailFile() ([]byte, error) {
	name := TailFile(s.File)
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open audit log %s: %w", name, fileErr(err))
	}
	defer f.Close()
	if err := rlockFile(f, s.LockTimeout); err != nil {
		return nil, fmt.Errorf("lock audit log %s: %w", name, fileErr(err))
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read audit log %s: %w", name, fileErr(err))
	}
	return b, nil
}

// openTailEnd opens and locks the tail (see openTail) and reads its last
// frame (see lastFrame); ok is false when it holds none. Without create, a
// missing file is a nil f.
func (s *Store) openTailEnd(create bool) (f *os.File, last tailFrame, ok bool, err error) {
	if f, err = s.openTail(create); err != nil || f == nil {
		return nil, tailFrame{}, false, err
	}
	if last, ok, err = s.lastFrame(f); err != nil {
		f.Close()
		return nil, tailFrame{}, false, fmt.Errorf("read audit log %s: %w", TailFile(s.File), fileErr(err))
	}
	return f, last, ok, nil
}

// markNow reads the tail mark in a transaction of its own.
func (s *Store) markNow(ctx context.Context) (m tailMark, err error) {
	err = s.view(ctx, func(tx *bolt.Tx) error {
		m, err = s.readTailMark(tx)
		return err
	})
	return m, err
}

// lastFrame reads the newest frame of an open tail without reading the
// rest, falling back to a full parse (and cutting a torn end) when the end
// does not look like a frame. It returns the frame and where it ends.
func (s *Store) lastFrame(f *os.File) (tailFrame, bool, error) {
	st, err := f.Stat()
	if err != nil {
		return tailFrame{}, false, err
	}
	size := st.Size()
	if size == 0 {
		return tailFrame{}, false, nil
	}
	if size >= 8 {
		var tl [4]byte
		if _, err := f.ReadAt(tl[:], size-4); err != nil {
			return tailFrame{}, false, err
		}
		n := int64(binary.BigEndian.Uint32(tl[:]))
		if n >= tailFixed && n <= tailMaxFrame && n+8 <= size {
			buf := make([]byte, n+8)
			if _, err := f.ReadAt(buf, size-n-8); err != nil {
				return tailFrame{}, false, err
			}
			if int64(binary.BigEndian.Uint32(buf)) == n {
				if fr, ok := decodeTailPayload(buf[4 : 4+n]); ok {
					fr.end = size
					return fr, true, nil
				}
			}
		}
	}
	// The end is not a frame: a write torn by a crash (a process killed
	// mid-write, whose value was not handed out, or a power loss before
	// the kernel wrote the last entries back), or damage. Keep the frames
	// that parse and cut the rest.
	raw := make([]byte, size)
	if _, err := f.ReadAt(raw, 0); err != nil {
		return tailFrame{}, false, err
	}
	frames, good, err := s.parseWholeTail(raw)
	if err != nil {
		// Damage, not a crash: cutting it would destroy what the file
		// still holds after it.
		return tailFrame{}, false, err
	}
	if err := f.Truncate(good); err != nil {
		return tailFrame{}, false, err
	}
	if len(frames) == 0 {
		return tailFrame{}, false, nil
	}
	return frames[len(frames)-1], true, nil
}

// appendTail records entries for a retrieval in the tail file before the
// caller hands anything out (synced only with WARD_AUDIT_SYNC=1, see the
// top of this file). It returns the tail's size after the write.
//
// With m, the mark as the caller's transaction read it (a get's), the
// tail's base must be the one it names: a file put back from an older
// fold is refused here, not only by the next write or verify. A base that
// disagrees with m is checked against the mark as it is now, once: a
// write may have folded the tail since the caller read it.
func (s *Store) appendTail(ctx context.Context, m *tailMark, entries ...Entry) (int64, error) {
	for {
		size, err := s.appendTailOnce(ctx, m, entries)
		if !errors.Is(err, errOtherBase) {
			return size, err
		}
		if m, err = s.markMoved(ctx, *m); err != nil {
			return 0, err
		}
	}
}

// markMoved is the mark as it is now, when it differs from m: a write
// folded the tail since m was read (a sync's workers write while others
// read, so it can happen several times over). When the mark has not moved,
// the file that disagrees with it was replaced.
func (s *Store) markMoved(ctx context.Context, m tailMark) (*tailMark, error) {
	now, err := s.markNow(ctx)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(now.Base, m.Base) && now.Folded == m.Folded && bytes.Equal(now.Next, m.Next) {
		return nil, s.tailReplaced()
	}
	return &now, nil
}

// encodeTailEntry is encodeEntry, or the JSON form for a store still in
// format 1: a retrieval does not upgrade the store, and an older ward
// reading the tail must be able to read what a newer one appended.
func (s *Store) encodeTailEntry(e Entry) []byte {
	if s.format == 1 {
		if b, err := json.Marshal(e); err == nil {
			return b
		}
	}
	return encodeEntry(e)
}

// errOtherBase: the tail starts with a base the mark does not name.
var errOtherBase = errors.New("the audit tail has another base than the mark names")

func (s *Store) appendTailOnce(ctx context.Context, m *tailMark, entries []Entry) (int64, error) {
	f, last, ok, err := s.openTailEnd(false)
	if err != nil {
		return 0, err
	}
	var next []byte
	if !ok {
		// Missing, or no frame in it: it starts with the base the mark
		// names. The mark is read without the tail's lock held: a writer
		// takes the store's lock and then the tail's.
		if f != nil {
			f.Close()
		}
		m, err := s.markNow(ctx)
		if err != nil {
			return 0, err
		}
		if f == nil && m.Next != nil {
			return 0, s.tailMissing()
		}
		if f, last, ok, err = s.openTailEnd(true); err != nil {
			return 0, err
		}
		next = m.Next
	}
	defer f.Close()
	name := TailFile(s.File)
	var buf []byte
	if ok {
		b, err := s.checkBase(f)
		if err != nil {
			return 0, err
		}
		if m != nil && m.Next != nil && !bytes.Equal(b.mac, s.baseMAC(m.Next)) {
			switch {
			case bytes.Equal(b.mac, m.Base) && last.seq == m.Folded:
				// Folded by a write that ended before its fresh
				// start: every entry is in the store; start it now.
				if err := f.Truncate(0); err != nil {
					return 0, fmt.Errorf("write audit log %s: %w", name, fileErr(err))
				}
				ok, next = false, m.Next
			case bytes.Equal(b.mac, m.Base):
				// Entries appended after that (by a ward that did not
				// check the base): the next fold takes them.
			default:
				return 0, errOtherBase
			}
		}
	}
	if !ok {
		base := s.baseFrame(next)
		buf = base.encode()
		last = base
	}
	prev, seq := last.mac, last.seq
	for _, e := range entries {
		s.stamp(&e)
		seq++
		e.Seq = 0 // the bucket's number is given when folded
		sealed := wcrypto.Seal(s.keys.Audit, s.encodeTailEntry(e), s.ad("audit-tail", string(seqKey(seq))))
		mac := wcrypto.MAC(s.keys.Audit, prev, seqKey(seq), sealed)
		buf = append(buf, tailFrame{kind: tailKindEntry, seq: seq, mac: mac, sealed: sealed}.encode()...)
		prev = mac
	}
	end := last.end
	if !ok {
		end = 0
	}
	if _, err := f.WriteAt(buf, end); err != nil {
		return 0, fmt.Errorf("write audit log %s: %w", name, fileErr(err))
	}
	if syncRetrievals() {
		if err := syncTail(f); err != nil {
			return 0, fmt.Errorf("write audit log %s: %w", name, fileErr(err))
		}
		if !ok {
			// A new file: its directory entry must be durable too.
			if err := syncDir(filepath.Dir(s.File)); err != nil {
				return 0, err
			}
		}
	}
	return end + int64(len(buf)), nil
}

// syncRetrievals says whether retrieval entries are synced to the disk
// before the value is handed out: WARD_AUDIT_SYNC=1 (or true), for operators whose
// rules want every retrieval on the disk even through a power loss.
func syncRetrievals() bool {
	on, _ := strconv.ParseBool(os.Getenv("WARD_AUDIT_SYNC"))
	return on
}

// syncTail syncs the tail file after a retrieval's append (a variable for
// the test that counts them).
var syncTail = (*os.File).Sync

// errStaleTail says the tail's base is not made with the store's current
// keys: a re-key committed and the process ended before it started the
// tail afresh. A fold (any read-write transaction) deals with it.
var errStaleTail = errors.New("audit tail predates a re-key")

// checkBase reads the first frame of an open tail and checks it is a base
// made with this store's keys.
func (s *Store) checkBase(f *os.File) (tailFrame, error) {
	buf := make([]byte, 8+tailFixed+32)
	if _, err := f.ReadAt(buf, 0); err != nil {
		return tailFrame{}, s.tailErr(0, "its first frame is not a base")
	}
	n := binary.BigEndian.Uint32(buf)
	b, ok := decodeTailPayload(buf[4 : len(buf)-4])
	if n != tailFixed+32 || !ok || b.kind != tailKindBase {
		return tailFrame{}, s.tailErr(0, "its first frame is not a base")
	}
	if !bytes.Equal(b.mac, s.baseMAC(b.sealed)) {
		return tailFrame{}, errStaleTail
	}
	return b, nil
}

func newNonce() []byte {
	nonce := make([]byte, 32)
	if _, err := rand.Read(nonce); err != nil {
		panic("crypto/rand: " + err.Error()) // unreachable on supported systems
	}
	return nonce
}

// baseFrame is the base with nonce, or with a new random one when nonce is
// nil (a store from before the mark kept Next).
func (s *Store) baseFrame(nonce []byte) tailFrame {
	if nonce == nil {
		nonce = newNonce()
	}
	return tailFrame{kind: tailKindBase, mac: s.baseMAC(nonce), sealed: nonce}
}

// tailMark is what the header keeps of the last fold: the base mac of the
// tail it folded, the local seq it folded up to, and the nonce of the base
// the tail file starts with since (see the top of this file).
type tailMark struct {
	Base   []byte `json:"base,omitempty"`
	Folded uint64 `json:"folded,omitempty"`
	// Next is empty in stores from before it was kept: their tail can be
	// deleted unseen until their next write records one.
	Next []byte `json:"next,omitempty"`
}

func (s *Store) writeTailMark(tx *bolt.Tx, m tailMark) error {
	return tx.Bucket(bktHeader).Put(keyAuditTail, s.seal(encodeMark(m), "audit-tail"))
}

// expected reports whether the file's first frame is a base the mark
// allows: the one it names next, or the tail it folded (a crash came
// before the fresh start). Any base will do for a mark without Next.
func (s *Store) expected(m tailMark, base tailFrame) bool {
	return m.Next == nil || bytes.Equal(base.mac, s.baseMAC(m.Next)) || bytes.Equal(base.mac, m.Base)
}

func (s *Store) tailMissing() error {
	return &AuditError{File: TailFile(s.File), Lost: true,
		Reason: "the file is missing: it was deleted or moved after the store last wrote it, with any retrievals it recorded"}
}

func (s *Store) tailReplaced() error {
	return &AuditError{File: TailFile(s.File), Lost: true,
		Reason: "it is not the file the store started: it was replaced by another copy, and the entries of the one the store expects are gone"}
}

// readTailMark reads the mark (a get reads it too: see appendTail).
func (s *Store) readTailMark(tx *bolt.Tx) (tailMark, error) {
	raw := tx.Bucket(bktHeader).Get(keyAuditTail)
	if raw == nil {
		return tailMark{}, nil
	}
	pt, err := s.unseal(raw, "audit tail mark", string(keyAuditTail))
	if err != nil {
		return tailMark{}, err
	}
	m, err := decodeMark(pt)
	if err != nil {
		return tailMark{}, &CorruptError{File: s.File, Where: "audit tail mark", Reason: "malformed"}
	}
	return m, nil
}

// pending returns the entries of frames not yet folded, by the mark.
func (s *Store) pending(frames []tailFrame, entries []tailFrame, m tailMark) ([]tailFrame, error) {
	if len(frames) == 0 || !bytes.Equal(frames[0].mac, m.Base) {
		return entries, nil
	}
	if uint64(len(entries)) < m.Folded {
		return nil, s.tailErr(uint64(len(entries))+1, fmt.Sprintf("entries %d to %d were folded into the store and are gone from the file", len(entries)+1, m.Folded))
	}
	return entries[m.Folded:], nil
}

// tailFold holds the tail file locked through a read-write transaction
// that moves its pending entries into the audit bucket.
type tailFold struct {
	f       *os.File // nil when there is no file yet (restart creates it)
	restart bool     // start the tail afresh once committed
	next    []byte   // the nonce of the base to start it with (nil: random)
	keys    *wcrypto.Keys
}

// foldTail moves the pending tail entries into the audit bucket within tx.
// The caller must call finish after the transaction, committed or not.
// With lost set (RestartTail), a missing file is not an error: the caller
// records its loss.
func (s *Store) foldTail(tx *bolt.Tx, lost bool) (*tailFold, error) {
	if s.keys == nil || s.creating {
		return nil, nil
	}
	m, err := s.readTailMark(tx)
	if err != nil {
		return nil, err
	}
	f, err := s.openTail(false)
	if err != nil {
		return nil, err
	}
	switch {
	case f == nil && lost:
		return s.restartTail(tx, m, &tailFold{keys: s.keys})
	case f == nil && m.Next == nil:
		return nil, nil // no retrieval yet, in a store from before Next
	case f == nil:
		return nil, s.tailMissing()
	case lost:
		f.Close()
		return nil, fmt.Errorf("audit log %s is there: there is nothing to restart (move a damaged one aside first, and keep it): %w", TailFile(s.File), ErrExists)
	}
	tf := &tailFold{f: f, keys: s.keys, next: m.Next}
	fail := func(err error) (*tailFold, error) {
		tf.finish(s, false)
		return nil, err
	}
	raw, err := io.ReadAll(f)
	if err != nil {
		return fail(fmt.Errorf("read audit log %s: %w", TailFile(s.File), fileErr(err)))
	}
	frames, _, err := s.parseWholeTail(raw)
	if err != nil {
		return fail(err)
	}
	if len(frames) == 0 {
		// Cut to nothing by a crash before its new base was written:
		// write it. (Without Next, a random one.)
		tf.restart = true
		return tf, nil
	}
	if bytes.Equal(frames[0].mac, m.Base) && uint64(len(frames)-1) == m.Folded {
		// Folded already, perhaps under the keys before a re-key: only
		// the fresh start is left to do.
		tf.restart = true
		return tf, nil
	}
	if len(frames) == 1 && frames[0].kind == tailKindBase && !bytes.Equal(frames[0].mac, s.baseMAC(frames[0].sealed)) {
		// A base alone, made with other keys: a re-key committed and
		// the process ended before the fresh start. It holds no entry,
		// so starting afresh loses nothing.
		tf.restart = true
		return tf, nil
	}
	entries, err := s.checkTail(frames)
	if err != nil {
		return fail(err)
	}
	if !s.expected(m, frames[0]) {
		return fail(s.tailReplaced())
	}
	todo, err := s.pending(frames, entries, m)
	if err != nil {
		return fail(err)
	}
	for _, fr := range todo {
		e, err := s.openTailEntry(fr)
		if err != nil {
			return fail(err)
		}
		if err := s.appendAuditRaw(tx, e); err != nil {
			return fail(err)
		}
	}
	switch {
	case len(entries) > 0:
		// A new base for the fresh start, recorded with the fold.
		tf.restart, tf.next = true, newNonce()
		m = tailMark{Base: frames[0].mac, Folded: uint64(len(entries)), Next: tf.next}
	case m.Next == nil:
		// A store from before Next: the base the file has is the one.
		m.Next = frames[0].sealed
	default:
		return tf, nil
	}
	if err := s.writeTailMark(tx, m); err != nil {
		return fail(err)
	}
	return tf, nil
}

// startTail writes a new tail file holding only the base with nonce.
func (s *Store) startTail(nonce []byte) error {
	f, err := s.openTail(true)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("write audit log %s: %w", f.Name(), fileErr(err))
	}
	if _, err := f.WriteAt(s.baseFrame(nonce).encode(), 0); err != nil {
		return fmt.Errorf("write audit log %s: %w", f.Name(), fileErr(err))
	}
	return f.Sync()
}

// RestartTail starts the audit tail afresh after it was lost (deleted, or
// moved aside because it was damaged), recording the loss in the store's
// own audit chain. A tail that is there is not touched: it is an error to
// restart one, and ErrExists says so.
func (s *Store) RestartTail(ctx context.Context) error {
	if s.keys == nil {
		return errNotUnlocked
	}
	return s.updateTail(ctx, true, func(tx *bolt.Tx) error { return nil })
}

// restartTail records in tx that the tail was lost and names a new base
// for it.
func (s *Store) restartTail(tx *bolt.Tx, m tailMark, tf *tailFold) (*tailFold, error) {
	if err := s.appendAudit(tx, Entry{Action: "audit-restart", Outcome: "ok",
		Detail: "the audit tail was missing: the retrievals it recorded since the last change are lost; a new one begins"}); err != nil {
		return nil, err
	}
	tf.restart, tf.next = true, newNonce()
	m.Next = tf.next
	if err := s.writeTailMark(tx, m); err != nil {
		return nil, err
	}
	return tf, nil
}

// finish starts the tail afresh when the transaction committed and the
// fold says so (or a re-key changed the keys its base is made with), and
// lets go of the file. A failure to start afresh loses nothing: the mark
// says what was folded and which base comes next.
func (tf *tailFold) finish(s *Store, committed bool) {
	if tf == nil {
		return
	}
	if tf.f != nil {
		defer tf.f.Close()
	}
	if !committed || (!tf.restart && s.keys == tf.keys) {
		return
	}
	f := tf.f
	if f == nil {
		var err error
		if f, err = s.openTail(true); err != nil {
			return
		}
		defer f.Close()
		defer syncDir(filepath.Dir(s.File))
	}
	// Cut first: a crash between the two leaves an empty tail, never a
	// new base followed by the old frames.
	if err := f.Truncate(0); err != nil {
		return
	}
	if _, err := f.WriteAt(s.baseFrame(tf.next).encode(), 0); err != nil {
		return
	}
	_ = f.Sync()
}

// pendingInFile reads the tail file and returns its entries not folded
// yet by the mark m, checking the file is the one m expects.
func (s *Store) pendingInFile(m tailMark) ([]tailFrame, error) {
	raw, err := s.readTailFile()
	if err != nil {
		return nil, err
	}
	if raw == nil && m.Next != nil {
		return nil, s.tailMissing()
	}
	frames, _, err := s.parseWholeTail(raw)
	if err != nil {
		return nil, err
	}
	entries, err := s.checkTail(frames)
	if err != nil {
		return nil, err
	}
	if len(frames) > 0 && !s.expected(m, frames[0]) {
		return nil, s.tailReplaced()
	}
	return s.pending(frames, entries, m)
}

// tailEntries reads the pending tail entries, numbered after head, for
// listing and verifying.
func (s *Store) tailEntries(ctx context.Context, m tailMark, head uint64, fn func(Entry) error) error {
	todo, err := s.pendingInFile(m)
	for ae := (*AuditError)(nil); errors.As(err, &ae) && ae.Lost; {
		// A write may have folded the tail and started it afresh since
		// the caller read the mark: read it again, while it moves.
		now, merr := s.markMoved(ctx, m)
		if merr != nil {
			return err
		}
		m = *now
		todo, err = s.pendingInFile(m)
	}
	if err != nil {
		return err
	}
	for i, fr := range todo {
		e, err := s.openTailEntry(fr)
		if err != nil {
			return err
		}
		e.Seq = head + uint64(i) + 1
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}
