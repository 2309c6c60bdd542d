// Package jsontext finds what encoding/json would change without a word
// while decoding a string: an escaped UTF-16 surrogate that has no partner
// (\ud800 alone), which it decodes as U+FFFD. Invalid UTF-8 is the other
// such case; utf8.Valid finds that. A value changed on its way in is a
// secret the operator can no longer use, so ward refuses it instead.
package jsontext

// LoneSurrogate reports the byte offset of the first escaped surrogate in
// a JSON string of doc that is not half of a pair, or -1. It reads only
// strings (what is between unescaped double quotes) and needs no valid
// JSON around them.
func LoneSurrogate(doc []byte) int {
	in := false
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if !in {
			in = c == '"'
			continue
		}
		switch c {
		case '"':
			in = false
		case '\\':
			if i+1 >= len(doc) {
				return -1
			}
			if doc[i+1] != 'u' {
				i++ // an escaped character, perhaps a quote
				continue
			}
			r, ok := hex4(doc, i+2)
			if !ok {
				i++
				continue
			}
			switch {
			case r >= 0xD800 && r <= 0xDBFF:
				if lo, ok := hex4(doc, i+8); ok && doc[i+6] == '\\' && doc[i+7] == 'u' && lo >= 0xDC00 && lo <= 0xDFFF {
					i += 11 // the pair
					continue
				}
				return i
			case r >= 0xDC00 && r <= 0xDFFF:
				return i
			}
			i += 5
		}
	}
	return -1
}

// hex4 reads four hex digits at doc[at:].
func hex4(doc []byte, at int) (rune, bool) {
	if at < 0 || at+4 > len(doc) {
		return 0, false
	}
	var r rune
	for _, c := range doc[at : at+4] {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}
