// Package agent keeps store identities and data keys in a per-user process,
// so that on a machine without an OS keyring (an SSH session on a bastion, a
// container) the passphrase is asked once, by `ward unlock`, and every later
// `ward get`, script and TUI session of that user finds the store unlocked
// until the agent locks. Where a keyring exists the agent still saves each
// command the keyring round trip and the envelope unwrap: runbooks calling
// `ward get` a hundred times pay the unlock cost once.
//
// # What it promises
//
//   - Memory only. The agent writes nothing it holds to disk. On Linux it
//     locks its memory (mlockall, where RLIMIT_MEMLOCK allows) so nothing is
//     swapped, marks itself not dumpable (PR_SET_DUMPABLE 0: no core dump,
//     no ptrace or /proc/PID/mem by other processes of the user), and
//     disables core dumps on every unix.
//   - Idle lock. After IdleTimeout (15 minutes by default,
//     WARD_AGENT_IDLE) without a get or a put, the agent overwrites what it
//     holds, removes its socket and exits. A status request does not count
//     as use. `ward lock` does the same at once. An agent with nothing to
//     hold has no reason to run, so lock and stop both end the process; the
//     next `ward unlock` starts a new one.
//   - Overwritten, as far as Go allows. Identities and keys are held in
//     byte slices that are cleared when replaced or forgotten, and request
//     and response frames (encoded by hand, straight into one buffer, not
//     through encoding/json's pooled buffers) are cleared after use. Go may have copied a value
//     elsewhere (a string made for the caller, a buffer the runtime grew);
//     mlockall keeps those copies out of swap too, and they die with the
//     process.
//   - Never a value in an error or a log line: errors and logs name the
//     operation, the socket and the store id.
//
// # Threat model
//
// Any process running as the same user may ask the agent for any store's
// identity or key. That is the boundary ssh-agent and gpg-agent draw, and
// the only one a per-user agent can draw: such a process could as well read
// the terminal the passphrase is typed on, or ptrace the `ward` that asked
// for it. Against other users the agent relies on the kernel:
//
//   - the socket lives in a directory the agent creates with mode 0700 and
//     refuses to use (error wrapping ErrUnsafe) if it is a symlink, is owned
//     by another uid, or is open to group or others; the socket itself is
//     0600;
//   - on Linux, every connection's peer is checked with SO_PEERCRED and
//     served only if it runs as the agent's uid, and the client checks the
//     agent the same way before handing it a secret, so a socket planted by
//     another user is never given an identity. Elsewhere the directory and
//     socket modes alone keep other users out, as for ssh-agent.
//
// root can read any process's memory; the agent does not try to hide from
// root. Anyone holding the identity file and its passphrase needs no agent.
//
// # Socket location
//
// SocketPath: $WARD_AGENT_SOCK if set; else $XDG_RUNTIME_DIR/ward/agent.sock
// (a tmpfs private to the login session on systemd machines); else
// /tmp/ward-<uid>/agent.sock. Beside the socket, agent.lock is held (flock)
// for the agent's lifetime, so two agents started at once cannot take the
// socket from each other; the loser exits with status 0. A socket left by a
// killed agent is replaced by the next one.
//
// # Protocol
//
// A client connects, sends requests and reads one response to each, in
// order, on the same connection. Every message is a frame: a 4-byte
// big-endian length (1 to 65536) and that many bytes of one JSON object.
// Byte fields (identity, data_key) are base64, as encoding/json writes
// []byte. Unknown fields are ignored (room for optional ones later); "v"
// changes when a field's meaning does. A request of another version, an
// oversized frame or anything that does not decode or validate is answered
// with an error and the connection is closed; a connection silent for 10
// seconds is closed.
//
//	request:  {"v":1, "op":OP, "store_id":ID, "identity":B64, "data_key":B64}
//	response: {"v":1, "ok":true|false, "error":CODE, "message":TEXT,
//	           "identity":B64, "data_key":B64,
//	           "stores":N, "idle_deadline":RFC3339, "idle_timeout":"15m0s", "pid":N}
//
// Operations:
//
//	put     store_id and identity and/or data_key (exactly 32 bytes): hold
//	        them, replacing what was held for that store; resets the idle timer
//	get     store_id: answers with identity and/or data_key, or the error
//	        not-held; resets the idle timer
//	lock    forget everything, answer, exit
//	status  answers stores, idle_deadline, idle_timeout, pid
//	stop    same as lock
//
// Error codes: not-held, bad-request, version (another protocol version),
// denied (peer of another uid), full (1024 stores held). A store id is 1 to
// 128 bytes of [A-Za-z0-9._:-]; an identity at most 16 KiB.
//
// # Use from ward
//
// The hidden `ward __agent` command calls Main. `ward unlock` unlocks a store
// the usual way, then Start(os.Executable(), "") and Put the store's
// identity and data key. Every command that needs a store first tries Dial
// and Get: ErrNotRunning (which costs a failed connect, microseconds) and
// ErrNotHeld mean unlock the usual way; a data key is tried with
// store.UnlockWithKey, and an identity (after a re-key, the key no longer
// fits) with store.Unlock, after which the new key is Put back. `ward lock`
// sends Lock.
package agent
