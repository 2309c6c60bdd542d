package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// lost asserts err is an AuditError saying the tail was lost.
func lost(t *testing.T, what string, err error) {
	t.Helper()
	var ae *AuditError
	if !errors.As(err, &ae) || !ae.Lost || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("%s: want the tail reported lost, got %v", what, err)
	}
}

// A deleted tail is reported by every way in, and nothing goes on until
// RestartTail records the loss.
func TestTailDeletionFound(t *testing.T) {
	ctx := context.Background()
	s, _ := tailStore(t) // three retrievals in the tail
	if err := os.Remove(TailFile(s.File)); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.Get(ctx, "prod/db", GetOptions{})
	lost(t, "get", err)
	_, err = s.Set(ctx, "prod/new", fields("value", "fake-new"), SetOptions{})
	lost(t, "set", err)
	_, err = s.VerifyAudit(ctx)
	lost(t, "verify", err)
	rep, err := s.Doctor(ctx)
	if err != nil || rep.OK() {
		t.Fatalf("doctor: %v, report OK: %v", err, rep != nil && rep.OK())
	}
	if _, err := os.Stat(TailFile(s.File)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a reader or writer made a new tail unasked")
	}

	if err := s.RestartTail(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.RestartTail(ctx); !errors.Is(err, ErrExists) {
		t.Fatalf("restart of a tail that is there: %v", err)
	}
	if _, _, err := s.Get(ctx, "prod/db", GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Set(ctx, "prod/new", fields("value", "fake-new"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	got := actions(t, s)
	want := []string{"init ", "set prod/db", "set prod/api", "audit-restart ", "get prod/db", "set prod/new"}
	if !slices.Equal(got, want) {
		t.Fatalf("audit: %q\nwant %q", got, want)
	}
	if rep, err := s.Doctor(ctx); err != nil || !rep.OK() {
		t.Fatalf("doctor after restart: %v %+v", err, rep)
	}
}

// Deleted before any retrieval: the store wrote the first tail itself.
func TestTailDeletionFoundBeforeFirstGet(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	if _, err := s.Set(ctx, "prod/db", fields("value", "fake-db"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(TailFile(s.File)); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.Get(ctx, "prod/db", GetOptions{})
	lost(t, "get", err)
}

// A crash between cutting the tail and writing its new base leaves it
// empty: the base the mark names is written, nothing is reported.
func TestTailEmptyAfterCrashHeals(t *testing.T) {
	ctx := context.Background()
	s, _ := tailStore(t)
	if _, err := s.Set(ctx, "prod/new", fields("value", "fake-new"), SetOptions{}); err != nil {
		t.Fatal(err) // folds and starts the tail afresh
	}
	if err := os.Truncate(TailFile(s.File), 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx, "prod/db", GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.VerifyAudit(ctx); err != nil || n != 8 {
		t.Fatalf("verify: %d entries, %v", n, err)
	}
	if _, err := s.Set(ctx, "prod/new", fields("value", "fake-new2"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.VerifyAudit(ctx); err != nil || n != 9 {
		t.Fatalf("verify after a fold: %d entries, %v", n, err)
	}
}

// An older copy of the tail put back (two folds old) is found.
func TestTailReplacedByOldCopy(t *testing.T) {
	ctx := context.Background()
	s, _ := tailStore(t)
	old, err := os.ReadFile(TailFile(s.File))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"prod/a", "prod/b"} {
		if _, err := s.Set(ctx, p, fields("value", "fake"), SetOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Get(ctx, p, GetOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(TailFile(s.File), old, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.Get(ctx, "prod/db", GetOptions{})
	lost(t, "get", err)
	_, err = s.VerifyAudit(ctx)
	lost(t, "verify", err)
	_, err = s.Set(ctx, "prod/c", fields("value", "fake"), SetOptions{})
	lost(t, "set", err)
}

// A store from before the mark named the next base: nothing is reported
// until its next write names one; from then on a deletion is found.
func TestTailOlderStoreGainsNext(t *testing.T) {
	ctx := context.Background()
	s, _ := tailStore(t)
	if err := s.update(ctx, func(tx *bolt.Tx) error { return s.writeTailMark(tx, tailMark{}) }); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(TailFile(s.File)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx, "prod/db", GetOptions{}); err != nil {
		t.Fatalf("an older store's first get: %v", err)
	}
	if _, err := s.Set(ctx, "prod/new", fields("value", "fake-new"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(TailFile(s.File)); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.Get(ctx, "prod/db", GetOptions{})
	lost(t, "get after the older store's write", err)
}

// The tail of the last fold, put back (or left by a write that ended
// before its fresh start), holds only folded entries: a get starts the
// named tail and loses nothing.
func TestTailPreviousCopyRestartedByGet(t *testing.T) {
	ctx := context.Background()
	s, _ := tailStore(t)
	prev, err := os.ReadFile(TailFile(s.File))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Set(ctx, "prod/new", fields("value", "fake-new"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(TailFile(s.File), prev, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx, "prod/db", GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := tailSize(t, s); n >= int64(len(prev)) {
		t.Fatalf("the folded tail was appended to (%d bytes), not started afresh", n)
	}
	want := []string{"init ", "set prod/db", "set prod/api", "get prod/db", "get prod/api", "get prod/db", "set prod/new", "get prod/db"}
	if got := actions(t, s); !slices.Equal(got, want) {
		t.Fatalf("audit: %q\nwant %q", got, want)
	}
}

// A get whose transaction read the mark before a write folded the tail
// reads it again rather than call the new tail replaced.
func TestTailStaleMarkReadAgain(t *testing.T) {
	ctx := context.Background()
	s, _ := tailStore(t)
	before, err := s.markNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Set(ctx, "prod/new", fields("value", "fake-new"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.appendTail(ctx, &before, Entry{Action: "get", Path: "prod/db"}); err != nil {
		t.Fatalf("append with the mark from before the fold: %v", err)
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}

// Reads and writes of one Store at once, as a sync's workers do: every
// write folds the tail and starts it afresh, so a read's mark is often
// out of date by the time it appends, more than once over. None of that
// may be taken for a replaced tail.
func TestTailConcurrentReadsAndWrites(t *testing.T) {
	ctx := context.Background()
	s, _ := tailStore(t)
	s.LockTimeout = 30 * time.Second
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				if _, err := s.Set(ctx, fmt.Sprintf("prod/w%d-%d", w, i), fields("value", "fake"), SetOptions{}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 80 {
				if _, _, err := s.Get(ctx, "prod/db", GetOptions{}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}
