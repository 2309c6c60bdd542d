package cli

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"
)

// ttyPrompter asks on the controlling terminal, never on stdin or stdout,
// which may carry data (age does the same). It implements store.Prompter.
type ttyPrompter struct{}

func openTTY() (*os.File, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("open terminal: %w", err)
	}
	return tty, nil
}

// Passphrase reads a line without echo; with confirm it asks twice and
// insists the answers match.
func (ttyPrompter) Passphrase(prompt string, confirm bool) (string, error) {
	tty, err := openTTY()
	if err != nil {
		return "", err
	}
	defer tty.Close()
	defer asking(tty)()
	read := func(p string) (string, error) {
		fmt.Fprintf(tty, "%s: ", p)
		b, err := term.ReadPassword(int(tty.Fd()))
		fmt.Fprintln(tty)
		if err != nil {
			return "", fmt.Errorf("read from terminal: %w", err)
		}
		return string(b), nil
	}
	v, err := read(prompt)
	if err != nil || !confirm {
		return v, err
	}
	// Ask again with the prompt's last line only: an explanation above it
	// was read the first time.
	last := prompt
	if i := strings.LastIndexByte(prompt, '\n'); i >= 0 {
		last = prompt[i+1:]
	}
	again, err := read(last + " (again)")
	if err != nil {
		return "", err
	}
	if again != v {
		return "", errors.New("the two entries differ: nothing was changed")
	}
	return v, nil
}

// NewPassphrase asks for a new passphrase without echo until check takes
// it (three tries), saying on the terminal why one was refused, then asks
// for it again to confirm.
func (p ttyPrompter) NewPassphrase(prompt string, check func(string) error) (string, error) {
	last := prompt
	if i := strings.LastIndexByte(prompt, '\n'); i >= 0 {
		last = prompt[i+1:]
	}
	var v string
	var refused error
	for try := range 3 {
		ask := prompt
		if try > 0 {
			ask = last // the explanation above was read the first time
		}
		var err error
		if v, err = p.Passphrase(ask, false); err != nil {
			return "", err
		}
		if refused = check(v); refused == nil {
			break
		}
		if tty, err := openTTY(); err == nil {
			fmt.Fprintf(tty, "ward: %v\n", refused)
			tty.Close()
		}
	}
	if refused != nil {
		return "", refused
	}
	again, err := p.Passphrase(last+" (again)", false)
	if err != nil {
		return "", err
	}
	if again != v {
		return "", errors.New("the two entries differ: nothing was changed")
	}
	return v, nil
}

// WrongPassphrase says on the terminal that the passphrase was wrong,
// before it is asked again (store.RetryPrompter).
func (ttyPrompter) WrongPassphrase(left int) {
	if tty, err := openTTY(); err == nil {
		tries := "tries"
		if left == 1 {
			tries = "try"
		}
		fmt.Fprintf(tty, "ward: wrong passphrase; %d more %s\n", left, tries)
		tty.Close()
	}
}

// Line reads one line with echo, for confirmations.
func (ttyPrompter) Line(prompt string) (string, error) {
	tty, err := openTTY()
	if err != nil {
		return "", err
	}
	defer tty.Close()
	defer asking(tty)()
	fmt.Fprint(tty, prompt)
	line, err := bufio.NewReader(tty).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("read from terminal: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
