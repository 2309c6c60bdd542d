package crypto

// knownRecordKey is the first 8 bytes of the record key derived from an
// all-zero data key. Computed independently with Python's hmac (RFC 5869 by hand). It pins the derivation: change it and every store
// becomes unreadable.
const knownRecordKey = "56811ec61a2a8d7e"
