// Package panicsite finds where a recovered panic happened, so that a bug
// is reported by its place and never by its value (which could hold a
// secret), and damage can be told from a bug by who panicked.
package panicsite

import (
	"fmt"
	"runtime"
	"strings"
)

// Origin returns the frames below the last runtime.gopanic on the calling
// goroutine's stack, innermost first, without the runtime's own. Called
// from a deferred function while a panic unwinds, the first is the
// function that panicked (or whose code a runtime check stopped); when a
// recover raised the panic again, the frames are those of the first one.
func Origin() []runtime.Frame {
	pcs := make([]uintptr, 128)
	n := runtime.Callers(2, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	var all []runtime.Frame
	last := -1
	for {
		fr, more := frames.Next()
		if fr.Function == "runtime.gopanic" {
			last = len(all)
		}
		all = append(all, fr)
		if !more {
			break
		}
	}
	if last < 0 {
		return nil
	}
	var out []runtime.Frame
	for _, fr := range all[last+1:] {
		if !strings.HasPrefix(fr.Function, "runtime.") {
			out = append(out, fr)
		}
	}
	return out
}

// Site names the innermost ward function among frames as "pkg.Func
// (file.go:line)", or "an unknown place".
func Site(frames []runtime.Frame) string {
	for _, fr := range frames {
		if strings.HasPrefix(fr.Function, "github.com/opsward/ward/") {
			file := fr.File
			if i := strings.LastIndexByte(file, '/'); i >= 0 {
				file = file[i+1:]
			}
			return fmt.Sprintf("%s (%s:%d)", fr.Function, file, fr.Line)
		}
	}
	return "an unknown place"
}
