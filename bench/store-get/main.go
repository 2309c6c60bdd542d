// Command store-get does what `ward get PATH#FIELD` does with the store and
// nothing else: Open, UnlockWith (session cache, then the OS keyring), Get
// of one field, print it. Against the real `ward get` it shows what the CLI
// layer (cobra, package initialisation of everything ward links) adds; it
// is not a tool to use.
//
// -stop ends the process after a stage (start, open, unlock), so that
// hyperfine can time each stage's share in a real process: the difference
// between -stop open and -stop start is what Open costs, and so on.
//
//	WARD_HOME=DIR store-get [-store NAME] [-stop STAGE] PATH#FIELD
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/opsward/ward/store"
)

func main() {
	name := flag.String("store", store.DefaultName, "store name")
	flag.StringVar(&stop, "stop", "", "end after this stage: start, open or unlock")
	flag.Parse()
	if stop == "start" {
		return
	}
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: store-get [-store NAME] PATH#FIELD")
		os.Exit(2)
	}
	if err := run(context.Background(), *name, flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "store-get:", err)
		os.Exit(1)
	}
}

var stop string

func run(ctx context.Context, name, ref string) error {
	path, field, _ := strings.Cut(ref, "#")
	if field == "" {
		field = "value"
	}
	file, err := store.FileFor(name)
	if err != nil {
		return err
	}
	s, err := store.Open(ctx, file)
	if err != nil {
		return err
	}
	if stop == "open" {
		return nil
	}
	if err := s.UnlockWith(ctx, store.Credentials{}); err != nil {
		return err
	}
	if stop == "unlock" {
		return nil
	}
	_, f, err := s.Get(ctx, path, store.GetOptions{Field: field})
	if err != nil {
		return err
	}
	_, err = fmt.Println(f[field].Reveal())
	return err
}
