package store

import (
	"context"
	"errors"
	"testing"
)

func TestStateSurvivesRekey(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	if _, err := s.GetState(ctx, "sync:prod", "a/b"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty: %v", err)
	}
	err := s.UpdateState(ctx, []StateOp{
		{NS: "sync:prod", Key: "a/b", Value: []byte(`{"v":3}`)},
		{NS: "sync:prod", Key: "a/c", Value: []byte(`{"v":1}`)},
		{NS: "rotate", Key: "a/b", Value: []byte("stage-2")},
	}, Entry{Action: "sync"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Rekey(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListState(ctx, "sync:prod")
	if err != nil || len(got) != 2 || string(got["a/b"]) != `{"v":3}` {
		t.Fatalf("after re-key: %v %q", err, got)
	}
	if err := s.UpdateState(ctx, []StateOp{{NS: "sync:prod", Key: "a/b"}}, Entry{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetState(ctx, "sync:prod", "a/b"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted: %v", err)
	}
	if v, err := s.GetState(ctx, "rotate", "a/b"); err != nil || string(v) != "stage-2" {
		t.Fatalf("other namespace: %v", err)
	}
	rep, err := s.Doctor(ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("doctor: %v %+v", err, rep)
	}
}
