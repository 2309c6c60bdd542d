package kvtest

import (
	"fmt"
	"net/http"
	"strings"
	stdsync "sync"
)

// DropMode says when a dropped connection is cut.
type DropMode int

const (
	// DropBeforeResponse closes the connection without writing anything.
	DropBeforeResponse DropMode = iota
	// DropMidBody writes a 200 status, headers announcing a longer body and
	// part of a JSON body, then closes the connection.
	DropMidBody
)

// Faults are switches a test flips at run time to make the server fail.
// Each applies to requests that arrive after it is set; the zero state
// injects nothing. Methods are safe for concurrent use. In one request the
// checks run in this order: delay, stopped-after, path failure, failing
// next, drop, garbage, redirect.
type Faults struct {
	srv *Server

	mu           stdsync.Mutex
	paths        []pathFault
	failNext     int
	failStatus   int
	dropNext     int
	dropMode     DropMode
	garbageNext  int
	redirectNext int
	redirectTo   string
	release      <-chan struct{}
	arrivals     chan string
	stopAfter    int // requests left before stopping; -1 off
	stopped      bool
}

type pathFault struct {
	method, pattern string
	status          int
}

// FailPath answers requests to pattern with status and
// {"errors":["kvtest: injected fault"]}. pattern is an API path without
// "/v1/" ("secret/data/app/db"), a prefix when it ends in "*"
// ("secret/metadata/app/*"), optionally preceded by a method and a space
// ("PUT secret/data/app/db"; LIST for list requests). A status of 0 removes
// the rule.
func (f *Faults) FailPath(pattern string, status int) {
	method, p, ok := strings.Cut(pattern, " ")
	if !ok {
		method, p = "", pattern
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	kept := f.paths[:0]
	for _, pf := range f.paths {
		if pf.method != method || pf.pattern != p {
			kept = append(kept, pf)
		}
	}
	f.paths = kept
	if status != 0 {
		f.paths = append(f.paths, pathFault{method: method, pattern: p, status: status})
	}
}

// FailNext answers the next n requests with status (a 5xx, typically).
func (f *Faults) FailNext(n, status int) {
	f.mu.Lock()
	f.failNext, f.failStatus = n, status
	f.mu.Unlock()
}

// DropNext cuts the connection of the next n requests (hijack and close).
func (f *Faults) DropNext(n int, mode DropMode) {
	f.mu.Lock()
	f.dropNext, f.dropMode = n, mode
	f.mu.Unlock()
}

// GarbageNext answers the next n requests with 200, a JSON content type and
// a body that is not JSON.
func (f *Faults) GarbageNext(n int) {
	f.mu.Lock()
	f.garbageNext = n
	f.mu.Unlock()
}

// RedirectNext answers the next n requests with 307 to the same path and
// query on target (e.g. another Server's URL).
func (f *Faults) RedirectNext(n int, target string) {
	f.mu.Lock()
	f.redirectNext, f.redirectTo = n, strings.TrimSuffix(target, "/")
	f.mu.Unlock()
}

// Delay holds every request until it receives a value from release (one
// value per request; close(release) lets them all through) or until the
// client gives up. The returned channel receives "METHOD path" of each
// request as it starts waiting (buffered; arrivals beyond the buffer are
// not reported), so a test can wait for a request to be in flight without
// sleeping. Delay(nil) stops delaying.
func (f *Faults) Delay(release <-chan struct{}) <-chan string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.release = release
	if release == nil {
		f.arrivals = nil
		return nil
	}
	f.arrivals = make(chan string, 1024)
	return f.arrivals
}

// StopAfter stops the server (see Server.Stop) once n more requests have
// been answered; any request arriving after those n has its connection cut.
// StopAfter(-1) cancels.
func (f *Faults) StopAfter(n int) {
	f.mu.Lock()
	f.stopAfter = n
	f.mu.Unlock()
}

// Reset turns every fault off.
func (f *Faults) Reset() {
	f.mu.Lock()
	f.paths, f.failNext, f.dropNext, f.garbageNext, f.redirectNext = nil, 0, 0, 0, 0
	f.release, f.arrivals = nil, nil
	f.stopAfter = 0
	f.mu.Unlock()
}

func (pf pathFault) matches(rq *request) bool {
	if pf.method != "" && pf.method != rq.method {
		return false
	}
	path := strings.TrimSuffix(rq.path, "/")
	if pre, ok := strings.CutSuffix(pf.pattern, "*"); ok {
		return strings.HasPrefix(rq.path, pre)
	}
	return path == strings.TrimSuffix(pf.pattern, "/")
}

func take(n *int) bool {
	if *n > 0 {
		*n--
		return true
	}
	return false
}

// intercept applies the faults to one request and reports whether it
// answered it.
func (f *Faults) intercept(w http.ResponseWriter, rq *request) bool {
	f.mu.Lock()
	release, arrivals := f.release, f.arrivals
	f.mu.Unlock()
	if release != nil {
		if arrivals != nil {
			select {
			case arrivals <- rq.method + " " + rq.path:
			default:
			}
		}
		select {
		case <-release:
		case <-rq.r.Context().Done():
			return true
		case <-f.srv.done:
			drop(w, DropBeforeResponse)
			return true
		}
	}

	f.mu.Lock()
	if f.stopped {
		f.mu.Unlock()
		drop(w, DropBeforeResponse)
		return true
	}
	var status int
	for _, pf := range f.paths {
		if pf.matches(rq) {
			status = pf.status
			break
		}
	}
	if status == 0 && take(&f.failNext) {
		status = f.failStatus
	}
	dropIt, mode := status == 0 && take(&f.dropNext), f.dropMode
	garbage := status == 0 && !dropIt && take(&f.garbageNext)
	redirect := status == 0 && !dropIt && !garbage && take(&f.redirectNext)
	target := f.redirectTo
	f.mu.Unlock()

	switch {
	case status != 0:
		fail(w, status, fmt.Sprintf("kvtest: injected fault (status %d)", status))
	case dropIt:
		drop(w, mode)
	case garbage:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("<html><body>502 Bad Gateway</body></html>\n"))
	case redirect:
		http.Redirect(w, rq.r, target+rq.r.URL.RequestURI(), http.StatusTemporaryRedirect)
	default:
		return false
	}
	if dropIt {
		w = nil // hijacked: nothing to flush
	}
	f.afterRequest(w)
	return true
}

// afterRequest counts answered requests for StopAfter. The answer is
// flushed to the client first: stopping cuts every connection, and an
// answer still in the server's buffer was lost with it now and then (the
// Nth request failed instead of the N+1th).
func (f *Faults) afterRequest(w http.ResponseWriter) {
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopAfter <= 0 || f.stopped {
		return
	}
	f.stopAfter--
	if f.stopAfter == 0 {
		f.stopped = true
		go f.srv.Stop()
	}
}

// drop cuts the client's connection.
func drop(w http.ResponseWriter, mode DropMode) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	if mode == DropMidBody {
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{\"request_id\":\"")
		_ = buf.Flush()
	}
	_ = conn.Close()
}
