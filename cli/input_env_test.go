package cli

import (
	"maps"
	"strings"
	"testing"
)

// .env files as docker compose and dotenv read them: each case was stored
// differently before (a byte order mark refused, " # comment" and the
// spaces around "=" kept in the value, \n kept as a backslash and an n).
func TestParseEnvConventions(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     map[string]string
	}{
		{"byte order mark", "\ufeffA=fake-a\n", map[string]string{"A": "fake-a"}},
		{"spaces around =", "SPACED = fake spaced \n", map[string]string{"SPACED": "fake spaced"}},
		{"inline comment", "A=fake-a # the app's key\nB=fake#b\n", map[string]string{"A": "fake-a", "B": "fake#b"}},
		{"quoted, then a comment", `A="fake a" # note` + "\nB='fake # b' # note\n", map[string]string{"A": "fake a", "B": "fake # b"}},
		{"double-quoted escapes", `A="line1\nline2\t\"q\"\\"` + "\n", map[string]string{"A": "line1\nline2\t\"q\"\\"}},
		{"single quotes are literal", `A='no\nescape'` + "\n", map[string]string{"A": `no\nescape`}},
		{"double quotes over lines", "KEY=\"-----BEGIN FAKE-----\nAAAA\n-----END FAKE-----\"\nB=fake-b\n", map[string]string{"KEY": "-----BEGIN FAKE-----\nAAAA\n-----END FAKE-----", "B": "fake-b"}},
		{"CRLF", "A=fake-a\r\nB=\"fake b\"\r\n", map[string]string{"A": "fake-a", "B": "fake b"}},
		{"export prefix", "export A=fake-a\nexported=fake-e\n", map[string]string{"A": "fake-a", "exported": "fake-e"}},
		{"an unknown escape stays", `A="c:\dir"` + "\n", map[string]string{"A": `c:\dir`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseEnv([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
	for _, c := range []struct{ name, in, want string }{
		{"unclosed double quote", "A=fake\nB=\"never closed\nC=x\n", "line 2: a double quote that is not closed"},
		{"unclosed single quote", "A='fake\n", "line 1: a single quote that is not closed"},
		{"text after the quote", `A="fake" more` + "\n", "line 1: text after the closing quote"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseEnv([]byte(c.in))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			if strings.Contains(err.Error(), "fake") {
				t.Fatalf("the error quotes the input: %v", err)
			}
		})
	}
}
