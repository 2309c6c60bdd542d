package store

import (
	"bytes"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// noInline names an empty sub-bucket that every top-level bucket holds, so
// that bbolt never keeps the bucket inline in its parent's page. bbolt
// copies an inline bucket to the Go heap when it is not aligned, and a
// damaged element offset or length in the copy then points into other heap
// memory, where no fault stops the read and the garbage collector can die
// on the pointer (TestRandomByteFlips found it: "found bad pointer in Go
// heap"). A bucket with a sub-bucket lives in its own pages of the file's
// memory map; a damaged offset there ends outside the map, in a fault that
// recoverCorrupt turns into a clean error.
//
// No record key is one byte long, so the name is never a record's.
var noInline = []byte{0}

// createBucket creates a top-level bucket with its noInline sub-bucket.
func createBucket(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	b, err := tx.CreateBucket(name)
	if err != nil {
		return nil, err
	}
	if _, err := b.CreateBucket(noInline); err != nil {
		return nil, err
	}
	return b, nil
}

// migrate brings a store of an older format up to FormatVersion at the
// start of a write: records of format 1 are read as they are and written
// in the new form when changed, so only the header's number and the
// buckets' noInline need doing.
func migrate(tx *bolt.Tx) error {
	h := tx.Bucket(bktHeader)
	if h == nil {
		return nil // being created
	}
	if string(h.Get(keyFormat)) != strconv.Itoa(FormatVersion) {
		if err := h.Put(keyFormat, []byte(strconv.Itoa(FormatVersion))); err != nil {
			return err
		}
	}
	return unInline(tx)
}

// unInline gives the top-level buckets of a store made before noInline
// theirs; the commit then moves each bucket to pages of its own.
func unInline(tx *bolt.Tx) error {
	return tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
		if b.Bucket(noInline) != nil {
			return nil
		}
		_, err := b.CreateBucket(noInline)
		return err
	})
}

func isNoInline(k, v []byte) bool { return v == nil && bytes.Equal(k, noInline) }

// records calls fn for each record of b, in key order, leaving out the
// noInline sub-bucket.
func records(b *bolt.Bucket, fn func(k, v []byte) error) error {
	return b.ForEach(func(k, v []byte) error {
		if isNoInline(k, v) {
			return nil
		}
		return fn(k, v)
	})
}
