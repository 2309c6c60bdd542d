package kvtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// op is the logical operation of a request, as the real server derives it
// from the HTTP method (http/logical.go buildLogicalRequestNoAuth).
type op int

const (
	opRead op = iota
	opList
	opUpdate
	opPatch
	opDelete
	// opHeader is OPTIONS and HEAD, which no backend path serves.
	opHeader
)

// maxRequestSize is the real server's default listener max_request_size.
const maxRequestSize = 32 << 20

const mergePatchType = "application/merge-patch+json"

var errNoKVv2 = errors.New("kvtest: no such KV v2 mount")

type request struct {
	r      *http.Request
	method string // HTTP method, "LIST" for GET ?list=true
	op     op
	path   string // API path without "/v1/"; list paths end in "/"
	query  url.Values
	// body is the request data as the real server's framework sees it:
	// the JSON body of a write, or the query parameters (minus "list") of
	// a GET, LIST or DELETE, one value each.
	body map[string]any
	ns   string
	tok  *token
	// schema is the fields of the engine path that serves the request.
	schema schema
}

// parseRequest mirrors the real server's request building: it runs before
// authentication, so a malformed body or a wrong PATCH content type is
// reported even without a token.
func parseRequest(w http.ResponseWriter, r *http.Request) (*request, int, error) {
	rq := &request{r: r, method: r.Method, path: strings.TrimPrefix(r.URL.Path, "/v1/"), query: r.URL.Query()}
	rq.ns = normNS(r.Header.Get("X-Vault-Namespace"))
	switch r.Method {
	case http.MethodGet:
		rq.op = opRead
		if ls := rq.query.Get("list"); ls != "" {
			list, err := strconv.ParseBool(ls)
			if err != nil {
				return rq, http.StatusBadRequest, nil
			}
			if list {
				rq.op, rq.method = opList, "LIST"
				rq.query.Del("list")
			}
		}
		rq.body = queryData(rq.query)
	case "LIST":
		rq.op = opList
		rq.body = queryData(rq.query)
	case http.MethodDelete:
		rq.op = opDelete
		rq.body = queryData(rq.query)
	case http.MethodOptions, http.MethodHead:
		rq.op = opHeader
	case http.MethodPost, http.MethodPut:
		rq.op = opUpdate
		if err := decodeBody(w, r, &rq.body); err != nil {
			return rq, statusFor(err), err
		}
	case http.MethodPatch:
		rq.op = opPatch
		ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil {
			return rq, http.StatusBadRequest, err
		}
		if ct != mergePatchType {
			return rq, http.StatusUnsupportedMediaType,
				fmt.Errorf("PATCH requires Content-Type of %s, provided %s", mergePatchType, ct)
		}
		if err := decodeBody(w, r, &rq.body); err != nil {
			return rq, statusFor(err), err
		}
	default:
		return rq, http.StatusMethodNotAllowed, nil
	}
	if rq.op == opList && !strings.HasSuffix(rq.path, "/") {
		rq.path += "/"
	}
	return rq, 0, nil
}

// queryData is parseQuery of the real server: one string per parameter
// (a list when repeated).
func queryData(q url.Values) map[string]any {
	out := make(map[string]any, len(q))
	for k, vs := range q {
		if len(vs) == 1 {
			out[k] = vs[0]
			continue
		}
		l := make([]any, len(vs))
		for i, v := range vs {
			l[i] = v
		}
		out[k] = l
	}
	return out
}

// cleanPath is what http.ServeMux (in front of the real server's handler)
// redirects to: path.Clean, keeping a trailing slash.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	np := path.Clean(p)
	if strings.HasSuffix(p, "/") && np != "/" {
		np += "/"
	}
	return np
}

func decodeBody(w http.ResponseWriter, r *http.Request, into *map[string]any) error {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestSize))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return errTooLarge
		}
		return errBadJSON
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(into); err != nil {
		return errBadJSON
	}
	return nil
}

// The real server says only this about a body it cannot read, too large
// (413) or not JSON (400).
var (
	errBadJSON  = errors.New("error parsing JSON")
	errTooLarge = errors.New("error parsing JSON")
)

func statusFor(err error) int {
	if err == errTooLarge {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// envelope is the real server's logical.HTTPResponse (Vault 1.15 has no
// mount_type field; later versions add one).
type envelope struct {
	RequestID     string         `json:"request_id"`
	LeaseID       string         `json:"lease_id"`
	Renewable     bool           `json:"renewable"`
	LeaseDuration int            `json:"lease_duration"`
	Data          map[string]any `json:"data"`
	WrapInfo      any            `json:"wrap_info"`
	Warnings      []string       `json:"warnings"`
	Auth          *authBlock     `json:"auth"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// respond writes a successful logical response: 200 with the envelope.
func respond(w http.ResponseWriter, data map[string]any, warnings []string) {
	writeJSON(w, http.StatusOK, &envelope{RequestID: newUUID(), Data: data, Warnings: warnings})
}

// respondStatus writes an envelope with another status, as
// logical.RespondWithStatusCode does (KV's 404 for a deleted version, or
// for an invalid path: data null and a warning).
func respondStatus(w http.ResponseWriter, status int, data map[string]any, warnings []string) {
	writeJSON(w, status, &envelope{RequestID: newUUID(), Data: data, Warnings: warnings})
}

// respondEmpty is logical.RespondWithStatusCode with no response: the
// status, a JSON content type and no body.
func respondEmpty(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
}

// respondSys writes a response of the sys/ backend: Vault 1.15 repeats
// every data key at the top level of the envelope for old clients.
func respondSys(w http.ResponseWriter, data map[string]any, warnings []string) {
	out := map[string]any{
		"request_id": newUUID(), "lease_id": "", "renewable": false, "lease_duration": 0,
		"data": data, "wrap_info": nil, "warnings": warnings, "auth": nil,
	}
	for k, v := range data {
		if _, clash := out[k]; !clash {
			out[k] = v
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// noContent is the real server's answer to a handler returning nothing.
func noContent(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// fail writes {"errors":[msgs...]}; with no message, {"errors":[]}.
func fail(w http.ResponseWriter, status int, msgs ...string) {
	if msgs == nil {
		msgs = []string{}
	}
	writeJSON(w, status, map[string][]string{"errors": msgs})
}

// multiErr formats messages as github.com/hashicorp/go-multierror does; the
// real server wraps routing and ACL errors this way.
func multiErr(msgs ...string) string {
	if len(msgs) == 1 {
		return fmt.Sprintf("1 error occurred:\n\t* %s\n\n", msgs[0])
	}
	points := make([]string, len(msgs))
	for i, m := range msgs {
		points[i] = "* " + m
	}
	return fmt.Sprintf("%d errors occurred:\n\t%s\n\n", len(msgs), strings.Join(points, "\n\t"))
}

func unsupportedPath(w http.ResponseWriter) {
	fail(w, http.StatusNotFound, multiErr("unsupported path"))
}

func unsupportedOp(w http.ResponseWriter) {
	fail(w, http.StatusMethodNotAllowed, multiErr("unsupported operation"))
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
