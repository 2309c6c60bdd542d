// Package demo fills a store with realistic, obviously fake secrets for
// `ward demo`: every value starts with "demo-" or "fake-" (SSH keys are
// real keys, generated fresh and thrown away with the store), names look
// like a company's, and a few secrets are in states the TUI should point
// out: a certificate expiring within 14 days, a secret overdue for
// rotation, one marked compromised, one retired.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	wcrypto "github.com/opsward/ward/crypto"
	"github.com/opsward/ward/crypto/gen"
	"github.com/opsward/ward/store"
)

// Paths of the secrets in special states, for tests and the README.
const (
	ExpiringCert = "prod/edge/tls-wildcard"
	Overdue      = "prod/payments/db"
	Compromised  = "ci/github/deploy-token"
	Retired      = "staging/legacy/ftp"
)

var (
	envs     = []string{"prod", "staging", "dev"}
	services = []string{"payments", "billing", "auth", "search", "checkout", "ledger", "notifications", "reporting", "inventory", "edge", "identity", "analytics"}
	teams    = []string{"team-payments", "team-platform", "team-identity", "team-data", "team-growth", "sre"}
	vendors  = []string{"stripe-ish", "sendgrid-ish", "twilio-ish", "datadog-ish", "sentry-ish", "pagerduty-ish", "slack-ish", "s3-ish"}
	hosts    = []string{"bastion-1", "bastion-2", "web-1", "web-2", "worker-1", "db-1"}
)

// recipe makes one secret: its leaf name, kind and fields.
type recipe struct {
	leaf string
	kind store.Kind
	make func(r *rand.Rand) (store.Fields, error)
}

func fake(prefix string, r *rand.Rand) wcrypto.Secret {
	const hex = "0123456789abcdef"
	b := make([]byte, 24)
	for i := range b {
		b[i] = hex[r.IntN(len(hex))]
	}
	return wcrypto.NewSecret(prefix + string(b))
}

func password(_ *rand.Rand) (wcrypto.Secret, error) {
	p, err := gen.Password(gen.PasswordOptions{Length: 20, Lower: true, Upper: true, Digits: true})
	return wcrypto.NewSecret("demo-" + p), err
}

var recipes = []recipe{
	{"db", store.KindPassword, func(r *rand.Rand) (store.Fields, error) {
		p, err := password(r)
		return store.Fields{"username": wcrypto.NewSecret("app_rw"), "password": p, "url": wcrypto.NewSecret("postgres://db.demo.invalid:5432/app")}, err
	}},
	{"redis", store.KindPassword, func(r *rand.Rand) (store.Fields, error) {
		p, err := password(r)
		return store.Fields{"password": p}, err
	}},
	{"api-key", store.KindAPIKey, func(r *rand.Rand) (store.Fields, error) {
		return store.Fields{"value": fake("fake-key-", r)}, nil
	}},
	{"service-token", store.KindToken, func(r *rand.Rand) (store.Fields, error) {
		return store.Fields{"value": fake("demo-tok-", r)}, nil
	}},
	{"oauth", store.KindOAuthClient, func(r *rand.Rand) (store.Fields, error) {
		return store.Fields{"client_id": fake("demo-client-", r), "client_secret": fake("fake-secret-", r)}, nil
	}},
	{"signing-key", store.KindSigningKey, func(r *rand.Rand) (store.Fields, error) {
		return store.Fields{"value": fake("demo-hmac-", r)}, nil
	}},
	{"deploy-key", store.KindSSHKey, func(r *rand.Rand) (store.Fields, error) {
		priv, pub, err := gen.SSHKey("demo@ward.invalid")
		return store.Fields{"private_key": wcrypto.NewSecret(priv), "public_key": wcrypto.NewSecret(pub)}, err
	}},
	{"tls", store.KindTLSCert, func(r *rand.Rand) (store.Fields, error) {
		return store.Fields{"certificate": fakePEM("CERTIFICATE", r), "private_key": fakePEM("PRIVATE KEY", r)}, nil
	}},
}

// fakePEM looks like PEM but holds only "fake" text, so nothing parses it
// as a key.
func fakePEM(what string, r *rand.Rand) wcrypto.Secret {
	body := fake("fake-demo-not-a-real-"+strings.ToLower(strings.ReplaceAll(what, " ", "-"))+"-", r).Reveal()
	return wcrypto.NewSecret("-----BEGIN " + what + "-----\n" + body + "\n-----END " + what + "-----\n")
}

// Fill writes about n fake secrets into s, in one transaction per batch.
// It is deterministic in names and metadata (values are random) and
// fails with store.ErrExists if s already holds a demo secret.
func Fill(ctx context.Context, s *store.Store, n int) error {
	r := rand.New(rand.NewPCG(1, 2))
	now := s.Now()
	items, err := plan(r, max(0, n-4), now)
	if err != nil {
		return err
	}
	if err := s.SetMany(ctx, items); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return special(ctx, s, now)
}

func plan(r *rand.Rand, n int, now time.Time) ([]store.Item, error) {
	var items []store.Item
	// The special secrets are written by special, with their own metadata.
	seen := map[string]bool{ExpiringCert: true, Overdue: true, Compromised: true, Retired: true}
	add := func(path string, rc recipe, m store.Meta) error {
		if seen[path] {
			return nil
		}
		seen[path] = true
		f, err := rc.make(r)
		if err != nil {
			return fmt.Errorf("demo: generate %s: %w", path, err)
		}
		m.Kind = rc.kind
		items = append(items, store.Item{Path: path, Fields: f, SetOptions: store.SetOptions{Meta: &m, Action: "import"}})
		// Some secrets have had a few versions already.
		for v := 0; v < r.IntN(4)-1; v++ {
			f, err := rc.make(r)
			if err != nil {
				return err
			}
			items = append(items, store.Item{Path: path, Fields: f, SetOptions: store.SetOptions{Action: "rotate"}})
		}
		return nil
	}
	meta := func(env, svc string) store.Meta {
		m := store.Meta{
			Owner:       teams[r.IntN(len(teams))],
			Tags:        []string{env, svc},
			Usage:       []string{fmt.Sprintf("k8s:%s/%s", env, svc)},
			Description: fmt.Sprintf("demo credential for %s in %s (fake)", svc, env),
		}
		if r.IntN(3) == 0 {
			m.Usage = append(m.Usage, fmt.Sprintf("ci:github/acme-demo/%s", svc))
		}
		if r.IntN(4) == 0 {
			m.Usage = append(m.Usage, "host:"+hosts[r.IntN(len(hosts))])
		}
		if r.IntN(2) == 0 {
			m.RotateEvery = store.Duration(time.Duration(30+r.IntN(4)*30) * 24 * time.Hour)
		}
		return m
	}
	// Every candidate name, shuffled: the first n make the demo.
	type cand struct {
		path     string
		rc       recipe
		env, svc string
	}
	var cands []cand
	for _, env := range envs {
		for _, svc := range services {
			for _, rc := range recipes {
				cands = append(cands, cand{env + "/" + svc + "/" + rc.leaf, rc, env, svc})
			}
			for _, v := range vendors {
				cands = append(cands, cand{env + "/" + svc + "/" + v, recipes[2], env, svc})
			}
		}
	}
	for _, t := range teams {
		for _, v := range vendors {
			cands = append(cands, cand{t + "/" + v + "-admin", recipes[0], "shared", t})
		}
		for i := range 4 {
			cands = append(cands, cand{fmt.Sprintf("ci/%s/runner-%d", t, i+1), recipes[3], "ci", t})
		}
	}
	r.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	for _, c := range cands {
		if len(seen)-4 >= n {
			break
		}
		m := meta(c.env, c.svc)
		if c.rc.kind == store.KindTLSCert {
			m.Expires = now.Add(time.Duration(60+r.IntN(300)) * 24 * time.Hour)
		}
		if err := add(c.path, c.rc, m); err != nil {
			return nil, err
		}
	}
	return items, nil
}

// special writes the secrets in states the TUI points out.
func special(ctx context.Context, s *store.Store, now time.Time) error {
	r := rand.New(rand.NewPCG(3, 4))
	mk := func(rc recipe) store.Fields {
		f, _ := rc.make(r)
		return f
	}
	// The certificate expiring soon.
	if _, err := s.Set(ctx, ExpiringCert, mk(recipes[7]), store.SetOptions{Action: "import", Meta: &store.Meta{
		Kind: store.KindTLSCert, Owner: "sre", Tags: []string{"prod", "tls"},
		Usage: []string{"k8s:prod/ingress", "host:web-1", "host:web-2"}, Description: "wildcard certificate for *.demo.invalid (fake)",
		Expires: now.Add(9 * 24 * time.Hour),
	}}); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	// The secret overdue for rotation: written as of 200 days ago, so its
	// Created and version times say so.
	_, err := s.Set(ctx, Overdue, mk(recipes[0]), store.SetOptions{Action: "import", At: now.Add(-200 * 24 * time.Hour), Meta: &store.Meta{
		Kind: store.KindPassword, Owner: "team-payments", Tags: []string{"prod", "pci"},
		Usage: []string{"k8s:prod/payments", "ci:github/acme-demo/payments"}, Description: "payments primary database (fake)",
		RotateEvery: store.Duration(90 * 24 * time.Hour), Rotator: "postgres",
	}})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	// The compromised one: a token "found in a CI log".
	if _, err := s.Set(ctx, Compromised, mk(recipes[3]), store.SetOptions{Action: "import", Meta: &store.Meta{
		Kind: store.KindToken, Owner: "team-platform", Tags: []string{"ci"},
		Usage: []string{"ci:github/acme-demo/api", "ci:github/acme-demo/web"}, Description: "deploy token used by CI (fake)",
	}}); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if _, err := s.SetMeta(ctx, Compromised, func(m *store.Meta) error {
		m.Status = store.StatusCompromised
		return nil
	}); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	// The retired one.
	if _, err := s.Set(ctx, Retired, store.Fields{"password": wcrypto.NewSecret("demo-retired-ftp-password")}, store.SetOptions{Action: "import", Meta: &store.Meta{
		Kind: store.KindPassword, Owner: "team-data", Description: "old FTP drop, replaced by S3 (fake)",
	}}); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if _, err := s.Retire(ctx, Retired); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}
