// Package cosign makes image signatures and in-toto attestations in the formats the cosign
// CLI (v2) verifies offline with a key: cosign's key files, the "simple signing" payload,
// DSSE envelopes around in-toto Statements, and the .sig/.att OCI images cosign stores
// beside an image under the tags sha256-<hex>.sig and sha256-<hex>.att.
//
// Signatures are ECDSA with RFC 6979 nonces, so the same key and payload always give the
// same bytes: a rebuild without the private key can replay the recorded signatures
// (NewReplaySigner) and still come out byte for byte identical when every signed payload
// is. Nothing here reads the clock, the environment or the network.
package cosign
