// Package debarchive reads a Debian archive the way apt trusts it: a suite's InRelease,
// cleartext-signed by the archive's keys, names the SHA-256 and size of every index below
// it; a Packages index, checked against that entry, names the SHA-256 and size of every
// .deb; and a Pin, kept in the lock, names one .deb so that its bytes can be checked again
// offline. Nothing here fetches: callers pass bytes and readers in, and the time against
// which Valid-Until is judged.
package debarchive

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/mwedition/mwedition/internal/signature"
)

// ErrExpired is returned when a Release is past its Valid-Until: a mirror could be serving
// a frozen, old copy of the suite to hide security updates.
var ErrExpired = errors.New("release is past its Valid-Until")

// Release is a suite's Release file, as read from a verified InRelease.
type Release struct {
	Origin, Label, Suite, Version, Codename string
	Date                                    time.Time
	ValidUntil                              time.Time // zero when the suite has none (stable's main suite)
	AcquireByHash                           bool
	Architectures, Components               []string
	// Files are the SHA256 section's entries, by path relative to dists/<suite>/.
	Files map[string]FileHash
	// Signer is the fingerprint (upper-case hex) of the key whose signature verified.
	Signer string
}

// FileHash is the size and SHA-256 (lower-case hex) of one file named by a Release.
type FileHash struct {
	Size   int64
	SHA256 string
}

// VerifyInRelease checks the cleartext signature of an InRelease file against keyring and
// that the release is not past its Valid-Until at now, then returns its fields. name says
// where the file came from ("bookworm InRelease") for error messages.
//
// now is given, never read from the clock: at lock time it is the lock's time; a rebuild
// that only re-reads a Release already pinned by its SHA-256 may pass the lock's time too.
func VerifyInRelease(keyring signature.Keyring, msg []byte, now time.Time, name string) (Release, error) {
	text, signer, err := verifyClearsigned(keyring, msg, now)
	if err != nil {
		return Release{}, fmt.Errorf("%s: %w", name, err)
	}
	rel, err := ParseRelease(text)
	if err != nil {
		return Release{}, fmt.Errorf("%s: %w", name, err)
	}
	rel.Signer = signer
	if !rel.ValidUntil.IsZero() && now.After(rel.ValidUntil) {
		return Release{}, fmt.Errorf("%s: %w: valid until %s, checked at %s", name, ErrExpired,
			rel.ValidUntil.UTC().Format(time.RFC1123), now.UTC().Format(time.RFC1123))
	}
	return rel, nil
}

// ParseRelease reads the text of a Release file, with no signature check: VerifyInRelease
// is the way in for anything fetched.
func ParseRelease(text []byte) (Release, error) {
	var stanzas []stanza
	err := readStanzas(bytes.NewReader(text), func(s stanza) error {
		stanzas = append(stanzas, s)
		return nil
	})
	if err != nil {
		return Release{}, fmt.Errorf("Release: %w", err)
	}
	if len(stanzas) != 1 {
		return Release{}, fmt.Errorf("Release: %d paragraphs, want 1", len(stanzas))
	}
	return releaseOf(stanzas[0])
}

func releaseOf(s stanza) (Release, error) {
	var r Release
	for name, dst := range map[string]*string{"Origin": &r.Origin, "Label": &r.Label, "Suite": &r.Suite,
		"Version": &r.Version, "Codename": &r.Codename} {
		*dst, _ = s.field(name)
	}
	if r.Suite == "" && r.Codename == "" {
		return Release{}, errors.New("Release: neither Suite nor Codename is given")
	}
	var err error
	if r.Date, err = releaseTime(s, "Date", true); err != nil {
		return Release{}, err
	}
	if r.ValidUntil, err = releaseTime(s, "Valid-Until", false); err != nil {
		return Release{}, err
	}
	if v, ok := s.field("Acquire-By-Hash"); ok {
		r.AcquireByHash = strings.EqualFold(strings.TrimSpace(v), "yes")
	}
	r.Architectures = strings.Fields(fieldOr(s, "Architectures"))
	r.Components = strings.Fields(fieldOr(s, "Components"))
	if r.Files, err = releaseFiles(fieldOr(s, "SHA256")); err != nil {
		return Release{}, err
	}
	return r, nil
}

func fieldOr(s stanza, name string) string {
	v, _ := s.field(name)
	return v
}

// releaseTimeLayouts are the forms of Date and Valid-Until in the wild: dak and reprepro
// write RFC 1123 with "UTC", aptly and others a numeric zone.
var releaseTimeLayouts = []string{time.RFC1123, time.RFC1123Z, "Mon, 2 Jan 2006 15:04:05 MST", "Mon, 2 Jan 2006 15:04:05 -0700"}

func releaseTime(s stanza, name string, required bool) (time.Time, error) {
	v, ok := s.field(name)
	if !ok {
		if required {
			return time.Time{}, fmt.Errorf("Release: no %s field", name)
		}
		return time.Time{}, nil
	}
	v = strings.TrimSpace(v)
	for _, layout := range releaseTimeLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("Release: %s %q is not a date like %q", name, clip(v), "Sat, 10 Jun 2023 09:00:00 UTC")
}

// releaseFiles reads the SHA256 field: one "hash size path" line per file.
func releaseFiles(v string) (map[string]FileHash, error) {
	files := map[string]FileHash{}
	for _, line := range strings.Split(v, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("Release: SHA256 entry %q is not \"hash size path\"", clip(line))
		}
		size, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || size < 0 || !isHexSHA256(f[0]) {
			return nil, fmt.Errorf("Release: SHA256 entry %q is not \"hash size path\"", clip(line))
		}
		if !isCleanRelPath(f[2]) {
			return nil, fmt.Errorf("Release: SHA256 entry's path %q is not a clean relative path", clip(f[2]))
		}
		if prev, dup := files[f[2]]; dup && prev != (FileHash{size, f[0]}) {
			return nil, fmt.Errorf("Release: SHA256 names %s twice, with different hashes", f[2])
		}
		files[f[2]] = FileHash{Size: size, SHA256: f[0]}
	}
	if len(files) == 0 {
		return nil, errors.New("Release: no SHA256 entries")
	}
	return files, nil
}

// ByHashPath is where an archive with Acquire-By-Hash keeps the copy of the index at p
// (relative to dists/<suite>/) whose SHA-256 is h's: fetching that path instead of p cannot
// race with a mirror replacing p after the InRelease was read.
func ByHashPath(p string, h FileHash) string {
	return path.Join(path.Dir(p), "by-hash", "SHA256", h.SHA256)
}
