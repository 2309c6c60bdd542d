package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
	"unicode/utf8"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/spf13/cobra"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/store"
)

// exportDoc is the plaintext inside an export: a JSON document any tool can
// read after `age -d`. Its field names are part of ward's interface.
type exportDoc struct {
	Format   string         `json:"format"` // "ward-export"
	Version  int            `json:"version"`
	Store    string         `json:"store"`
	Exported time.Time      `json:"exported"`
	Secrets  []exportSecret `json:"secrets"`
}

type exportSecret struct {
	Path    string            `json:"path"`
	Version int               `json:"version"`
	Fields  map[string]string `json:"fields"`
	// Binary holds, in standard base64, the fields whose values are not
	// UTF-8 text, which a JSON string cannot carry (version 2).
	Binary  map[string]string `json:"binary,omitempty"`
	Meta    store.Meta        `json:"meta"`
	Created time.Time         `json:"created"`
	Updated time.Time         `json:"updated"`
	Rotated time.Time         `json:"rotated,omitzero"`
}

const exportFormat = "ward-export"

// exportFields splits a secret's values into text and, base64-encoded,
// the rest (nil when there is none).
func exportFields(f store.Fields) (text, bin map[string]string) {
	text = make(map[string]string, len(f))
	for k, v := range f {
		if s := v.Reveal(); utf8.ValidString(s) {
			text[k] = s
		} else {
			if bin == nil {
				bin = make(map[string]string)
			}
			bin[k] = base64.StdEncoding.EncodeToString([]byte(s))
		}
	}
	return text, bin
}

type exportOptions struct {
	f          *Factory
	Out        string
	Recipients []string
	Armor      bool
	Prefix     string
}

func newExportCmd(f *Factory) *cobra.Command {
	opts := &exportOptions{f: f}
	cmd := &cobra.Command{
		Use:   "export [PREFIX] [--out FILE] [--recipient R]...",
		Short: "Write every secret to an age-encrypted file",
		Long: `Write the current fields and metadata of every secret (under PREFIX, if
given) as a plain age file encrypted to the store's recipients, or to the
--recipient keys given instead. Any age tool opens it:

  age -d -i key.txt export.age | jq .

Inside is JSON: {"format":"ward-export","version":1,"store","exported",
"secrets":[{"path","version","fields":{"name":"value"},"meta":{...},
"created","updated","rotated"}]}. A value that is not UTF-8 text goes,
in standard base64, under "binary":{"name":"base64"} beside "fields", and
the file is then version 2 (so an older ward refuses it rather than drop
that field). ward import reads both back.

Each exported secret is recorded in the audit log as "export". The file is
written with mode 0600 through a temporary file, fsync and rename. Without
--out it goes to stdout, but never to a terminal unless --armor.

JSON (--json): {"file","secrets","recipients"} on stdout (needs --out).` + exitStatus(
			"2    bad recipient, stdout is a terminal, or an --out ward must not write over",
			"6    --out exists and there is no terminal to confirm (--yes)",
			"10   no such store",
		),
		Args: rangeArgs(0, 1, "at most one PREFIX"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Prefix = args[0]
			}
			return runExport(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Out, "out", "o", "", "write to `FILE` instead of stdout")
	cmd.Flags().StringArrayVarP(&opts.Recipients, "recipient", "r", nil, "encrypt to `R` instead of the store's recipients (repeatable)")
	cmd.Flags().BoolVarP(&opts.Armor, "armor", "a", false, "PEM-armored (ASCII) age file")
	return cmd
}

func runExport(ctx context.Context, opts *exportOptions) error {
	f := opts.f
	if opts.Out == "" && f.IsStdoutTTY() && !opts.Armor {
		return withHint(usageErrorf("refusing to write an export to the terminal"), "write it to a file with --out FILE, or pipe it")
	}
	if opts.Out == "" && f.JSON {
		return usageErrorf("--json describes the export on stdout: give the file with --out FILE")
	}
	if opts.Out != "" {
		if err := checkExportOut(f, opts.Out); err != nil {
			return err
		}
		// An export is often the backup: never write over one unasked.
		if _, err := os.Stat(opts.Out); err == nil {
			if err := f.confirm(fmt.Sprintf("%s exists: write the export over it", opts.Out)); err != nil {
				return err
			}
		}
	}
	var rs []age.Recipient
	for _, r := range opts.Recipients {
		ar, err := wcrypto.ParseRecipient(r)
		if err != nil {
			return &usageError{err}
		}
		rs = append(rs, ar)
	}
	s, err := f.OpenStore(ctx)
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		canon, err := s.Recipients(ctx)
		if err != nil {
			return err
		}
		for _, r := range canon {
			ar, err := wcrypto.ParseRecipient(r)
			if err != nil {
				return err
			}
			rs = append(rs, ar)
		}
	}
	heads, err := s.List(ctx, opts.Prefix)
	if err != nil {
		return err
	}
	doc := exportDoc{Format: exportFormat, Version: 1, Store: s.Name, Exported: time.Now().UTC(), Secrets: []exportSecret{}}
	paths := make([]string, len(heads))
	for i, h := range heads {
		paths[i] = h.Path
	}
	// One transaction for the whole export, one audit entry per secret.
	err = s.GetMany(ctx, paths, store.GetOptions{Action: "export"}, func(sc *store.Secret, fields store.Fields) error {
		m, bin := exportFields(fields)
		if bin != nil {
			doc.Version = 2
		}
		doc.Secrets = append(doc.Secrets, exportSecret{
			Path: sc.Path, Version: sc.Current, Fields: m, Binary: bin, Meta: sc.Meta,
			Created: sc.Created, Updated: sc.Updated, Rotated: sc.Rotated,
		})
		return nil
	})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	// The values were read, and each read is audited already; a failure
	// from here on is recorded too, so the log does not read as if the
	// export reached its file.
	failed := func(err error) error {
		_ = s.Record(ctx, store.Entry{Action: "export", Path: opts.Prefix, Outcome: "failed",
			Detail: fmt.Sprintf("%d secrets read, not written: %v", len(doc.Secrets), err)})
		return err
	}
	var buf bytes.Buffer
	if err := encryptExport(&buf, rs, opts.Armor, &doc); err != nil {
		return failed(err)
	}
	if opts.Out == "" {
		if _, err = f.Out.Write(buf.Bytes()); err != nil {
			return failed(fmt.Errorf("write export to stdout: %w", err))
		}
		return nil
	}
	// Through a symbolic link to the file it names: the write replaces
	// that file, and the link stays a link.
	dst := opts.Out
	if target, err := filepath.EvalSymlinks(dst); err == nil {
		dst = target
	}
	if err := wcrypto.WriteFileAtomic(dst, buf.Bytes(), 0o600); err != nil {
		return failed(fmt.Errorf("write export: %w", err))
	}
	if f.JSON {
		return f.printJSON(map[string]any{"file": opts.Out, "secrets": len(doc.Secrets), "recipients": len(rs)})
	}
	f.status("Exported %d secrets to %s, encrypted to %d recipient(s)", len(doc.Secrets), opts.Out, len(rs))
	if len(opts.Recipients) == 0 && len(rs) == 1 && s.Mode() == store.IdentityKeyring {
		f.status("It opens only with this store's identity, which lives in this machine's OS keyring: for a backup that opens elsewhere, export with --recipient KEY (a key you keep apart)")
	}
	return nil
}

// checkExportOut refuses an --out that is a directory, or a file ward
// itself depends on: the store, its audit tail, its identity file, or an
// --identity file. --yes confirms writing over an old export, never over
// those (a script passing --yes would destroy the store or its key).
func checkExportOut(f *Factory, out string) error {
	st, err := os.Stat(out)
	if err != nil {
		return nil // nothing there yet; the write will say what is wrong
	}
	if st.IsDir() {
		return usageErrorf("--out %s is a directory: name a file", out)
	}
	if !st.Mode().IsRegular() {
		// A pipe or a device (/dev/stdout): the export is written to a
		// new file renamed into place, which would replace the name, and
		// reading a pipe to see what it holds would block.
		return usageErrorf("--out %s is not a regular file (a pipe or a device): leave out --out to write the export to stdout", out)
	}
	file, err := f.StoreFile()
	if err != nil {
		return err
	}
	own := []struct{ path, what string }{
		{file, "the store itself"},
		{store.TailFile(file), "the store's audit log"},
		{store.IdentityFileFor(file), "the store's identity file"},
	}
	for _, id := range f.Identities {
		own = append(own, struct{ path, what string }{id, "an --identity file"})
	}
	for _, o := range own {
		if ost, err := os.Stat(o.path); err == nil && os.SameFile(st, ost) {
			return usageErrorf("refusing to write the export over %s: it is %s", out, o.what)
		}
	}
	// Another store's files, or any key, by what is in them.
	if what := sniffOwnFile(out); what != "" {
		return usageErrorf("refusing to write the export over %s: it is %s", out, what)
	}
	return nil
}

// sniffOwnFile says what out holds when it is something an export must not
// replace: a ward store (a bbolt file), an audit tail, an age identity, or
// a passphrase-protected one (an export is an age file to X25519 or SSH
// recipients, never to a passphrase).
func sniffOwnFile(out string) string {
	f, err := os.Open(out)
	if err != nil {
		return ""
	}
	defer f.Close()
	b := make([]byte, 512)
	n, _ := io.ReadFull(f, b)
	b = b[:n]
	switch {
	case store.LooksLikeStore(b):
		return "a ward store (a bbolt database)"
	case store.LooksLikeTail(b):
		return "a ward audit log"
	case bytes.Contains(b, []byte("AGE-SECRET-KEY-1")):
		return "an age identity"
	case bytes.HasPrefix(b, []byte("age-encryption.org/v1\n")) && bytes.Contains(b, []byte("\n-> scrypt ")):
		return "a passphrase-protected age file (a store's identity?)"
	case bytes.HasPrefix(b, []byte("-----BEGIN OPENSSH PRIVATE KEY-----")):
		return "an SSH private key"
	}
	return ""
}

func encryptExport(dst io.Writer, rs []age.Recipient, armored bool, doc *exportDoc) (err error) {
	out := dst
	var aw io.WriteCloser
	if armored {
		aw = armor.NewWriter(dst)
		out = aw
	}
	w, err := age.Encrypt(out, rs...)
	if err != nil {
		return fmt.Errorf("encrypt export: %v", err)
	}
	if err := json.NewEncoder(w).Encode(doc); err != nil {
		return errors.New("encode export")
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("encrypt export: %v", err)
	}
	if aw != nil {
		return aw.Close()
	}
	return nil
}
