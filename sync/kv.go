package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/opsward/ward/internal/jsontext"
)

// The KV v2 calls sync makes, each one request through send. Paths here
// are below the mount ("team/payments/db"); the API path adds the mount
// and the endpoint ("secret/metadata/team/payments/db").

func (c *Client) api2(endpoint, p string) string {
	if p == "" {
		return c.Remote.Mount + "/" + endpoint + "/"
	}
	return c.Remote.Mount + "/" + endpoint + "/" + p
}

// statusErr turns an unexpected status into an error: 403 wraps ErrDenied.
func (c *Client) statusErr(op, path string, r *reply) error {
	var sentinel error
	if r.status == 403 {
		sentinel = ErrDenied
	}
	return c.remoteErr(op, path, r, sentinel)
}

// list returns the keys of one folder (sub-folders end in "/"); an empty
// or missing folder gives none.
func (c *Client) list(ctx context.Context, folder string) ([]string, error) {
	p := c.api2("metadata", folder)
	if folder != "" {
		p += "/"
	}
	var out struct {
		Data struct {
			Keys []string `json:"keys"`
		} `json:"data"`
	}
	if _, err := c.readJSON(ctx, "list", "LIST", p, &out); err != nil {
		return nil, err
	}
	return out.Data.Keys, nil
}

// readJSON sends a body-less request and decodes a 200's JSON into out.
// A 404 is "not there": found is false and out is left alone; any other
// status is an error naming the operation and path.
func (c *Client) readJSON(ctx context.Context, op, method, p string, out any) (found bool, err error) {
	r, err := c.send(ctx, op, method, p, nil, nil)
	if err != nil {
		return false, err
	}
	switch r.status {
	case 200:
	case 404:
		return false, nil
	default:
		return false, c.statusErr(op, p, r)
	}
	return true, r.decode(c, op, p, out)
}

// remoteMeta is what the metadata endpoint says about a key.
type remoteMeta struct {
	Current int
	Custom  map[string]string
	// Deleted: the current version is soft-deleted or destroyed, or the
	// key has no version at all.
	Deleted bool
	// Live lists the versions neither destroyed (for --destroy).
	Live []int
}

type versionState struct {
	DeletionTime string `json:"deletion_time"`
	Destroyed    bool   `json:"destroyed"`
}

func (v versionState) gone(now time.Time) bool {
	if v.Destroyed {
		return true
	}
	if v.DeletionTime == "" {
		return false
	}
	t, err := time.Parse(time.RFC3339Nano, v.DeletionTime)
	return err == nil && !t.After(now)
}

// readMeta returns a key's metadata, or nil when the key does not exist.
func (c *Client) readMeta(ctx context.Context, path string, wantLive bool) (*remoteMeta, error) {
	p := c.api2("metadata", path)
	var out struct {
		Data struct {
			Current  int                     `json:"current_version"`
			Custom   map[string]string       `json:"custom_metadata"`
			Versions map[string]versionState `json:"versions"`
		} `json:"data"`
	}
	found, err := c.readJSON(ctx, "read metadata", "GET", p, &out)
	if err != nil || !found {
		return nil, err
	}
	m := &remoteMeta{Current: out.Data.Current, Custom: out.Data.Custom}
	now := time.Now()
	cur, ok := out.Data.Versions[strconv.Itoa(m.Current)]
	m.Deleted = m.Current == 0 || !ok || cur.gone(now)
	if wantLive {
		for k, v := range out.Data.Versions {
			if n, err := strconv.Atoi(k); err == nil && !v.Destroyed {
				m.Live = append(m.Live, n)
			}
		}
	}
	return m, nil
}

// remoteData is one version's values and metadata.
type remoteData struct {
	Version int
	Deleted bool
	Fields  map[string]string
	Custom  map[string]string
	// Unrepresentable names fields whose names the store refuses.
	NonString []string
}

// readData reads a version (0: the current one). It returns nil when the
// key does not exist; a deleted or destroyed version comes back with
// Deleted set and no fields.
func (c *Client) readData(ctx context.Context, path string, version int) (*remoteData, error) {
	p := c.api2("data", path)
	var q url.Values
	if version > 0 {
		q = url.Values{"version": {strconv.Itoa(version)}}
	}
	r, err := c.send(ctx, "read", "GET", p, q, nil)
	if err != nil {
		return nil, err
	}
	switch {
	case r.status == 200:
	case r.status == 404 && isVersionEnvelope(r.body):
		// A deleted or destroyed version: 404 with its metadata.
	case r.status == 404:
		return nil, nil
	default:
		return nil, c.statusErr("read", p, r)
	}
	var out struct {
		Data struct {
			Data     map[string]json.RawMessage `json:"data"`
			Metadata struct {
				Version      int               `json:"version"`
				DeletionTime string            `json:"deletion_time"`
				Destroyed    bool              `json:"destroyed"`
				Custom       map[string]string `json:"custom_metadata"`
			} `json:"metadata"`
		} `json:"data"`
	}
	if err := r.decode(c, "read", p, &out); err != nil {
		return nil, err
	}
	md := out.Data.Metadata
	d := &remoteData{Version: md.Version, Custom: md.Custom}
	d.Deleted = r.status == 404 || versionState{DeletionTime: md.DeletionTime, Destroyed: md.Destroyed}.gone(time.Now())
	if d.Deleted {
		return d, nil
	}
	d.Fields = make(map[string]string, len(out.Data.Data))
	for k, raw := range out.Data.Data {
		// What encoding/json would change without a word (invalid
		// UTF-8, a lone surrogate escape, both made U+FFFD) is not
		// taken: a pulled secret must be the server's, byte for byte.
		if !utf8.Valid(raw) || jsontext.LoneSurrogate(raw) >= 0 {
			return nil, fmt.Errorf("field %s: the server's value is not text that can be kept exactly (invalid UTF-8 or a lone surrogate escape): %w", shownPath(k), ErrUnrepresentable)
		}
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			d.Fields[k] = s
			continue
		}
		// Numbers, booleans, objects: kept as their JSON text. A push
		// writes them back as strings (see doc.go).
		d.Fields[k] = string(raw)
		d.NonString = append(d.NonString, k)
	}
	return d, nil
}

// errCAS is a check-and-set refusal.
var errCAS = fmt.Errorf("%w: the server's version changed since the plan (check-and-set refused)", ErrConflict)

// writeData writes a new version with check-and-set: cas is the version
// the write expects to replace (0: the key must not exist). It returns the
// new version, or an error wrapping ErrConflict.
func (c *Client) writeData(ctx context.Context, path string, fields map[string]string, cas int) (int, error) {
	p := c.api2("data", path)
	body := map[string]any{"options": map[string]any{"cas": cas}, "data": fields}
	r, err := c.send(ctx, "write", "PUT", p, nil, body)
	if err != nil {
		return 0, err
	}
	if r.status == 400 && len(r.errs) > 0 && strings.Contains(strings.Join(r.errs, " "), "check-and-set") {
		return 0, c.remoteErr("write", p, r, errCAS)
	}
	if r.status != 200 {
		return 0, c.statusErr("write", p, r)
	}
	var out struct {
		Data struct {
			Version int `json:"version"`
		} `json:"data"`
	}
	if err := r.decode(c, "write", p, &out); err != nil {
		return 0, err
	}
	if out.Data.Version == 0 {
		return 0, c.remoteErr("write", p, r, fmt.Errorf("%w: no version in the answer", ErrBadResponse))
	}
	return out.Data.Version, nil
}

// patchMeta merges custom_metadata keys (nil values remove a key) and
// leaves every other key, ward's or another tool's, as it is.
func (c *Client) patchMeta(ctx context.Context, path string, patch map[string]*string) error {
	if len(patch) == 0 {
		return nil
	}
	p := c.api2("metadata", path)
	cm := make(map[string]any, len(patch))
	for k, v := range patch {
		if v == nil {
			cm[k] = nil
		} else {
			cm[k] = *v
		}
	}
	r, err := c.send(ctx, "write metadata", "PATCH", p, nil, map[string]any{"custom_metadata": cm})
	if err != nil {
		return err
	}
	switch {
	case r.status == 200 || r.status == 204:
		if len(r.body) > 0 && !json.Valid(r.body) {
			return c.remoteErr("write metadata", p, r, fmt.Errorf("%w: the body is not JSON", ErrBadResponse))
		}
		return nil
	case r.status == 405:
		return c.remoteErr("write metadata", p, r, errors.New("the server does not support PATCH on metadata (Vault 1.9 or older)"))
	default:
		return c.statusErr("write metadata", p, r)
	}
}

// deleteVersion soft-deletes one version (recoverable with undelete).
// Naming the version, rather than "the latest", is what keeps a delete
// from hiding a version someone wrote after the plan.
func (c *Client) deleteVersion(ctx context.Context, path string, version int) error {
	p := c.api2("delete", path)
	r, err := c.send(ctx, "delete", "PUT", p, nil, map[string]any{"versions": []int{version}})
	if err != nil {
		return err
	}
	if r.status != 204 && r.status != 200 {
		return c.statusErr("delete", p, r)
	}
	return nil
}

// destroyVersions destroys versions for good.
func (c *Client) destroyVersions(ctx context.Context, path string, versions []int) error {
	if len(versions) == 0 {
		return nil
	}
	p := c.api2("destroy", path)
	r, err := c.send(ctx, "destroy", "PUT", p, nil, map[string]any{"versions": versions})
	if err != nil {
		return err
	}
	if r.status != 204 && r.status != 200 {
		return c.statusErr("destroy", p, r)
	}
	return nil
}

// isVersionEnvelope tells KV's 404 for a deleted version (the full
// envelope, data.metadata filled in) from a plain 404 ({"errors":[]}).
func isVersionEnvelope(body []byte) bool {
	var e struct {
		Errors *[]string `json:"errors"`
		Data   *struct {
			Metadata *struct {
				Version int `json:"version"`
			} `json:"metadata"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &e) != nil || e.Errors != nil || e.Data == nil || e.Data.Metadata == nil {
		return false
	}
	return e.Data.Metadata.Version > 0
}
