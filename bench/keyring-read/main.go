// Command keyring-read reads one item from the OS keyring with
// github.com/zalando/go-keyring (the library ward uses) and prints the
// length of its value. It is the floor for a first `ward get` of a session:
// a Go program that does nothing but the keyring read.
//
//	keyring-read SERVICE USER
package main

import (
	"fmt"
	"os"

	"github.com/zalando/go-keyring"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: keyring-read SERVICE USER")
		os.Exit(2)
	}
	v, err := keyring.Get(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "keyring-read:", err)
		os.Exit(1)
	}
	fmt.Println(len(v))
}
