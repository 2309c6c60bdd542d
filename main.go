// Command ward is a secrets workstation for operators. See package cli.
package main

import (
	"os"

	"github.com/opsward/ward/cli"
)

func main() { os.Exit(cli.Execute()) }
