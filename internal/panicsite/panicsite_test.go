package panicsite

import (
	"strings"
	"testing"
)

func boom() { panic("fake-value-in-a-panic") }

func reraise(site *string) {
	defer func() {
		r := recover()
		*site = Site(Origin())
		panic(r)
	}()
	boom()
}

// The site is where the panic began, also after a recover raised it again,
// and it never carries the value.
func TestSite(t *testing.T) {
	var direct, inner, outer string
	func() {
		defer func() { recover(); direct = Site(Origin()) }()
		boom()
	}()
	func() {
		defer func() { recover(); outer = Site(Origin()) }()
		reraise(&inner)
	}()
	for name, got := range map[string]string{"direct": direct, "re-raised, inside": inner, "re-raised, outside": outer} {
		if !strings.Contains(got, "panicsite.boom (panicsite_test.go:") {
			t.Errorf("%s: site %q, want panicsite.boom", name, got)
		}
		if strings.Contains(got, "fake-value") {
			t.Errorf("%s: site %q carries the value", name, got)
		}
	}
	if got := Site(Origin()); got != "an unknown place" {
		t.Errorf("no panic: %q", got)
	}
}
