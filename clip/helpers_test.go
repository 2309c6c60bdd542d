package clip

import (
	"io"
	"os"
	"time"
)

func readAllStdin() ([]byte, error) { return io.ReadAll(os.Stdin) }

// waitABit paces a poll for a file another process writes.
func waitABit() { time.Sleep(10 * time.Millisecond) }
