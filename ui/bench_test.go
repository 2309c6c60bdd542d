package ui

import (
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/opsward/ward/store"
)

// benchHeads makes n heads shaped like a real store: env/team/service/name.
func benchHeads(n int) []store.Head {
	envs := []string{"prod", "staging", "dev", "ci"}
	svcs := []string{"payments", "billing", "auth", "search", "checkout", "ledger", "edge", "identity"}
	names := []string{"db", "redis", "api-key", "stripe-ish", "deploy-key", "tls", "oauth", "token"}
	kinds := []store.Kind{store.KindPassword, store.KindAPIKey, store.KindToken, store.KindSSHKey}
	hs := make([]store.Head, n)
	for i := range hs {
		hs[i] = store.Head{
			Path:    fmt.Sprintf("%s/team-%03d/%s/%s-%d", envs[i%4], i/400, svcs[i/4%8], names[i/32%8], i),
			Kind:    kinds[i%4],
			Status:  store.StatusActive,
			Current: 1,
			Updated: testNow,
		}
		if i%97 == 0 {
			hs[i].Expires = testNow.Add(time.Duration(i%40) * 24 * time.Hour)
		}
	}
	return hs
}

func benchBrowser(b testing.TB, hs []store.Head) *browser {
	c, _ := newTestCommon(b, nil)
	c.nav = &fakeNav{}
	br := newBrowser(c)
	br.Update(headsLoadedMsg{heads: hs})
	return br
}

// BenchmarkFirstFrame: the list's model built from 100,000 heads (as
// List returns them) and its first frame at 120×40. Target: ≤ 200 ms.
func BenchmarkFirstFrame(b *testing.B) {
	hs := benchHeads(100_000)
	b.ResetTimer()
	for b.Loop() {
		br := benchBrowser(b, hs)
		_ = br.View(120, 40)
	}
}

// BenchmarkFilterKeystroke: one rune typed into the filter of a
// 100,000-secret list, and the next frame. Target: ≤ 16 ms. Each
// iteration types the first rune of a query into an empty filter: the
// slow case, which searches every path (later runes search only the
// previous matches).
func BenchmarkFilterKeystroke(b *testing.B) {
	br := benchBrowser(b, benchHeads(100_000))
	br.Update(keyMsg("/"))
	bs := tea.KeyMsg{Type: tea.KeyBackspace}
	for _, r := range []rune{'p', 'd', 'x'} {
		b.Run(string(r), func(b *testing.B) {
			key := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}
			for b.Loop() {
				br.Update(key)
				_ = br.View(120, 40)
				b.StopTimer()
				br.Update(bs)
				b.StartTimer()
			}
		})
	}
}

// BenchmarkFilterTyping: a whole query typed one rune at a time, a frame
// after each; reported per keystroke.
func BenchmarkFilterTyping(b *testing.B) {
	br := benchBrowser(b, benchHeads(100_000))
	query := "prodpaydb"
	for b.Loop() {
		br.Update(keyMsg("esc"))
		br.Update(keyMsg("/"))
		for _, r := range query {
			br.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
			_ = br.View(120, 40)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(query))/1e6, "ms/keystroke")
}

// TestFilterKeystrokeBudget keeps the benchmark honest in plain `go test`:
// a generous bound, so a slow CI machine does not fail it, that still
// catches an accidental O(n log n) or per-path allocation.
func TestFilterKeystrokeBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 100,000 heads")
	}
	br := benchBrowser(t, benchHeads(100_000))
	br.Update(keyMsg("/"))
	start := time.Now()
	br.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'p'}})
	_ = br.View(120, 40)
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("one keystroke over 100,000 paths took %s", d)
	}
	if br.matchCount() == 0 {
		t.Error("no matches")
	}
}
