package gen

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
)

// random is the source of every random byte this package uses. It is
// crypto/rand.Reader; tests replace it only to exercise error paths.
var random io.Reader = rand.Reader

// sampler draws uniformly distributed integers from random, buffering
// reads so that generating one character does not cost one system call.
type sampler struct {
	buf [512]byte
	pos int
	end int
}

func (s *sampler) readByte() (byte, error) {
	if s.pos == s.end {
		if _, err := io.ReadFull(random, s.buf[:]); err != nil {
			return 0, fmt.Errorf("gen: reading random bytes: %w", err)
		}
		s.pos, s.end = 0, len(s.buf)
	}
	b := s.buf[s.pos]
	s.buf[s.pos] = 0
	s.pos++
	return b, nil
}

// wipe clears any buffered random bytes that were not used.
func (s *sampler) wipe() {
	clear(s.buf[:])
	s.pos, s.end = 0, 0
}

// intn returns a uniform integer in [0, n) for 1 <= n <= 1<<32.
//
// It reads the fewest whole bytes k that can represent n-1, giving a
// value v uniform in [0, 256^k). Values at or above the largest multiple
// of n that fits are rejected and redrawn, so v % n is exactly uniform
// (no modulo bias). Each draw is accepted with probability > 1/2.
func (s *sampler) intn(n int) (int, error) {
	if n < 1 || uint64(n) > 1<<32 {
		return 0, errors.New("gen: internal error: sample range out of bounds")
	}
	if n == 1 {
		return 0, nil
	}
	k, span := 0, uint64(1)
	for span < uint64(n) {
		k++
		span <<= 8
	}
	limit := span - span%uint64(n)
	for {
		var v uint64
		for i := 0; i < k; i++ {
			b, err := s.readByte()
			if err != nil {
				return 0, err
			}
			v = v<<8 | uint64(b)
		}
		if v < limit {
			return int(v % uint64(n)), nil
		}
	}
}
