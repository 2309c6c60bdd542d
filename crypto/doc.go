// Package crypto (imported as wcrypto) holds every cryptographic decision
// ward makes, so that the rest of the program never chooses a primitive.
//
// # Keys
//
// A store has one age X25519 identity, kept in the OS keyring (see
// Keyring) or, where no keyring is reachable, in an identity file encrypted
// with an age passphrase (scrypt). The store's records are not encrypted to
// that identity directly: a random 256-bit data key is, as an age file whose
// recipients are the store's identity plus any recovery or team recipients
// (age1… or ssh-ed25519). This is the envelope (WrapDataKey, UnwrapDataKey).
// Adding a recipient rewraps the data key; removing one must re-key, because
// a removed holder may have kept the data key.
//
// From the data key, HKDF-SHA-256 derives one subkey per purpose (Derive):
// sealing records, hashing path names into lookup keys, and chaining the
// audit log. A key for one purpose is never used for another.
//
// # Records
//
// Seal and Open use XChaCha20-Poly1305 with a random 192-bit nonce. The
// caller passes associated data that names the record's place (its bucket,
// its keyed path hash, its version), so a ciphertext copied to another place
// or replayed as another version fails to open instead of decrypting as the
// wrong secret.
//
// # Secrets in memory
//
// Secret wraps a value so that fmt, JSON, text and slog all print a redaction
// marker; Reveal is the single way out and is easy to grep for. Go cannot
// promise that copies of a value are wiped from memory; ward limits copies
// and disables core dumps instead (see the cli package).
//
// # Threat model
//
// An attacker who reads the store file learns the number of secrets and
// versions and their sizes, and nothing else: not the paths, not the
// metadata, not the values. An attacker who can write the file can destroy
// it or roll it back as a whole, and cannot change a record or move it to
// another place without detection: sealing fails. An older ciphertext of
// the same record put back in its own place (from a backup of the same
// store) still opens; the store's sealed record commitment (see the store
// package) no longer matches it, which `ward doctor` reports: reads do not
// check it, since that costs a pass over every record. Removing the audit
// log's tail is detected through the sealed head, unless the head is
// rolled back with it.
package crypto
