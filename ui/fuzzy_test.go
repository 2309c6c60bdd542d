package ui

import (
	"slices"
	"testing"
)

func TestFuzzyScore(t *testing.T) {
	tests := []struct {
		name, s, q string
		ok         bool
	}{
		{"subsequence", "prod/payments/db", "ppdb", true},
		{"exact", "prod/payments/db", "prod/payments/db", true},
		{"out of order", "prod/payments/db", "dbp", false},
		{"empty query", "x", "", true},
		{"longer than path", "ab", "abc", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := fuzzyScore(tt.s, tt.q); ok != tt.ok {
				t.Errorf("fuzzyScore(%q, %q) ok = %v, want %v", tt.s, tt.q, ok, tt.ok)
			}
		})
	}
}

func TestFuzzyScoreRanksBetterMatchesHigher(t *testing.T) {
	better := [][2]string{
		// consecutive beats scattered
		{"prod/stripe", "prod/s-t-r-i-p-e"},
		// a match in the last segment beats one spread over folders
		{"dev/db", "dev/d/b/x"},
		// segment starts beat middles
		{"ci/deploy-token", "ci/xdeployxtoken"},
	}
	qs := []string{"stripe", "db", "dt"}
	for i, p := range better {
		a, _ := fuzzyScore(p[0], qs[i])
		b, _ := fuzzyScore(p[1], qs[i])
		if a <= b {
			t.Errorf("query %q: %q scored %d, %q scored %d; want the first higher", qs[i], p[0], a, p[1], b)
		}
	}
}

func TestFuzzyPositions(t *testing.T) {
	got := fuzzyPositions("prod/payments/db", "pdb")
	// The tightest window ending at the first complete match.
	if want := []int{5, 14, 15}; !slices.Equal(got, want) {
		t.Errorf("positions = %v, want %v", got, want)
	}
}

func TestRankByScoreIsStable(t *testing.T) {
	idx := []int32{10, 11, 12, 13}
	score := []int32{1, 3, 1, 3}
	got := rankByScore(idx, score, 3)
	if want := []int32{11, 13, 10, 12}; !slices.Equal(got, want) {
		t.Errorf("rank = %v, want %v", got, want)
	}
}

func TestFuzzyTermsAllMatch(t *testing.T) {
	s := "prod/payments/db"
	if _, ok := fuzzyScoreTerms(s, []string{"prod", "pay"}); !ok {
		t.Error(`"prod pay" does not find prod/payments/db`)
	}
	if _, ok := fuzzyScoreTerms(s, []string{"prod", "xyz"}); ok {
		t.Error(`"prod xyz" finds prod/payments/db`)
	}
	if got := fuzzyPositionsTerms(s, []string{"db", "pro"}); !slices.Equal(got, []int{0, 1, 2, 14, 15}) {
		t.Errorf("positions %v", got)
	}
}

func TestFilterTermsInTheBrowser(t *testing.T) {
	s := newTestStore(t)
	c, _ := newTestCommon(t, s)
	d := newDriver(t, c, 100, 30)
	d.keys("/")
	d.typeText("prod pay")
	d.must("payments")
	d.mustNot(`nothing matches`)
}
