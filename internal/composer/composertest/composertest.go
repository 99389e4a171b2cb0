// Package composertest builds Satis-style static composer repositories from
// real git histories, for tests: every tag with a valid composer.json
// becomes a version, with a zip dist made by `git archive` (one top-level
// directory, as GitHub's zipballs have, so that composer unwraps it) and
// its SHA-1 (composer's shasum) and SHA-256 in the metadata, served from
// packages.json (metadata-url, available-packages) and minified
// p2/<vendor>/<name>.json files, as Packagist and Satis serve them.
package composertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mwedition/mwedition/internal/composer"
	"github.com/mwedition/mwedition/internal/semver"
)

// Library is a git repository whose tags are published.
type Library struct {
	// Git is what `git clone` takes: a bundle, a directory or a URL.
	Git string
	// Tags, if not nil, chooses the tags to publish (e.g. to publish a
	// newer one later).
	Tags func(tag string) bool
}

// Options say where the repository goes and how it is addressed.
type Options struct {
	// Dir receives packages.json, p2/ and dist/.
	Dir string
	// BaseURL is the URL Dir is served at, such as "file:///srv/repo" or
	// "http://127.0.0.1:8080"; every URL in the metadata is absolute under
	// it (composer needs that on file://).
	BaseURL string
	// Work holds the clones and the archives made from them; a directory
	// under Dir if empty. Builds sharing a Work reuse both, so publishing
	// the same tags again, under another URL or with one more tag, costs
	// only the metadata.
	Work string
	// Jobs bounds the concurrent `git archive` runs (default 2).
	Jobs int
}

// Version is one published version.
type Version struct {
	Name, Version, Tag, Commit string
	Dist                       string // path under Dir
	SHA1, SHA256               string
}

// Build writes the repository and returns what it published, sorted by
// name and from the highest version.
func Build(ctx context.Context, opt Options, libs ...Library) ([]Version, error) {
	if opt.Work == "" {
		opt.Work = filepath.Join(opt.Dir, ".work")
	}
	if opt.Jobs == 0 {
		opt.Jobs = 2
	}
	byName := map[string][]entry{}
	for _, lib := range libs {
		clone := filepath.Join(opt.Work, "git", fmt.Sprintf("%x", sha256.Sum256([]byte(lib.Git))))
		if _, err := os.Stat(clone); err != nil {
			if err := git(ctx, "", nil, "clone", "--quiet", "--bare", lib.Git, clone); err != nil {
				return nil, err
			}
		}
		entries, err := tagEntries(ctx, clone, lib)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", lib.Git, err)
		}
		for _, e := range entries {
			byName[e.name] = append(byName[e.name], e)
		}
	}
	if err := archiveAll(ctx, opt, byName); err != nil {
		return nil, err
	}

	return writeMetadata(opt, byName)
}

// entry is a tag about to be published.
type entry struct {
	name, tag, commit, git, clone string
	norm                          semver.Version
	meta                          map[string]json.RawMessage
	Version
}

// tagEntries reads every tag's composer.json, skipping tags that have none,
// whose composer.json is not valid, or whose name is not a version, as
// composer's VCS repository does.
func tagEntries(ctx context.Context, clone string, lib Library) ([]entry, error) {
	var out bytes.Buffer
	if err := git(ctx, clone, &out, "for-each-ref", "--format=%(refname:short) %(objectname) %(*objectname)", "refs/tags"); err != nil {
		return nil, err
	}
	var entries []entry
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || (lib.Tags != nil && !lib.Tags(f[0])) {
			continue
		}
		commit := f[1]
		if len(f) == 3 {
			commit = f[2] // an annotated tag: the commit it points at
		}
		e, ok := readTag(ctx, clone, f[0], commit)
		if !ok {
			continue
		}
		e.git = lib.Git
		entries = append(entries, e)
	}

	return entries, nil
}

func readTag(ctx context.Context, clone, tag, commit string) (entry, bool) {
	norm, err := semver.ParseVersion(tag)
	if err != nil {
		return entry{}, false
	}
	var cj bytes.Buffer
	if git(ctx, clone, &cj, "show", commit+":composer.json") != nil {
		return entry{}, false
	}
	var meta map[string]json.RawMessage
	if json.Unmarshal(cj.Bytes(), &meta) != nil {
		return entry{}, false
	}
	var name string
	if json.Unmarshal(meta["name"], &name) != nil || name == "" {
		return entry{}, false
	}
	if _, err := composer.ParseManifest(tag+":composer.json", cj.Bytes()); err != nil {
		return entry{}, false
	}
	if !validDevLinks(meta["require-dev"]) {
		// composer's VCS loader skips such a tag too (paragonie/
		// constant_time_encoding v2.1.0 requires-dev vimeo/psalm "^0.3|^"),
		// and composer refuses a whole metadata file that serves one.
		return entry{}, false
	}
	name = strings.ToLower(name)

	return entry{name: name, tag: tag, commit: commit, clone: clone, norm: norm, meta: meta,
		Version: Version{Name: name, Version: tag, Tag: tag, Commit: commit}}, true
}

// validDevLinks reports whether every require-dev constraint parses.
func validDevLinks(raw json.RawMessage) bool {
	if len(raw) == 0 {
		return true
	}
	var links map[string]string
	if json.Unmarshal(raw, &links) != nil {
		return string(raw) == "[]"
	}
	for _, c := range links {
		if _, err := semver.ParseConstraint(c); err != nil {
			return false
		}
	}

	return true
}
