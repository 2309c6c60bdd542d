package main

import (
	"bytes"
	"strings"
	"testing"
)

const stream = `{"Action":"run","Package":"p/a","Test":"TestOK"}
{"Action":"pass","Package":"p/a","Test":"TestOK"}
{"Action":"run","Package":"p/a","Test":"TestVault"}
{"Action":"output","Package":"p/a","Test":"TestVault","Output":"    x_test.go:9: no server\n"}
{"Action":"skip","Package":"p/a","Test":"TestVault"}
{"Action":"pass","Package":"p/a","Elapsed":1.5}
{"Action":"run","Package":"p/b","Test":"TestKeyring"}
{"Action":"output","Package":"p/b","Test":"TestKeyring","Output":"    k_test.go:3: no keyring\n"}
{"Action":"skip","Package":"p/b","Test":"TestKeyring"}
{"Action":"run","Package":"p/b","Test":"TestBroken"}
{"Action":"output","Package":"p/b","Test":"TestBroken","Output":"    b_test.go:7: want 1, got 2\n"}
{"Action":"fail","Package":"p/b","Test":"TestBroken"}
{"Action":"fail","Package":"p/b","Elapsed":0.2}
`

func TestReport(t *testing.T) {
	allow := allowList{{"p/a", "TestVault*", "no server in CI"}}
	var out bytes.Buffer
	if code := report(strings.NewReader(stream), &out, allow); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	got := out.String()
	for _, want := range []string{
		"ok  \tp/a\t1.5s",
		"--- FAIL: TestBroken (p/b)\n    b_test.go:7: want 1, got 2",
		"FAIL\tp/b",
		"allowed skips (1):\n   p/a TestVault: x_test.go:9: no server",
		"not allowed (1)",
		"p/b TestKeyring: k_test.go:3: no keyring",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	// Only listed skips and passes: success.
	ok := strings.Join(strings.Split(stream, "\n")[:6], "\n")
	if code := report(strings.NewReader(ok), &out, allow); code != 0 {
		t.Fatalf("exit %d for a clean run with a listed skip", code)
	}
}
