package ui

import "slices"

// The filter is a subsequence match with scoring, run in Update on every
// keystroke over every path: with 100,000 paths it must finish well inside
// a frame (16 ms), so it works on bytes of precomputed lower-case paths
// (store paths are ASCII: store.CleanPath) and allocates nothing per path.

// fuzzyScore reports whether q (lower case) is a subsequence of s (lower
// case) and how well it matches: consecutive characters, characters at
// the start of a path segment or word, and matches in the last segment
// score higher; a spread-out match scores lower.
func fuzzyScore(s, q string) (int, bool) {
	start, end, ok := fuzzyWindow(s, q)
	if !ok {
		return 0, false
	}
	score, prev, qi := 0, -2, 0
	for i := start; i <= end && qi < len(q); i++ {
		if s[i] != q[qi] {
			continue
		}
		score += 2
		if i == prev+1 {
			score += 4
		}
		if i == 0 || isBoundary(s[i-1]) {
			score += 3
		}
		prev = i
		qi++
	}
	score -= (end - start + 1 - len(q)) / 2
	if start > lastSlash(s) {
		score += 4
	}
	if score < 0 {
		score = 0
	}
	return score, true
}

// fuzzyWindow finds the first end at which q is complete, then walks back to
// the latest start, giving the shortest window ending there (as fzf v1).
func fuzzyWindow(s, q string) (start, end int, ok bool) {
	if len(q) == 0 {
		return 0, -1, true
	}
	qi := 0
	end = -1
	for i := 0; i < len(s); i++ {
		if s[i] == q[qi] {
			qi++
			if qi == len(q) {
				end = i
				break
			}
		}
	}
	if end < 0 {
		return 0, 0, false
	}
	qi = len(q) - 1
	for i := end; i >= 0; i-- {
		if s[i] == q[qi] {
			qi--
			if qi < 0 {
				return i, end, true
			}
		}
	}
	return 0, end, true
}

// fuzzyPositions returns the byte offsets in s that match q, for
// highlighting the rows on screen.
func fuzzyPositions(s, q string) []int {
	start, end, ok := fuzzyWindow(s, q)
	if !ok || len(q) == 0 {
		return nil
	}
	pos := make([]int, 0, len(q))
	qi := 0
	for i := start; i <= end && qi < len(q); i++ {
		if s[i] == q[qi] {
			pos = append(pos, i)
			qi++
		}
	}
	return pos
}

// The query's words, split at spaces, are terms that must all match (a
// path holds no space, so a space could never match anything), as in fzf:
// "prod pay" finds prod/payments/db. The score is the sum of the terms'.
func fuzzyScoreTerms(s string, terms []string) (int, bool) {
	total := 0
	for _, t := range terms {
		sc, ok := fuzzyScore(s, t)
		if !ok {
			return 0, false
		}
		total += sc
	}
	return total, true
}

// fuzzyPositionsTerms is fuzzyPositions for every term, in order, without
// repeats.
func fuzzyPositionsTerms(s string, terms []string) []int {
	var pos []int
	for _, t := range terms {
		pos = append(pos, fuzzyPositions(s, t)...)
	}
	slices.Sort(pos)
	return slices.Compact(pos)
}

func isBoundary(b byte) bool {
	return b == '/' || b == '-' || b == '_' || b == '.' || b == '@' || b == '+'
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}

// rankByScore orders idx by score, best first, keeping the given order
// among equal scores. It is a counting sort: scores are small integers,
// and a comparison sort of 100,000 matches would cost most of a frame.
func rankByScore(idx []int32, score []int32, maxScore int32) []int32 {
	counts := make([]int32, maxScore+2)
	for _, s := range score {
		counts[maxScore-s+1]++
	}
	for i := 1; i < len(counts); i++ {
		counts[i] += counts[i-1]
	}
	out := make([]int32, len(idx))
	for i, id := range idx {
		b := maxScore - score[i]
		out[counts[b]] = id
		counts[b]++
	}
	return out
}
