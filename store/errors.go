package store

import (
	"errors"
	"fmt"
	"io/fs"
)

// Sentinel errors callers branch on with errors.Is.
var (
	ErrNotFound       = errors.New("not found")
	ErrExists         = errors.New("already exists")
	ErrNoStore        = errors.New("no such store")
	ErrLocked         = errors.New("store is locked by another process")
	ErrCorrupt        = errors.New("store is damaged")
	ErrWrongKey       = errors.New("wrong key")
	ErrAmbiguousField = errors.New("ambiguous field")
	ErrRetired        = errors.New("retired")
	ErrUnsupported    = errors.New("unsupported store format")
	// ErrConflict: the secret changed since the version the caller saw.
	ErrConflict = errors.New("changed meanwhile")
	// ErrReplaced: the secret at a path is another one than the caller
	// saw (moved away, or purged, and another put there); it comes with
	// ErrConflict.
	ErrReplaced = errors.New("another secret is at its path now")
	// ErrUnchanged: a change asked to fail when it would change nothing
	// (MetaOptions.FailUnchanged) did.
	ErrUnchanged = errors.New("nothing changed")
	// ErrBadPath: a secret path or field name that is not allowed.
	ErrBadPath = errors.New("bad path or field name")
	// ErrBadValue: values that cannot be stored (none, or too large).
	ErrBadValue = errors.New("bad value")
	// ErrBadText: metadata text that a terminal would act on (a control
	// character) or that is not UTF-8.
	ErrBadText = errors.New("not plain text")
	// ErrNeedIdentity: the store's identity is the operator's to give
	// (--identity FILE) and none was given.
	ErrNeedIdentity = errors.New("the store's identity must be given")
)

// CorruptError names what is damaged and where: the store file, and the
// bucket and record (by number or keyed hash, never by path: a damaged
// record's path cannot be read).
type CorruptError struct {
	File   string
	Where  string // e.g. "record 3f9a…", "audit entry 42", "header"
	Reason string
	// Err, if set, is a sentinel that names the kind of damage for
	// errors.Is (ErrNewerCommitLost).
	Err error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("store %s is damaged: %s: %s", e.File, e.Where, e.Reason)
}

func (e *CorruptError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrCorrupt, e.Err}
	}
	return []error{ErrCorrupt}
}

// fileErr drops the *fs.PathError around a file operation's error where
// the message already names the file: "open audit log F: is a directory",
// not "open audit log F: open F: is a directory". errors.Is still finds the
// errno (fs.ErrNotExist and the like) through it.
func fileErr(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}
