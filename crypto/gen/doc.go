// Package gen generates secret values: passwords, tokens, passphrases
// and SSH keys, and parses the short spec strings that the ward CLI and
// TUI use to ask for them.
//
// # Promises
//
// Every random choice comes from crypto/rand; nothing in this package
// uses math/rand. Choices are uniform: an index into a set of n items is
// drawn from whole random bytes and redrawn when it falls in the
// incomplete top range (rejection sampling), so there is no modulo bias.
// Password guarantees at least one character of each enabled class by
// redrawing the whole password until that holds, which keeps the result
// uniform over all passwords that satisfy the rule. Buffers holding random bytes
// are cleared after use, as far as Go allows; the returned strings
// cannot be.
//
// Errors start with "gen: " and never contain a generated value or the
// text of a spec, only positions and limits.
//
// # Entropy
//
// Each option type has a Bits method (and Spec.Bits) that UIs can show.
// Per random choice:
//
//	lowercase, uppercase         26 chars    4.70 bits
//	digits                       10 chars    3.32 bits
//	default symbols              28 chars    4.81 bits
//	all four classes             90 chars    6.49 bits
//	all four, noambiguous        83 chars    6.38 bits
//	token byte                  256 values   8 bits (2 hex or 1.33 base64url chars)
//	passphrase word            4096 words   12 bits
//	passphrase digit                        log2(10 × words) bits, once
//	ssh-ed25519 seed                        256 bits (128-bit security)
//
// A 24-character default password carries about 155 bits, a 32-byte
// token 256 bits, a 6-word passphrase 72 bits. PasswordOptions.Bits is
// exact: it counts only passwords that have every enabled class, so it
// is slightly below length × bits per character. Capitalize, separators
// and token prefixes add nothing.
//
// AmbiguousChars (0 O o 1 l I | ` ' ") are removed from every class by
// ExcludeAmbiguous. The word list (wordlist.txt, made by mkwordlist.sh
// from Debian's wamerican) holds 4096 distinct common lowercase words of
// 3 to 8 letters.
//
// # Spec strings
//
// A spec is a kind followed by colon-separated parts. Numbers and
// options may come in any order, each at most once. Keywords are
// lowercase and case-sensitive.
//
//	spec       = password | token | passphrase | sshkey
//	password   = "password"    *( ":" ( LENGTH | "nolower" | "noupper" | "nodigits"
//	                                  | "nosymbols" | "noambiguous"
//	                                  | "symbols=" VALUE | field ) )
//	token      = "token"       *( ":" ( BYTES | "hex" | "base64url"
//	                                  | "prefix=" NAME | field ) )
//	passphrase = "passphrase"  *( ":" ( WORDS | "capitalize" | "digit"
//	                                  | "sep=" VALUE | field ) )
//	sshkey     = "ssh-ed25519" [ ":comment=" VALUE ]
//	field      = "field=" NAME
//	LENGTH     = 1-4096 (default 24)   BYTES = 1-4096 (default 32)
//	WORDS      = 1-128 (default 6)
//	NAME       = 1-64 of A-Z a-z 0-9 _ . -  (a prefix: at most 32)
//	VALUE      = text in which ":", "%", space and bytes outside printable
//	             ASCII are written as %XX (two hex digits)
//
// Defaults: a password has all four classes and the DefaultSymbols set;
// a token is hex; a passphrase uses "-" between lowercase words. Examples:
//
//	password:32
//	password:20:noambiguous:nosymbols
//	password:16:symbols=!@#%25        symbol set "!@#%"
//	token:hex:32
//	token:base64url:32:prefix=wrd_
//	passphrase:6
//	passphrase:5:sep=%20:capitalize:digit
//	ssh-ed25519:comment=deploy@web1
//	token:32:field=api_key
//
// Spec.Generate returns a map from field name to value: one field named
// "value" (or the field= name) for passwords, tokens and passphrases, and
// "private_key" and "public_key" for ssh-ed25519. Spec.String gives the
// canonical form, which ParseSpec reads back to the same Spec. Parse
// errors name the bad part by position, counting the kind as part 1:
//
//	gen: spec part 3: unknown password option (want ...)
package gen
