package agent

// Rules for this file: it is the only code that turns bytes from the socket
// into requests. Everything that arrives is hostile until decodeRequest
// accepts it; nothing it returns or reports quotes the input.

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	wcrypto "github.com/opsward/ward/crypto"
)

// protoVersion is the "v" of every request and response. A server answers a
// request of another version with the error code "version".
const protoVersion = 1

// maxFrame bounds one request or response body.
const maxFrame = 64 << 10

// maxIdentity bounds the identity held for one store: an age identity line
// is 74 bytes; this leaves room for an identity file of a few keys.
const maxIdentity = 16 << 10

// maxStoreID bounds a store id (ward's are 32 hex digits).
const maxStoreID = 128

// Operations.
const (
	opPut    = "put"
	opGet    = "get"
	opLock   = "lock"
	opStatus = "status"
	opStop   = "stop"
)

// Error codes of a response.
const (
	codeNotHeld    = "not-held"
	codeBadRequest = "bad-request"
	codeVersion    = "version"
	codeDenied     = "denied"
	codeFull       = "full"
)

// request is one request. Identity and DataKey are bytes so the agent holds
// secrets only in memory it can overwrite; JSON carries them as base64.
type request struct {
	V        int    `json:"v"`
	Op       string `json:"op"`
	StoreID  string `json:"store_id,omitempty"`
	Identity []byte `json:"identity,omitempty"`
	DataKey  []byte `json:"data_key,omitempty"`
}

// response is one response. OK false comes with Error (a code) and perhaps
// Message (plain words that never contain a request's secret).
type response struct {
	V            int        `json:"v"`
	OK           bool       `json:"ok"`
	Error        string     `json:"error,omitempty"`
	Message      string     `json:"message,omitempty"`
	Identity     []byte     `json:"identity,omitempty"`
	DataKey      []byte     `json:"data_key,omitempty"`
	Stores       int        `json:"stores,omitempty"`
	IdleDeadline *time.Time `json:"idle_deadline,omitempty"`
	IdleTimeout  string     `json:"idle_timeout,omitempty"`
	PID          int        `json:"pid,omitempty"`
}

// errVersion is returned by decodeRequest for a request of another
// protocol version, so the server can answer with codeVersion.
var errVersion = errors.New("unsupported protocol version")

// decodeRequest parses and validates one request body. Its errors describe
// the problem without quoting the input. Unknown fields are ignored, so a
// later client may add optional ones without a new version.
//
// json.Unmarshal, not json.Decoder: a Decoder copies its input into a
// buffer of its own that nobody can clear; Unmarshal decodes base64 from b
// straight into the slices it returns.
func decodeRequest(b []byte) (request, error) {
	var r request
	if err := json.Unmarshal(b, &r); err != nil {
		clear(r.Identity)
		clear(r.DataKey)
		return request{}, errors.New("not a JSON request object")
	}
	if r.V != protoVersion {
		clear(r.Identity)
		clear(r.DataKey)
		return request{}, errVersion
	}
	if err := r.validate(); err != nil {
		clear(r.Identity)
		clear(r.DataKey)
		return request{}, err
	}
	return r, nil
}

func (r request) validate() error {
	switch r.Op {
	case opPut, opGet:
		if err := checkStoreID(r.StoreID); err != nil {
			return err
		}
	case opLock, opStatus, opStop:
		if r.StoreID != "" {
			return fmt.Errorf("%s takes no store_id", r.Op)
		}
	default:
		return errors.New("unknown op")
	}
	if r.Op != opPut {
		if r.Identity != nil || r.DataKey != nil {
			return fmt.Errorf("%s takes no identity or data_key", r.Op)
		}
		return nil
	}
	if len(r.Identity) == 0 && len(r.DataKey) == 0 {
		return errors.New("put needs an identity, a data_key or both")
	}
	if r.DataKey != nil && len(r.DataKey) != wcrypto.KeySize {
		return fmt.Errorf("data_key must be %d bytes, got %d", wcrypto.KeySize, len(r.DataKey))
	}
	if r.Identity != nil && len(r.Identity) == 0 {
		return errors.New("identity is empty")
	}
	if len(r.Identity) > maxIdentity {
		return fmt.Errorf("identity longer than %d bytes", maxIdentity)
	}
	return nil
}

// checkStoreID accepts 1 to maxStoreID bytes of [A-Za-z0-9._:-]: enough for
// any id ward makes, and safe to write into a log line.
func checkStoreID(id string) error {
	if id == "" {
		return errors.New("store_id is missing")
	}
	if len(id) > maxStoreID {
		return fmt.Errorf("store_id longer than %d bytes", maxStoreID)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == ':', c == '-':
		default:
			return fmt.Errorf("store_id has a character outside [A-Za-z0-9._:-] at byte %d", i)
		}
	}
	return nil
}

// errFrameSize is returned by readFrame for an empty or oversized frame.
var errFrameSize = fmt.Errorf("frame length must be 1 to %d bytes", maxFrame)

// readFrame reads one frame. It reads at most maxFrame bytes of body: a
// larger length is refused before anything is allocated for it.
func readFrame(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 || n > maxFrame {
		return nil, errFrameSize
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	return body, nil
}

// The encoders below build a whole frame (length and JSON body) in one
// buffer sized up front, with identities and keys base64-encoded straight
// into it, so the caller can clear the only copy once it is sent.
// json.Marshal would leave a copy in its pooled buffer, and a growing
// append would leave one in every array it outgrew.

// frame encodes r as a frame.
func (r request) frame() []byte {
	o := newObject(len(r.StoreID)*6 + len(r.Op)*6 + secretLen(r.Identity, r.DataKey))
	o.int("v", int64(r.V))
	o.str("op", r.Op)
	if r.StoreID != "" {
		o.str("store_id", r.StoreID)
	}
	if r.Identity != nil {
		o.bytes("identity", r.Identity)
	}
	if r.DataKey != nil {
		o.bytes("data_key", r.DataKey)
	}
	return o.done()
}

// frame encodes r as a frame.
func (r response) frame() []byte {
	o := newObject((len(r.Error)+len(r.Message)+len(r.IdleTimeout))*6 + secretLen(r.Identity, r.DataKey))
	o.int("v", int64(r.V))
	o.field("ok")
	o.buf = strconv.AppendBool(o.buf, r.OK)
	if r.Error != "" {
		o.str("error", r.Error)
	}
	if r.Message != "" {
		o.str("message", r.Message)
	}
	if r.Identity != nil {
		o.bytes("identity", r.Identity)
	}
	if r.DataKey != nil {
		o.bytes("data_key", r.DataKey)
	}
	if r.Stores != 0 {
		o.int("stores", int64(r.Stores))
	}
	if r.IdleDeadline != nil {
		o.field("idle_deadline")
		o.buf = r.IdleDeadline.AppendFormat(append(o.buf, '"'), time.RFC3339Nano)
		o.buf = append(o.buf, '"')
	}
	if r.IdleTimeout != "" {
		o.str("idle_timeout", r.IdleTimeout)
	}
	if r.PID != 0 {
		o.int("pid", int64(r.PID))
	}
	return o.done()
}

func secretLen(id, key []byte) int {
	return base64.StdEncoding.EncodedLen(len(id)) + base64.StdEncoding.EncodedLen(len(key))
}

// object appends one flat JSON object after a 4-byte length.
type object struct {
	buf []byte
	n   int // fields written
}

// newObject sizes the buffer for the fields' names and punctuation (256
// bytes is more than all of them) plus extra.
func newObject(extra int) *object {
	o := &object{buf: make([]byte, 4, 4+256+extra)}
	o.buf = append(o.buf, '{')
	return o
}

func (o *object) field(name string) {
	if o.n > 0 {
		o.buf = append(o.buf, ',')
	}
	o.n++
	o.buf = append(o.buf, '"')
	o.buf = append(o.buf, name...)
	o.buf = append(o.buf, '"', ':')
}

func (o *object) int(name string, v int64) {
	o.field(name)
	o.buf = strconv.AppendInt(o.buf, v, 10)
}

// str appends a string that is not secret (an op, a store id, a message):
// json.Marshal quotes it exactly as JSON wants.
func (o *object) str(name, v string) {
	o.field(name)
	q, _ := json.Marshal(v) // a string always encodes
	o.buf = append(o.buf, q...)
}

// bytes appends b as base64, the way encoding/json decodes a []byte.
func (o *object) bytes(name string, b []byte) {
	o.field(name)
	o.buf = append(o.buf, '"')
	o.buf = base64.StdEncoding.AppendEncode(o.buf, b)
	o.buf = append(o.buf, '"')
}

// done closes the object and fills in the length.
func (o *object) done() []byte {
	o.buf = append(o.buf, '}')
	binary.BigEndian.PutUint32(o.buf, uint32(len(o.buf)-4))
	return o.buf
}

// sendFrame writes a frame made by request.frame or response.frame.
func sendFrame(w io.Writer, frame []byte) error {
	if n := len(frame) - 4; n > maxFrame {
		return fmt.Errorf("message of %d bytes exceeds the %d-byte limit", n, maxFrame)
	}
	_, err := w.Write(frame)
	return err
}
