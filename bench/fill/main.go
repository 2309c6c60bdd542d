// Command fill makes the ward store that bench/run measures: a store of N
// secrets (bench/s000000 … with fields value and user, all fake) under
// $WARD_HOME, its identity in the OS keyring like `ward init` does, filled
// with SetMany in batches of 5,000. It prints the store's id, which names
// its keyring item (service "ward", account "store:<id>").
//
//	WARD_HOME=/tmp/x fill -n 100000 -store default
//
// The pass and gopass stores for the comparison are made by bench/run in
// shell, with their own CLIs, as a user would.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

func main() {
	n := flag.Int("n", 100_000, "number of secrets")
	name := flag.String("store", store.DefaultName, "store name (a file under $WARD_HOME)")
	batch := flag.Int("batch", 5_000, "secrets per SetMany transaction")
	flag.Parse()
	if err := run(context.Background(), *name, *n, *batch); err != nil {
		fmt.Fprintln(os.Stderr, "fill:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, name string, n, batch int) error {
	file, err := store.FileFor(name)
	if err != nil {
		return err
	}
	res, err := store.Init(ctx, file, store.InitOptions{})
	if err != nil {
		return err
	}
	if res.Store.Mode() != store.IdentityKeyring {
		return fmt.Errorf("the identity did not go to the OS keyring (%s): run inside bench/session", res.Fallback)
	}
	start := time.Now()
	for first := 0; first < n; first += batch {
		items := make([]store.Item, 0, batch)
		for i := first; i < min(first+batch, n); i++ {
			items = append(items, store.Item{
				Path: fmt.Sprintf("bench/s%06d", i),
				Fields: store.Fields{
					"value": wcrypto.NewSecret(fmt.Sprintf("fake-value-%06d", i)),
					"user":  wcrypto.NewSecret(fmt.Sprintf("svc-%06d", i)),
				},
			})
		}
		if err := res.Store.SetMany(ctx, items); err != nil {
			return err
		}
	}
	st, _ := os.Stat(file)
	fmt.Fprintf(os.Stderr, "fill: %d secrets into %s (%.0f MiB) in %s\n", n, file, float64(st.Size())/(1<<20), time.Since(start).Round(time.Millisecond))
	fmt.Println(res.Store.ID())
	return nil
}
