package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"

	bolt "go.etcd.io/bbolt"
)

// Page-level checks for doctor. A read-only bbolt transaction reads only
// the pages on the way to what it looks up, picks whichever of the two
// meta pages is sound without saying that the other is not, and never
// reads the freelist (only a writer loads it). So damage there passed
// doctor while every write then failed, or, in a meta page, silently set
// the store back to the commit before. These checks read those pages from
// the file, in bbolt's on-disk layout (page header: id u64, flags u16,
// count u16, overflow u32; meta: magic, version, page size, flags, root
// bucket {root, sequence}, freelist, pgid, txid, checksum).

const (
	pageHeaderSize   = 16
	metaMagic        = 0xED0CDAED
	metaVersion      = 2
	freelistPageFlag = 0x10
	metaChecksumAt   = 56 // the checksum covers the meta's bytes before it
	metaSize         = 64
)

// LooksLikeStore reports whether b, the start of a file, is the start of
// a bbolt database, as a store is.
func LooksLikeStore(b []byte) bool {
	return len(b) >= pageHeaderSize+4 && binary.LittleEndian.Uint32(b[pageHeaderSize:]) == metaMagic
}

type diskMeta struct {
	ok                   bool
	pageSize             uint32
	root, freelist, pgid uint64
	txid                 uint64
}

func readMeta(page []byte) diskMeta {
	if len(page) < pageHeaderSize+metaSize {
		return diskMeta{}
	}
	m := page[pageHeaderSize : pageHeaderSize+metaSize]
	le := binary.LittleEndian
	h := fnv.New64a()
	h.Write(m[:metaChecksumAt])
	d := diskMeta{
		pageSize: le.Uint32(m[8:]),
		root:     le.Uint64(m[16:]),
		freelist: le.Uint64(m[32:]),
		pgid:     le.Uint64(m[40:]),
		txid:     le.Uint64(m[48:]),
	}
	d.ok = le.Uint32(m[0:]) == metaMagic && le.Uint32(m[4:]) == metaVersion &&
		h.Sum64() == le.Uint64(m[metaChecksumAt:])
	return d
}

// readMetaPages reads the meta of page 0 and of page 1, which sits one
// page in: at the page size page 0's meta gives when it is sound, else at
// the OS page size. A meta that cannot be read is not ok.
func readMetaPages(f *os.File) (m0, m1 diskMeta) {
	read := func(off int64) diskMeta {
		b := make([]byte, pageHeaderSize+metaSize)
		if _, err := f.ReadAt(b, off); err != nil {
			return diskMeta{}
		}
		return readMeta(b)
	}
	m0 = read(0)
	ps := int64(os.Getpagesize())
	if m0.ok {
		ps = int64(m0.pageSize)
	}
	return m0, read(ps)
}

// checkPages reads the store file's meta pages, freelist and page tree
// and reports what is wrong with them, each a sentence for doctor. treeOK
// is false when the tree itself is unsound: bbolt follows a tree without
// checking it (a page that points back to its ancestor sends a cursor
// round for ever, growing its stack), so nothing else may then read it.
func (s *Store) checkPages() (out []string, treeOK bool) {
	f, err := os.Open(s.File)
	if err != nil {
		return []string{fmt.Sprintf("cannot read the file: %v", fileErr(err))}, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return []string{fmt.Sprintf("cannot read the file: %v", fileErr(err))}, false
	}
	size := st.Size()
	cur, other := readMetaPages(f)
	if other.ok && (!cur.ok || other.txid > cur.txid) {
		cur, other = other, cur
	}
	if !cur.ok {
		return []string{"both meta pages are damaged"}, false
	}
	ps := int64(cur.pageSize)
	if ps < 512 || ps > 1<<16 || ps&(ps-1) != 0 {
		return []string{fmt.Sprintf("the meta page gives a page size of %d", ps)}, false
	}
	switch {
	case other.ok:
	case other.txid+1 == cur.txid:
		out = append(out, fmt.Sprintf("the older of the two commit records (meta pages) is damaged: nothing is lost, the next write rewrites it (commit %d is current)", cur.txid))
	default:
		out = append(out, fmt.Sprintf("the newest commit record (a meta page) does not check out: the store reads as of commit %d, and the change after it may be lost (a power loss during a write leaves this too); writes are refused until ward doctor --accept-older-commit", cur.txid))
	}
	if cur.pgid < 3 || cur.pgid > uint64(size/ps) {
		return append(out, fmt.Sprintf("the meta page says %d pages, the file holds %d", cur.pgid, size/ps)), false
	}
	read := func(id, n uint64) ([]byte, error) {
		if id < 2 || n == 0 || id+n > cur.pgid {
			return nil, fmt.Errorf("page %d+%d lies outside the file's %d pages", id, n-1, cur.pgid)
		}
		b := make([]byte, int64(n)*ps)
		if _, err := f.ReadAt(b, int64(id)*ps); err != nil {
			return nil, fmt.Errorf("page %d: %v", id, err)
		}
		return b, nil
	}
	free, listPages, p := checkFreelist(read, cur)
	if p != "" {
		out = append(out, p)
	}
	used, err := checkTree(read, cur.root)
	if err != nil {
		return append(out, fmt.Sprintf("the page tree: %v", err)), false
	}
	if p == "" && cur.freelist != ^uint64(0) {
		// Every page is the tree's, free, the freelist's or a meta
		// page, and only one of these: a page in use that the freelist
		// also offers is overwritten by the next write.
		for _, id := range free {
			if used[id] {
				return append(out, fmt.Sprintf("freelist page %d: it offers page %d, which the tree uses: the next write would overwrite it", cur.freelist, id)), true
			}
		}
		isFree := make(map[uint64]bool, len(free))
		for _, id := range free {
			isFree[id] = true
		}
		for id := uint64(2); id < cur.pgid; id++ {
			own := id >= cur.freelist && id < cur.freelist+listPages
			if !used[id] && !isFree[id] && !own {
				return append(out, fmt.Sprintf("page %d is neither in use nor free: the freelist or the tree is damaged", id)), true
			}
		}
	}
	return out, true
}

type readPages func(id, n uint64) ([]byte, error)

// pageHeader reads a page's header: id, flags, count, overflow.
func pageHeader(b []byte) (id uint64, flags uint16, count, overflow uint64) {
	le := binary.LittleEndian
	return le.Uint64(b), le.Uint16(b[8:]), uint64(le.Uint16(b[10:])), uint64(le.Uint32(b[12:]))
}

// readPage reads page id whole, overflow pages included, and checks that
// it says it is page id.
func readPage(read readPages, id uint64) (b []byte, flags uint16, count, overflow uint64, err error) {
	hdr, err := read(id, 1)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	got, flags, count, overflow := pageHeader(hdr)
	if got != id {
		return nil, 0, 0, 0, fmt.Errorf("page %d says it is page %d", id, got)
	}
	if overflow == 0 {
		return hdr, flags, count, 0, nil
	}
	b, err = read(id, overflow+1)
	return b, flags, count, overflow, err
}

// checkFreelist checks the freelist page the meta names, which only a
// writer reads.
func checkFreelist(read readPages, m diskMeta) (free []uint64, own uint64, problem string) {
	if m.freelist == ^uint64(0) {
		return nil, 0, "" // not kept on disk: rebuilt on open
	}
	bad := func(what string, args ...any) ([]uint64, uint64, string) {
		return nil, 0, fmt.Sprintf("freelist page %d: %s: every write would fail", m.freelist, fmt.Sprintf(what, args...))
	}
	page, flags, count, overflow, err := readPage(read, m.freelist)
	if err != nil {
		return bad("%v", err)
	}
	if flags != freelistPageFlag {
		return bad("it is marked %#x, not a freelist", flags)
	}
	ids := page[pageHeaderSize:]
	if count == 0xFFFF { // the real count is the first element
		if len(ids) < 8 {
			return bad("cut short")
		}
		count, ids = binary.LittleEndian.Uint64(ids), ids[8:]
	}
	if count > uint64(len(ids))/8 {
		return bad("it lists %d pages, more than it holds", count)
	}
	seen := make(map[uint64]bool, count)
	for i := range count {
		p := binary.LittleEndian.Uint64(ids[i*8:])
		if p < 2 || p >= m.pgid {
			return bad("it frees page %d, outside the file's %d pages", p, m.pgid)
		}
		if seen[p] {
			return bad("it frees page %d twice", p)
		}
		seen[p] = true
		free = append(free, p)
	}
	return free, overflow + 1, ""
}

const (
	branchPageFlag = 0x01
	leafPageFlag   = 0x02
	bucketLeafFlag = 0x01
	elementSize    = 16 // branch and leaf elements alike
	maxInlineDepth = 16
)

// checkTree walks the tree of buckets from the root bucket's page as it
// lies on disk: every page inside the file, saying it is itself, a branch
// or a leaf, its elements inside it, and met once (a page met twice is a
// loop, or two parents). Inline buckets (in a leaf value) are checked in
// place.
func checkTree(read readPages, root uint64) (seen map[uint64]bool, err error) {
	seen = map[uint64]bool{}
	todo := []uint64{root}
	var leaf func(p []byte, count uint64, depth int) error
	leaf = func(p []byte, count uint64, depth int) error {
		if pageHeaderSize+count*elementSize > uint64(len(p)) {
			return fmt.Errorf("%d elements do not fit", count)
		}
		for i := range count {
			at := pageHeaderSize + i*elementSize
			e := p[at:]
			le := binary.LittleEndian
			flags, pos, ksize, vsize := le.Uint32(e), uint64(le.Uint32(e[4:])), uint64(le.Uint32(e[8:])), uint64(le.Uint32(e[12:]))
			if at+pos+ksize+vsize > uint64(len(p)) {
				return fmt.Errorf("element %d lies outside its page", i)
			}
			if flags&bucketLeafFlag == 0 {
				continue
			}
			v := p[at+pos+ksize : at+pos+ksize+vsize]
			if len(v) < 16 {
				return fmt.Errorf("element %d: a bucket header cut short", i)
			}
			if r := le.Uint64(v); r != 0 {
				todo = append(todo, r)
				continue
			}
			if depth >= maxInlineDepth || len(v) < 16+pageHeaderSize {
				return fmt.Errorf("element %d: an inline bucket nested too deep or cut short", i)
			}
			in := v[16:]
			_, iflags, icount, _ := pageHeader(in)
			if iflags != leafPageFlag {
				return fmt.Errorf("element %d: an inline bucket that is not a leaf", i)
			}
			if err := leaf(in, icount, depth+1); err != nil {
				return fmt.Errorf("element %d: inline bucket: %w", i, err)
			}
		}
		return nil
	}
	for len(todo) > 0 {
		id := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[id] {
			return nil, fmt.Errorf("page %d is reached twice (a loop in the tree)", id)
		}
		p, flags, count, overflow, err := readPage(read, id)
		if err != nil {
			return nil, err
		}
		for j := range overflow + 1 {
			if seen[id+j] {
				return nil, fmt.Errorf("page %d is reached twice (pages %d to %d overlap another)", id+j, id, id+overflow)
			}
			seen[id+j] = true
		}
		switch flags {
		case leafPageFlag:
			if err := leaf(p, count, 0); err != nil {
				return nil, fmt.Errorf("page %d: %w", id, err)
			}
		case branchPageFlag:
			if count == 0 || pageHeaderSize+count*elementSize > uint64(len(p)) {
				return nil, fmt.Errorf("page %d: %d branch elements do not fit", id, count)
			}
			for i := range count {
				at := pageHeaderSize + i*elementSize
				e := p[at:]
				pos, ksize := uint64(binary.LittleEndian.Uint32(e)), uint64(binary.LittleEndian.Uint32(e[4:]))
				if at+pos+ksize > uint64(len(p)) {
					return nil, fmt.Errorf("page %d: element %d lies outside its page", id, i)
				}
				todo = append(todo, binary.LittleEndian.Uint64(e[8:]))
			}
		default:
			return nil, fmt.Errorf("page %d is marked %#x, not a branch or leaf", id, flags)
		}
	}
	return seen, nil
}

// walkPages reads every key of every bucket, nested ones included: each
// page the tree holds is read and checked by bbolt on the way (a page
// that names another id panics, which view turns into a CorruptError).
func walkPages(tx *bolt.Tx) error {
	var walk func(b *bolt.Bucket) error
	walk = func(b *bolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				if nb := b.Bucket(k); nb != nil {
					return walk(nb)
				}
			}
			return nil
		})
	}
	return tx.ForEach(func(_ []byte, b *bolt.Bucket) error { return walk(b) })
}

// ErrNewerCommitLost: the meta page of the store file's newest commit does
// not check out, so bbolt reads the commit before it.
var ErrNewerCommitLost = errors.New("the store's newest commit record does not check out")

// checkMetas reads the two meta pages (two small reads) before a write.
// When the newer one is damaged, bbolt reads the older commit as if it
// were all, and the write would overwrite the damaged page: the change
// it held (a set, with its audit entry) gone without a trace. A power
// loss during a commit leaves the same (a commit never acknowledged);
// AcceptOlderCommit goes on from there on purpose, and records it. The
// older page damaged loses nothing: the write rewrites it.
func (s *Store) checkMetas() error {
	f, err := os.Open(s.File)
	if err != nil {
		return nil // the open that follows says what is wrong
	}
	defer f.Close()
	m0, m1 := readMetaPages(f)
	if m0.ok == m1.ok {
		return nil // both sound, or both damaged (bbolt refuses the file)
	}
	good, bad := m0, m1
	if m1.ok {
		good, bad = m1, m0
	}
	if bad.txid+1 == good.txid {
		return nil // the older record: nothing is lost
	}
	return &CorruptError{File: s.File, Where: "meta page", Err: ErrNewerCommitLost, Reason: fmt.Sprintf(
		"the newest commit record does not check out: the store reads as of commit %d, and the change after it may be lost (a power loss during a write leaves this too); nothing is written over it", good.txid)}
}

// AcceptOlderCommit goes on from the older commit when the newest commit
// record does not check out (see checkMetas), and records that in the
// store's audit chain: after a power loss during a write, or once what
// can be recovered from the damaged file was copied out.
func (s *Store) AcceptOlderCommit(ctx context.Context) error {
	if s.keys == nil {
		return errNotUnlocked
	}
	if err := s.checkMetas(); err == nil {
		return fmt.Errorf("store %s: both commit records check out: nothing to accept: %w", s.File, ErrNotFound)
	}
	s.acceptOlder = true
	defer func() { s.acceptOlder = false }()
	return s.update(ctx, func(tx *bolt.Tx) error {
		return s.appendAudit(tx, Entry{Action: "accept-older-commit", Outcome: "ok",
			Detail: "the newest commit record did not check out: went on from the commit before it; the change it held, if any, is lost"})
	})
}
