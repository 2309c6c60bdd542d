package crypto

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
)

// Purpose names what a derived key is for. Each purpose gets its own key.
type Purpose string

// The purposes ward derives keys for. Changing a string here makes every
// existing store unreadable: they are part of the format.
const (
	PurposeRecord Purpose = "ward v1 record seal"
	PurposeIndex  Purpose = "ward v1 path index"
	PurposeAudit  Purpose = "ward v1 audit chain"
	PurposeCommit Purpose = "ward v1 record commitment"
)

// NewDataKey returns a fresh random data key.
func NewDataKey() *Key {
	var k Key
	if _, err := rand.Read(k[:]); err != nil {
		panic("crypto: no randomness: " + err.Error())
	}
	return &k
}

// Derive returns the subkey of dataKey for purpose (HKDF-SHA-256, no salt:
// the data key is already uniformly random).
func Derive(dataKey *Key, purpose Purpose) *Key {
	b, err := hkdf.Key(sha256.New, dataKey[:], nil, string(purpose), KeySize)
	if err != nil {
		panic("crypto: hkdf: " + err.Error()) // unreachable for these sizes
	}
	var k Key
	copy(k[:], b)
	return &k
}

// MAC returns HMAC-SHA-256 of the concatenated parts under key.
func MAC(key *Key, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key[:])
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// Keys are the per-purpose keys of one data key.
type Keys struct {
	Data   *Key // the data key itself: kept only to rewrap the envelope
	Record *Key
	Index  *Key
	Audit  *Key
	Commit *Key
}

// NewKeys derives every purpose key from dataKey.
func NewKeys(dataKey *Key) *Keys {
	return &Keys{
		Data:   dataKey,
		Record: Derive(dataKey, PurposeRecord),
		Index:  Derive(dataKey, PurposeIndex),
		Audit:  Derive(dataKey, PurposeAudit),
		Commit: Derive(dataKey, PurposeCommit),
	}
}
