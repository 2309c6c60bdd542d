package store

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/internal/panicsite"
)

// FormatVersion is the store format this build writes. It reads formats
// minFormat to FormatVersion: format 1 kept records as JSON, and a store
// of format 1 becomes format 2 with its first write (see migrate), so that
// an older ward refuses it as newer instead of taking it for damaged.
const FormatVersion = 2

const minFormat = 1

// DefaultName is the store used when none is named.
const DefaultName = "default"

// DefaultKeepVersions is how many versions of a secret keep their values.
const DefaultKeepVersions = 20

// Bucket and key names. They are part of the format.
var (
	bktHeader   = []byte("ward")
	bktIndex    = []byte("index")
	bktSecrets  = []byte("secrets")
	bktVersions = []byte("versions")
	bktAudit    = []byte("audit")
	bktJournal  = []byte("journal")

	keyFormat     = []byte("format")
	keyID         = []byte("id")
	keyIdentity   = []byte("identity")
	keyEnvelope   = []byte("envelope")
	keyRecipients = []byte("recipients")
	keyAuditHead  = []byte("audit-head")
	keyCreated    = []byte("created")
)

// IdentityMode says where a store's own identity lives.
type IdentityMode string

// The identity modes.
const (
	// IdentityKeyring: in the OS keyring, under service "ward" and user
	// "store:<id>".
	IdentityKeyring IdentityMode = "keyring"
	// IdentityFile: in <store>.identity.age beside the store, encrypted
	// with a passphrase.
	IdentityFile IdentityMode = "file"
	// IdentityExternal: the operator supplies it (--identity FILE).
	IdentityExternal IdentityMode = "external"
)

// Dir returns the directory stores live in: $WARD_HOME if set, else
// $XDG_DATA_HOME/ward, else ~/.local/share/ward.
func Dir() (string, error) {
	if d := os.Getenv("WARD_HOME"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "ward"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find store directory: %w", err)
	}
	return filepath.Join(home, ".local", "share", "ward"), nil
}

// CheckName checks a store name.
func CheckName(name string) error {
	if name == "" || len(name) > 64 || strings.HasPrefix(name, ".") {
		return fmt.Errorf("bad store name %q: 1 to 64 letters, digits, - or _", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("bad store name %q: 1 to 64 letters, digits, - or _", name)
		}
	}
	return nil
}

// FileFor returns the file of the store called name.
func FileFor(name string) (string, error) {
	if err := CheckName(name); err != nil {
		return "", err
	}
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, name+".ward"), nil
}

// IdentityFileFor returns where a store file keeps its passphrase-protected
// identity in IdentityFile mode.
func IdentityFileFor(file string) string {
	return strings.TrimSuffix(file, ".ward") + ".identity.age"
}

// Names lists the stores in Dir.
func Names() ([]string, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".ward"); ok && !e.IsDir() && CheckName(n) == nil {
			names = append(names, n)
		}
	}
	return names, nil
}

// Store is an open store. Opening reads the header only; the bbolt file is
// opened again for each transaction and closed after it, so that no process
// holds the file lock while it waits for a person (the TUI open in one
// terminal never blocks `ward get` in another).
type Store struct {
	File string
	Name string

	id       string
	mode     IdentityMode
	envelope []byte
	keys     *wcrypto.Keys
	identity *age.X25519Identity // the identity that unlocked it, if known
	// keyUnchecked: keys came from the session cache by the envelope's tag
	// and have not met the store yet; the next transaction checks them.
	keyUnchecked bool
	creating     bool
	// acceptOlder lets AcceptOlderCommit write past checkMetas.
	acceptOlder bool
	cached      bool // the data key is in the session cache (see recache)
	// format is the store's format as Open read it (FormatVersion once
	// this process wrote it): a format-1 store gets tail entries in its
	// own JSON form until a write upgrades it, so an older ward can
	// still read them.
	format int

	// kept is the read-only handle Open read the header through, kept
	// for the transaction that usually follows at once (see keptDB).
	kept *keptDB

	// LockTimeout is how long a transaction waits for another process's
	// lock before failing with ErrLocked.
	LockTimeout time.Duration
	// Actor is recorded in history and the audit log ("user@host").
	Actor string
	// KeepVersions bounds the versions that keep values.
	KeepVersions int
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// ID returns the store's random identifier.
func (s *Store) ID() string { return s.id }

// Mode returns where the store's own identity lives.
func (s *Store) Mode() IdentityMode { return s.mode }

// Unlocked reports whether the store's keys are available.
func (s *Store) Unlocked() bool { return s.keys != nil }

// KeyringUser is the keyring account under which the store's identity is
// kept.
func (s *Store) KeyringUser() string { return "store:" + s.id }

// DefaultActor returns "user@host" for this process.
func DefaultActor() string {
	name := userName()
	if name == "" {
		name = "unknown"
	}
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	return name + "@" + host
}

func newStore(file string) *Store {
	return &Store{
		File:         file,
		Name:         strings.TrimSuffix(filepath.Base(file), ".ward"),
		LockTimeout:  10 * time.Second,
		Actor:        DefaultActor(),
		KeepVersions: DefaultKeepVersions,
		Now:          func() time.Time { return time.Now().UTC() },
	}
}

// CreateOptions configure a new store.
type CreateOptions struct {
	Mode IdentityMode
	// Recipients the data key is wrapped to: the store's own identity's
	// recipient first, then any recovery or team recipients.
	Recipients []string
	// ID is the store's identifier (32 hex digits); empty for a random one.
	ID string
}

// Create makes a new store file, unlocked with a fresh data key. It fails
// with an error wrapping ErrExists if the file exists.
func Create(ctx context.Context, file string, o CreateOptions) (*Store, error) {
	if len(o.Recipients) == 0 {
		return nil, errors.New("create store: no recipients")
	}
	rs, canon, err := parseRecipients(o.Recipients)
	if err != nil {
		return nil, fmt.Errorf("create store: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return nil, fmt.Errorf("create store: %w", err)
	}
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("create store %s: %w", file, ErrExists)
	}
	if err != nil {
		return nil, fmt.Errorf("create store: %w", err)
	}
	f.Close()
	s := newStore(file)
	s.mode = o.Mode
	s.id = o.ID
	if s.id == "" {
		s.id = NewID()
	}
	dk := wcrypto.NewDataKey()
	s.envelope, err = wcrypto.WrapDataKey(dk, rs)
	if err != nil {
		os.Remove(file)
		return nil, fmt.Errorf("create store: %w", err)
	}
	s.keys = wcrypto.NewKeys(dk)
	s.creating = true
	// The audit tail begins with the base the mark names, so that its
	// deletion is seen even before the first retrieval. It is written
	// first: a crash before the commit leaves no store that expects it.
	next := newNonce()
	if err := s.startTail(next); err != nil {
		os.Remove(file)
		return nil, fmt.Errorf("create store: %w", err)
	}
	err = s.update(ctx, func(tx *bolt.Tx) error {
		h, err := createBucket(tx, bktHeader)
		if err != nil {
			return err
		}
		for _, b := range [][]byte{bktIndex, bktSecrets, bktVersions, bktAudit, bktJournal} {
			if _, err := createBucket(tx, b); err != nil {
				return err
			}
		}
		puts := [][2][]byte{
			{keyFormat, []byte(strconv.Itoa(FormatVersion))},
			{keyID, []byte(s.id)},
			{keyIdentity, []byte(s.mode)},
			{keyEnvelope, s.envelope},
			{keyCreated, []byte(s.Now().Format(time.RFC3339))},
		}
		for _, kv := range puts {
			if err := h.Put(kv[0], kv[1]); err != nil {
				return err
			}
		}
		if err := s.putRecipients(tx, canon); err != nil {
			return err
		}
		if err := s.writeCommit(tx, s.computeCommit(tx)); err != nil {
			return err
		}
		if err := s.writeTailMark(tx, tailMark{Next: next}); err != nil {
			return err
		}
		return s.appendAudit(tx, Entry{Action: "init", Detail: fmt.Sprintf("%d recipient(s), identity in %s", len(canon), s.mode)})
	})
	s.creating = false
	if err == nil {
		// bbolt syncs the files; the new names must survive a crash too.
		err = syncDir(filepath.Dir(file))
	}
	if err != nil {
		os.Remove(file)
		os.Remove(TailFile(file))
		return nil, fmt.Errorf("create store: %w", err)
	}
	return s, nil
}

// NewID returns a fresh random store identifier.
func NewID() string { return hex.EncodeToString(wcrypto.NewDataKey()[:16]) }

// Open reads a store's header. The store is still locked: call Unlock.
// Errors wrap ErrNoStore (no file), ErrUnsupported (a newer format),
// ErrCorrupt (not a ward store, or damaged) or ErrLocked.
func Open(ctx context.Context, file string) (*Store, error) {
	st, err := os.Stat(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open store %s: %w", file, ErrNoStore)
	}
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if st.IsDir() {
		return nil, &CorruptError{File: file, Where: "file", Reason: "is a directory"}
	}
	s := newStore(file)
	db, err := s.open(ctx, true)
	if err != nil {
		return nil, err
	}
	err = s.viewOn(db, func(tx *bolt.Tx) error {
		h := tx.Bucket(bktHeader)
		if h == nil {
			return &CorruptError{File: file, Where: "header", Reason: "not a ward store (no header)"}
		}
		format := string(h.Get(keyFormat))
		n, err := strconv.Atoi(format)
		switch {
		case err != nil || n < minFormat || format != strconv.Itoa(n):
			return &CorruptError{File: file, Where: "header", Reason: "unknown format version"}
		case n > FormatVersion:
			return fmt.Errorf("store %s has format %d, this ward reads %d: upgrade ward: %w", file, n, FormatVersion, ErrUnsupported)
		}
		s.format = n
		s.id = string(h.Get(keyID))
		s.mode = IdentityMode(h.Get(keyIdentity))
		s.envelope = append([]byte(nil), h.Get(keyEnvelope)...)
		if len(s.id) != 32 || len(s.envelope) == 0 {
			return &CorruptError{File: file, Where: "header", Reason: "missing id or key envelope"}
		}
		switch s.mode {
		case IdentityKeyring, IdentityFile, IdentityExternal:
		default:
			return &CorruptError{File: file, Where: "header", Reason: "unknown identity mode"}
		}
		for _, b := range [][]byte{bktIndex, bktSecrets, bktVersions, bktAudit, bktJournal} {
			if tx.Bucket(b) == nil {
				return &CorruptError{File: file, Where: "bucket " + string(b), Reason: "missing"}
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	s.keep(db)
	return s, nil
}

// keptDB is the read-only handle Open read a store's header through,
// kept for the read-only transactions that follow: a `ward get` then opens
// and maps the file once, not twice, and never unmaps it (the process ends
// first: an munmap costs a TLB flush on every CPU the process ran on). Its
// shared lock is let go before any read-write transaction and at the latest
// keptFor after Open, so a store opened and then left waiting (a prompt, an
// idle TUI) never holds the file.
type keptDB struct {
	mu    sync.Mutex
	db    *bolt.DB // nil while borrowed, or once let go
	file  string
	ended bool // let go for good: a borrowed handle is closed when given back
	timer *time.Timer
}

// keptFor is how long Open keeps its read-only handle.
const keptFor = 100 * time.Millisecond

func (s *Store) keep(db *bolt.DB) {
	k := &keptDB{db: db, file: s.File}
	k.timer = time.AfterFunc(keptFor, func() {
		if db := k.end(); db != nil {
			db.Close()
		}
	})
	s.kept = k
}

// end stops keeping the handle and hands it over to be closed, unless it
// is borrowed (giveBack closes it then).
func (k *keptDB) end() *bolt.DB {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.ended = true
	k.timer.Stop()
	db := k.db
	k.db = nil
	return db
}

// borrow hands over the handle, if it is kept and is file's, for one
// read-only transaction.
func (k *keptDB) borrow(file string) *bolt.DB {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	db := k.db
	if db == nil || file != k.file {
		return nil
	}
	k.db = nil
	return db
}

// giveBack keeps a borrowed handle again, or closes it if keeping ended
// meanwhile.
func (k *keptDB) giveBack(db *bolt.DB) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ended {
		db.Close()
		return
	}
	k.db = db
}

// dropKept closes the kept handle, letting go of its shared lock.
func (s *Store) dropKept() {
	if db := s.kept.end(); db != nil {
		db.Close()
	}
}

// Unlock opens the key envelope with the given identities. It returns an
// error wrapping ErrWrongKey if none of them is a recipient.
func (s *Store) Unlock(ids ...age.Identity) error {
	dk, err := wcrypto.UnwrapDataKey(s.envelope, ids...)
	if errors.Is(err, wcrypto.ErrWrongKey) {
		return fmt.Errorf("unlock store %s: no given identity is a recipient: %w", s.File, ErrWrongKey)
	}
	if err != nil {
		return &CorruptError{File: s.File, Where: "key envelope", Reason: err.Error()}
	}
	s.keys = wcrypto.NewKeys(dk)
	return nil
}

// UnlockWithKey unlocks with a data key kept from an earlier unlock (the
// session cache or the agent). It checks the key against the audit head
// so a stale key after a re-key fails with ErrWrongKey.
func (s *Store) UnlockWithKey(ctx context.Context, dk *wcrypto.Key) error {
	keys := wcrypto.NewKeys(dk)
	err := s.view(ctx, func(tx *bolt.Tx) error {
		raw := tx.Bucket(bktHeader).Get(keyRecipients)
		if _, err := wcrypto.Open(keys.Record, raw, s.ad("recipients")); err != nil {
			return fmt.Errorf("unlock store %s: cached key does not fit: %w", s.File, ErrWrongKey)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.keys = keys
	return nil
}

// DataKey returns the unwrapped data key, for the session cache. Nil when
// locked.
func (s *Store) DataKey() *wcrypto.Key {
	if s.keys == nil {
		return nil
	}
	return s.keys.Data
}

// Lock forgets the keys.
func (s *Store) Lock() { s.keys = nil }

var errNotUnlocked = errors.New("store is not unlocked")

func (s *Store) open(ctx context.Context, readOnly bool) (db *bolt.DB, err error) {
	// bbolt initialises an empty file as a new database: only Create may
	// have that happen, never an open of a file that was truncated to
	// nothing.
	if !s.creating {
		st, err := os.Stat(s.File)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("open store %s: %w", s.File, ErrNoStore)
		}
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		if st.Size() == 0 {
			return nil, &CorruptError{File: s.File, Where: "file", Reason: "empty (truncated?)"}
		}
	}
	// A damaged file can make bbolt read past the end of its mapping;
	// SetPanicOnFault turns that fault into a panic we recover into a
	// CorruptError instead of a crash.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer s.recoverCorrupt(&err)
	timeout := s.LockTimeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < timeout {
		timeout = max(time.Until(dl), time.Millisecond)
	}
	db, err = bolt.Open(s.File, 0o600, &bolt.Options{
		Timeout:  timeout,
		ReadOnly: readOnly,
		OpenFile: openFile,
		// Records are written once and read at random: a larger fill
		// leaves fewer half-empty pages.
		NoFreelistSync: false,
	})
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("store %s: %w (waited %s)", s.File, ErrLocked, timeout)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrChecksum), errors.Is(err, bolterrors.ErrVersionMismatch):
		return nil, &CorruptError{File: s.File, Where: "file", Reason: "not a ward store, or its database pages are damaged"}
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("open store %s: %w", s.File, ErrNoStore)
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS):
		// Not damage: every retrieval writes its audit entry, so a store
		// must be writable by its user.
		return nil, fmt.Errorf("open store %s: %w (ward writes an audit entry on every access, so the store must be writable)", s.File, err)
	default:
		return nil, &CorruptError{File: s.File, Where: "file", Reason: err.Error()}
	}
}

// view runs fn in a read-only transaction, holding the shared file lock only
// for its duration. A panic from bbolt on a damaged page becomes a
// CorruptError.
func (s *Store) view(ctx context.Context, fn func(*bolt.Tx) error) (err error) {
	// A long read (doctor, export, audit) stopped by the operator (the
	// command's context ends on SIGINT) ends with that, not a result.
	inner := fn
	fn = func(tx *bolt.Tx) error {
		if err := inner(tx); err != nil {
			return err
		}
		return ctx.Err()
	}
	if db := s.kept.borrow(s.File); db != nil {
		defer s.kept.giveBack(db)
		return s.viewOn(db, fn)
	}
	db, err := s.open(ctx, true)
	if err != nil {
		return err
	}
	defer db.Close()
	return s.viewOn(db, fn)
}

// viewOn runs fn in a read-only transaction on db.
func (s *Store) viewOn(db *bolt.DB, fn func(*bolt.Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer s.recoverCorrupt(&err)
	return db.View(func(tx *bolt.Tx) error {
		if err := s.begin(tx); err != nil {
			return err
		}
		return fn(tx)
	})
}

// begin runs the checks every transaction starts with: the file is not cut
// short, and keys taken from the session cache fit.
func (s *Store) begin(tx *bolt.Tx) error {
	if err := s.checkSize(tx); err != nil {
		return err
	}
	if s.keyUnchecked && s.keys != nil {
		raw := tx.Bucket(bktHeader).Get(keyRecipients)
		if _, err := wcrypto.Open(s.keys.Record, raw, s.ad("recipients")); err != nil {
			s.keys = nil
			wcrypto.CacheDrop(s.id)
			return fmt.Errorf("store %s: the key in the session cache does not fit it (dropped now): run the command again: %w", s.File, ErrWrongKey)
		}
		s.keyUnchecked = false
	}
	return nil
}

// checkSize finds a file cut short: a read-only transaction touches only
// the pages it reads, so a store truncated past its live pages would
// otherwise read as sound.
func (s *Store) checkSize(tx *bolt.Tx) error {
	st, err := os.Stat(s.File)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	if tx.Size() > st.Size() {
		return &CorruptError{File: s.File, Where: "file", Reason: fmt.Sprintf("%d bytes, shorter than the %d its pages need (truncated?)", st.Size(), tx.Size())}
	}
	return nil
}

// update runs fn in a read-write transaction and commits it with fsync.
func (s *Store) update(ctx context.Context, fn func(*bolt.Tx) error) error {
	return s.updateTail(ctx, false, fn)
}

// updateTail is update; with lost set, an audit tail found missing is
// recorded as lost and started afresh (RestartTail) instead of refused.
func (s *Store) updateTail(ctx context.Context, lost bool, fn func(*bolt.Tx) error) (err error) {
	// The kept handle's shared lock would keep this process's own
	// exclusive one waiting.
	s.dropKept()
	db, err := s.open(ctx, false)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close store %s: %w", s.File, cerr)
		}
	}()
	// Every read-write transaction first moves the audit tail's entries
	// into the store (see tail.go), holding the tail locked until the
	// commit is done or not (this runs after recoverCorrupt has set err).
	// committed is set only when Update returned: a panic (re-raised by
	// recoverCorrupt when it is a bug) rolled the fold back, and the tail
	// must keep its entries.
	var tf *tailFold
	committed := false
	defer func() { tf.finish(s, committed) }()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer s.recoverCorrupt(&err)
	err = db.Update(func(tx *bolt.Tx) error {
		// Under the exclusive lock: no other writer's commit is half
		// written while the meta pages are read.
		if !s.acceptOlder {
			if err := s.checkMetas(); err != nil {
				return err
			}
		}
		if err := s.begin(tx); err != nil {
			return err
		}
		if err := migrate(tx); err != nil {
			return err
		}
		var err error
		if tf, err = s.foldTail(tx, lost); err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return err
		}
		// Stopped by the operator (SIGINT) before the commit: nothing
		// is written (an interrupted import imports nothing).
		return ctx.Err()
	})
	committed = err == nil
	if committed {
		s.format = FormatVersion // migrate upgraded it
	}
	return err
}

// recoverCorrupt turns a panic that damage causes into a CorruptError and
// lets any other go on: a bug in ward is not the store's fault, and its
// panic value (which could hold a value) must not become an error
// message. Callers defer it.
func (s *Store) recoverCorrupt(err *error) {
	r := recover()
	if r == nil {
		return
	}
	if !damagePanic(r) {
		panic(r)
	}
	*err = &CorruptError{File: s.File, Where: "database pages", Reason: fmt.Sprint("a page is damaged: bbolt failed reading it (", r, ")")}
}

// damagePanic tells a panic a damaged file causes from a bug. Damage
// shows as a memory fault (bbolt reading past its mapping of a cut file:
// SetPanicOnFault makes that a panic) or as a panic raised inside bbolt
// (its page checks, or an index taken from a damaged page). recoverCorrupt
// calls it while the panic unwinds, so the panicking frames are still on
// the stack.
func damagePanic(r any) bool {
	// SetPanicOnFault's panics carry the faulting address (a nil
	// dereference, a bug, does not).
	if _, ok := r.(interface{ Addr() uintptr }); ok {
		return true
	}
	fr := panicsite.Origin()
	return len(fr) > 0 && strings.HasPrefix(fr[0].Function, "go.etcd.io/bbolt")
}

// ad builds the associated data that binds a sealed value to its place.
func (s *Store) ad(parts ...string) []byte {
	b := []byte("ward1/" + s.id)
	for _, p := range parts {
		b = append(b, '/')
		b = append(b, p...)
	}
	return b
}

func (s *Store) seal(plain []byte, parts ...string) []byte {
	return wcrypto.Seal(s.keys.Record, plain, s.ad(parts...))
}

func (s *Store) unseal(sealed []byte, where string, parts ...string) ([]byte, error) {
	pt, err := wcrypto.Open(s.keys.Record, sealed, s.ad(parts...))
	if err != nil {
		return nil, &CorruptError{File: s.File, Where: where, Reason: "does not authenticate (damaged, moved, or from another store)"}
	}
	return pt, nil
}

// lookupKey is the keyed hash under which path's records are filed.
func (s *Store) lookupKey(path string) []byte {
	return wcrypto.MAC(s.keys.Index, []byte(path))[:16]
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}
