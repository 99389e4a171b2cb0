// Package scaffold makes a new project for `mwedition init`: it pins a MediaWiki release
// (its tarball's sha256, checked against the release signature and MediaWiki's release
// keys), lists the extensions and skins that release bundles by reading its tarball, and
// renders the recipes and one edition as formatted HCL. It prints nothing and writes only
// the files it is asked to, refusing to replace any.
package scaffold

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/signature"
	"github.com/mwedition/mwedition/internal/source"
)

// MediaWikiKeys are MediaWiki's release keys (https://www.mediawiki.org/keys/keys.txt, the
// set Debian ships as debian/upstream/signing-key.asc): the same bytes as the shipped
// project's recipes/keys/mediawiki-release.asc, which a test holds them to.
//
//go:embed keys/mediawiki-release.asc
var MediaWikiKeys []byte

// Release is a MediaWiki release tarball and its detached signature, as a core recipe pins it.
type Release struct {
	Version   string
	URL       string
	SHA256    string // "" until pinned
	Signature string
}

var releaseVersion = regexp.MustCompile(`^[1-9][0-9]*\.[0-9]+\.[0-9]+$`)

// ReleaseOf names a release's tarball and signature on releases.wikimedia.org, where every
// release since 1.5 lives as /mediawiki/<branch>/mediawiki-<version>.tar.gz(.sig).
func ReleaseOf(version string) (Release, error) {
	if !releaseVersion.MatchString(version) {
		return Release{}, fmt.Errorf("%q is not a MediaWiki release version such as 1.39.17 or 1.43.1", version)
	}
	u := fmt.Sprintf("https://releases.wikimedia.org/mediawiki/%s/mediawiki-%s.tar.gz", series(version), version)
	return Release{Version: version, URL: u, Signature: u + ".sig"}, nil
}

// Pinned is a release whose tarball is in the cache, with what it was checked against.
type Pinned struct {
	Release  Release
	Contents Contents
	SignedBy string // fingerprint of the release key the signature verified with
	// Downloaded says whether the tarball came from the network (false: from the cache).
	Downloaded bool
}

// Pin finds the release's sha256: the one given (the release announcement's), else what the
// cache recorded its URL to give, else (online) by downloading it. The tarball must then
// verify against its detached signature with keyring, and say it is the version asked for;
// only then is its URL recorded in the cache as giving it. now judges key expiry.
func Pin(ctx context.Context, f *source.Fetcher, r Release, keyring []byte, now time.Time) (Pinned, error) {
	p := Pinned{Release: r}
	sha, err := tarball(ctx, f, r, &p.Downloaded)
	if err != nil {
		return p, err
	}
	p.Release.SHA256 = sha
	if p.SignedBy, err = verify(ctx, f, r, sha, keyring, now); err != nil {
		return p, err
	}
	blob, err := os.Open(f.Store.Path(cache.BlobRel(sha)))
	if err != nil {
		return p, err
	}
	defer blob.Close()
	if p.Contents, err = Inspect(blob); err != nil {
		return p, fmt.Errorf("%s (sha256 %s): %w", r.URL, sha, err)
	}
	if p.Contents.Version != r.Version {
		return p, fmt.Errorf("%s (sha256 %s) is MediaWiki %s, not %s", r.URL, sha, p.Contents.Version, r.Version)
	}
	if err := f.Store.SetURLBlob(r.URL, sha); err != nil {
		return p, err
	}
	return p, nil
}

// tarball makes sure the release tarball is in the store and returns its sha256.
func tarball(ctx context.Context, f *source.Fetcher, r Release, downloaded *bool) (string, error) {
	if r.SHA256 != "" {
		if f.Store.HasBlob(r.SHA256) {
			return r.SHA256, nil
		}
		if f.Offline {
			return "", fmt.Errorf("the cache has no file with sha256 %s, and --offline forbids downloading %s: add the tarball with `mwedition cache add FILE`", r.SHA256, r.URL)
		}
		got, err := f.Download(ctx, r.URL)
		if err != nil {
			return "", err
		}
		if got != r.SHA256 {
			return "", fmt.Errorf("%s gave a file with sha256 %s, not the %s given with --sha256: check the release announcement; nothing was written", r.URL, got, r.SHA256)
		}
		*downloaded = true
		return got, nil
	}
	if sha, ok := f.Store.URLBlob(r.URL); ok {
		return sha, nil
	}
	sha, err := f.Download(ctx, r.URL)
	if errors.Is(err, source.ErrOffline) {
		return "", fmt.Errorf("the cache has no copy of %s, and --offline forbids downloading it: "+
			"add the tarball with `mwedition cache add --url %s FILE`, or give its sha256 (from the release announcement) with --sha256", r.URL, r.URL)
	}
	if err != nil {
		return "", fmt.Errorf("%w; where releases.wikimedia.org cannot be reached, add a copy of the tarball with `mwedition cache add --url %s FILE`", err, r.URL)
	}
	*downloaded = true
	return sha, nil
}

// verify checks the release signature with keyring and returns the signing key's
// fingerprint; the signature's URL is recorded only once it verified.
func verify(ctx context.Context, f *source.Fetcher, r Release, sha string, keyring []byte, now time.Time) (string, error) {
	sigSha, recorded := f.Store.URLBlob(r.Signature)
	if !recorded {
		var err error
		if sigSha, err = f.Download(ctx, r.Signature); errors.Is(err, source.ErrOffline) {
			return "", fmt.Errorf("the cache has no copy of the release signature %s, and --offline forbids downloading it: add it with `mwedition cache add --url %s FILE`", r.Signature, r.Signature)
		} else if err != nil {
			return "", err
		}
	}
	sig, err := os.ReadFile(f.Store.Path(cache.BlobRel(sigSha)))
	if err != nil {
		return "", err
	}
	kr, err := signature.ReadKeyring(bytes.NewReader(keyring))
	if err != nil {
		return "", fmt.Errorf("keyring: %w", err)
	}
	data, err := os.Open(f.Store.Path(cache.BlobRel(sha)))
	if err != nil {
		return "", err
	}
	defer data.Close()
	fpr, err := signature.VerifyDetached(kr, data, sig, now)
	if err != nil {
		return "", fmt.Errorf("%s (sha256 %s) does not verify against its signature %s with the release keys: %w; nothing was written", r.URL, sha, r.Signature, err)
	}
	if !recorded {
		if err := f.Store.SetURLBlob(r.Signature, sigSha); err != nil {
			return "", err
		}
	}
	return fpr, nil
}

// ExistsError says that a new project would replace a file that is already there.
type ExistsError struct{ Path string }

func (e *ExistsError) Error() string {
	return fmt.Sprintf("%s already exists: mwedition init makes a new project and replaces nothing (use another directory, or remove the file)", e.Path)
}

// Check refuses a directory that already holds a project, or any file the new one would
// write: an ExistsError names the first.
func Check(dir string, files []File) error {
	for _, name := range []string{"editions.lock"} {
		if _, err := os.Lstat(join(dir, name)); err == nil {
			return &ExistsError{join(dir, name)}
		}
	}
	for _, sub := range []string{"recipes", "editions"} {
		m, _ := globHCL(join(dir, sub))
		if len(m) > 0 {
			return &ExistsError{m[0]}
		}
	}
	for _, f := range files {
		if _, err := os.Lstat(join(dir, f.Path)); err == nil {
			return &ExistsError{join(dir, f.Path)}
		}
	}
	return nil
}

// Write writes the files below dir (creating it), each new: a file that appeared since
// Check is an ExistsError too.
func Write(dir string, files []File) error {
	if err := Check(dir, files); err != nil {
		return err
	}
	for _, f := range files {
		p := join(dir, f.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		out, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			return &ExistsError{p}
		} else if err != nil {
			return err
		}
		_, err = out.Write(f.Bytes)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", p, err)
		}
	}
	return nil
}

func join(dir, rel string) string { return filepath.Join(dir, filepath.FromSlash(rel)) }

func globHCL(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".hcl") {
			out = append(out, join(dir, e.Name()))
		}
	}
	return out, nil
}
