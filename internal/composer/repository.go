package composer

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Index is what a repository's packages.json says.
type Index struct {
	// MetadataURL is the absolute URL template of per-package files, with
	// %package% for the name; empty for a repository without one.
	MetadataURL string
	// Available lists the names the repository has, if it says so; nil
	// means unknown, and any name may be asked for.
	Available []string
	// Patterns are available-package-patterns: globs with * for any run.
	Patterns []string
	// Packages are versions given inline, in the v1 "packages" object or in
	// "includes" files (as Satis writes them), by name.
	Packages map[string][]Package
	// Includes are the included files to read, by absolute URL, with the
	// SHA-1 the index gives for each (may be empty).
	Includes []Include
}

// Include is one file named in packages.json's "includes".
type Include struct {
	URL, SHA1 string
}

type rawIndex struct {
	MetadataURL string          `json:"metadata-url"`
	Available   []string        `json:"available-packages"`
	Patterns    []string        `json:"available-package-patterns"`
	Packages    json.RawMessage `json:"packages"`
	Includes    map[string]struct {
		SHA1 string `json:"sha1"`
	} `json:"includes"`
	ProvidersURL string `json:"providers-url"`
}

// ParseIndex reads a packages.json fetched from base (the URL it was read
// from, against which relative URLs resolve, as a browser would: a
// metadata-url starting with "/" keeps only base's scheme and host, which
// is also what composer does).
func ParseIndex(base string, data []byte) (Index, error) {
	var raw rawIndex
	if err := decodeJSON(base, data, &raw); err != nil {
		return Index{}, err
	}
	b, err := url.Parse(base)
	if err != nil {
		return Index{}, fmt.Errorf("repository URL %q: %w", base, err)
	}
	idx := Index{Available: raw.Available, Patterns: raw.Patterns}
	if raw.MetadataURL != "" {
		if !strings.Contains(raw.MetadataURL, "%package%") {
			return Index{}, fmt.Errorf("%s: metadata-url %q has no %%package%%", base, raw.MetadataURL)
		}
		idx.MetadataURL = resolveRef(b, raw.MetadataURL)
	}
	if idx.Packages, err = parseV1Packages(base, raw.Packages); err != nil {
		return Index{}, err
	}
	for name, inc := range raw.Includes {
		idx.Includes = append(idx.Includes, Include{URL: resolveRef(b, name), SHA1: inc.SHA1})
	}
	sort.Slice(idx.Includes, func(i, j int) bool { return idx.Includes[i].URL < idx.Includes[j].URL })
	if idx.MetadataURL == "" && len(idx.Packages) == 0 && len(idx.Includes) == 0 && raw.ProvidersURL != "" {
		return Index{}, fmt.Errorf("%s: only the v1 providers-url protocol is offered, which is not supported: the repository needs a metadata-url", base)
	}

	return idx, nil
}

// resolveRef resolves ref against base; %package% survives escaping.
func resolveRef(base *url.URL, ref string) string {
	r, err := url.Parse(strings.ReplaceAll(ref, "%package%", "PACKAGE-PLACEHOLDER"))
	if err != nil {
		return ref
	}

	return strings.ReplaceAll(base.ResolveReference(r).String(), "PACKAGE-PLACEHOLDER", "%package%")
}

// parseV1Packages reads {"name": {"version": {...}}} (or [] when empty).
func parseV1Packages(file string, data json.RawMessage) (map[string][]Package, error) {
	if len(data) == 0 || isEmptyArray(data) || string(data) == "null" {
		return nil, nil
	}
	var raw map[string]map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: packages: expected {name: {version: metadata}}: %w", file, err)
	}
	out := map[string][]Package{}
	for name, versions := range raw {
		for ver, body := range versions {
			p, err := parseVersion(file, body)
			if err != nil {
				return nil, fmt.Errorf("%s: %s %s: %w", file, name, ver, err)
			}
			key := strings.ToLower(name)
			out[key] = append(out[key], p)
		}
	}
	for name := range out {
		sortVersions(out[name])
	}

	return out, nil
}

func parseVersion(file string, body json.RawMessage) (Package, error) {
	var raw rawPackage
	if err := json.Unmarshal(body, &raw); err != nil {
		return Package{}, err
	}
	if raw.Name == "" || raw.Version == "" {
		return Package{}, errors.New("a version needs a name and a version")
	}

	return raw.toPackage(file, nil)
}

// sortVersions orders versions from the highest, ties (which composer would
// not allow in one repository) by the version as written.
func sortVersions(ps []Package) {
	sort.SliceStable(ps, func(i, j int) bool {
		if c := compareVersions(ps[i], ps[j]); c != 0 {
			return c > 0
		}

		return ps[i].Version < ps[j].Version
	})
}

// ParseMetadata reads a p2/<vendor>/<name>.json file (or its ~dev
// variant): {"packages": {"vendor/name": [versions]}}, expanding
// Packagist's minified form ("minified": "composer/2.0"), in which each
// version holds only the keys that differ from the previous expanded one
// and "__unset" removes a key. Versions come back highest first.
func ParseMetadata(file string, data []byte) (map[string][]Package, error) {
	var raw struct {
		Minified string                       `json:"minified"`
		Packages map[string][]json.RawMessage `json:"packages"`
	}
	if err := decodeJSON(file, data, &raw); err != nil {
		return nil, err
	}
	switch raw.Minified {
	case "", "composer/2.0":
	default:
		return nil, fmt.Errorf("%s: unknown minified format %q", file, raw.Minified)
	}
	out := map[string][]Package{}
	for name, versions := range raw.Packages {
		if raw.Minified != "" {
			var err error
			if versions, err = expand(versions); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", file, name, err)
			}
		}
		key := strings.ToLower(name)
		for i, body := range versions {
			p, err := parseVersion(file, body)
			if err != nil {
				return nil, fmt.Errorf("%s: %s, version entry %d: %w", file, name, i+1, err)
			}
			out[key] = append(out[key], p)
		}
		sortVersions(out[key])
	}

	return out, nil
}

// expand is composer/metadata-minifier's MetadataMinifier::expand.
func expand(versions []json.RawMessage) ([]json.RawMessage, error) {
	var out []json.RawMessage
	current := map[string]json.RawMessage{}
	for i, v := range versions {
		var delta map[string]json.RawMessage
		if err := json.Unmarshal(v, &delta); err != nil {
			return nil, fmt.Errorf("version entry %d: %w", i+1, err)
		}
		next := make(map[string]json.RawMessage, len(current)+len(delta))
		for k, val := range current {
			next[k] = val
		}
		for k, val := range delta {
			if bytes.Equal(bytes.TrimSpace(val), []byte(`"__unset"`)) {
				delete(next, k)
				continue
			}
			next[k] = val
		}
		b, err := json.Marshal(next)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
		current = next
	}

	return out, nil
}

// ErrNotFound is what a Fetch returns (possibly wrapped) for a file the
// repository does not have: an HTTP 404, or a missing file:// path.
var ErrNotFound = fs.ErrNotExist

// Fetch reads one URL. It returns an error wrapping ErrNotFound when the
// file does not exist.
type Fetch func(ctx context.Context, url string) ([]byte, error)

// Repository is a composer repository in Packagist's format, read lazily:
// packages.json once, then one metadata file per name asked for. It is safe
// for concurrent use.
type Repository struct {
	url   string
	fetch Fetch

	mu     sync.Mutex
	index  *Index
	loaded map[string][]Package // by name, from inline packages and includes
	cache  map[string][]Package // by name, from metadata files
}

// NewRepository returns the repository at base (the URL of its directory,
// or of its packages.json), read through fetch.
func NewRepository(base string, fetch Fetch) *Repository {
	return &Repository{url: base, fetch: fetch, cache: map[string][]Package{}}
}

// URL is the repository's address as given.
func (r *Repository) URL() string { return r.url }

func (r *Repository) indexURL() string {
	if strings.HasSuffix(r.url, ".json") {
		return r.url
	}

	return strings.TrimSuffix(r.url, "/") + "/packages.json"
}

// Versions returns every version of name the repository has, highest
// first, or none if it has no such package. withDev also reads the ~dev
// metadata file, as composer does when dev versions are acceptable.
func (r *Repository) Versions(ctx context.Context, name string, withDev bool) ([]Package, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.loadIndex(ctx); err != nil {
		return nil, err
	}
	key := name
	if withDev {
		key += "~dev"
	}
	if ps, ok := r.cache[key]; ok {
		return ps, nil
	}
	ps := append([]Package(nil), r.loaded[name]...)
	if r.index.MetadataURL != "" && r.mayHave(name) {
		files := []string{name}
		if withDev {
			files = append(files, name+"~dev")
		}
		for _, f := range files {
			more, err := r.metadata(ctx, name, f)
			if err != nil {
				return nil, err
			}
			ps = append(ps, more...)
		}
	}
	sortVersions(ps)
	r.cache[key] = ps

	return ps, nil
}

func (r *Repository) loadIndex(ctx context.Context) error {
	if r.index != nil {
		return nil
	}
	u := r.indexURL()
	data, err := r.fetch(ctx, u)
	if err != nil {
		return fmt.Errorf("reading composer repository %s: %w", r.url, err)
	}
	idx, err := ParseIndex(u, data)
	if err != nil {
		return fmt.Errorf("reading composer repository %s: %w", r.url, err)
	}
	loaded := map[string][]Package{}
	for name, ps := range idx.Packages {
		loaded[name] = append(loaded[name], ps...)
	}
	for _, inc := range idx.Includes {
		if err := r.include(ctx, inc, loaded); err != nil {
			return fmt.Errorf("reading composer repository %s: %w", r.url, err)
		}
	}
	r.index, r.loaded = &idx, loaded

	return nil
}

func (r *Repository) include(ctx context.Context, inc Include, into map[string][]Package) error {
	data, err := r.fetch(ctx, inc.URL)
	if err != nil {
		return err
	}
	if inc.SHA1 != "" {
		sum := sha1.Sum(data)
		if got := hex.EncodeToString(sum[:]); got != inc.SHA1 {
			return fmt.Errorf("%s: sha1 is %s, packages.json says %s", inc.URL, got, inc.SHA1)
		}
	}
	var raw struct {
		Packages json.RawMessage `json:"packages"`
	}
	if err := decodeJSON(inc.URL, data, &raw); err != nil {
		return err
	}
	ps, err := parseV1Packages(inc.URL, raw.Packages)
	if err != nil {
		return err
	}
	for name, vs := range ps {
		into[name] = append(into[name], vs...)
	}

	return nil
}

// mayHave applies available-packages and available-package-patterns.
func (r *Repository) mayHave(name string) bool {
	if r.index.Available == nil && r.index.Patterns == nil {
		return true
	}
	for _, a := range r.index.Available {
		if strings.EqualFold(a, name) {
			return true
		}
	}
	for _, p := range r.index.Patterns {
		// composer turns each * into .* (so it spans the slash too).
		re := "^" + strings.ReplaceAll(regexp.QuoteMeta(strings.ToLower(p)), `\*`, ".*") + "$"
		if ok, _ := regexp.MatchString(re, name); ok {
			return true
		}
	}

	return false
}

func (r *Repository) metadata(ctx context.Context, name, file string) ([]Package, error) {
	u := strings.ReplaceAll(r.index.MetadataURL, "%package%", file)
	data, err := r.fetch(ctx, u)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading composer repository %s: %w", r.url, err)
	}
	byName, err := ParseMetadata(u, data)
	if err != nil {
		return nil, fmt.Errorf("reading composer repository %s: %w", r.url, err)
	}

	return byName[name], nil
}

// Minify is composer/metadata-minifier's MetadataMinifier::minify, the
// inverse of the expansion ParseMetadata does: versions (JSON objects, in
// the order to serve them) become the first one whole and then, for each
// next one, the keys whose values changed and "__unset" for those it lacks.
// Keys come out sorted, so equal input gives equal bytes.
func Minify(versions []json.RawMessage) ([]json.RawMessage, error) {
	var out []json.RawMessage
	var last map[string]json.RawMessage
	for i, v := range versions {
		cur, err := compactObject(v)
		if err != nil {
			return nil, fmt.Errorf("version entry %d: %w", i+1, err)
		}
		delta := cur
		if last != nil {
			delta = map[string]json.RawMessage{}
			for k, val := range cur {
				if prev, ok := last[k]; !ok || !bytes.Equal(prev, val) {
					delta[k] = val
				}
			}
			for k := range last {
				if _, ok := cur[k]; !ok {
					delta[k] = json.RawMessage(`"__unset"`)
				}
			}
		}
		b, err := json.Marshal(delta) // map keys are sorted
		if err != nil {
			return nil, err
		}
		out = append(out, b)
		last = cur
	}

	return out, nil
}

// compactObject decodes a JSON object into its members, each compacted so
// that equal values have equal bytes.
func compactObject(v json.RawMessage) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil {
		return nil, err
	}
	for k, val := range m {
		var b bytes.Buffer
		if err := json.Compact(&b, val); err != nil {
			return nil, err
		}
		m[k] = b.Bytes()
	}

	return m, nil
}
