package repro

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/format/tarballs"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/outdir"
	"github.com/mwedition/mwedition/internal/pack/oci"
	"github.com/mwedition/mwedition/internal/spec"
)

// Selection says which artifacts of an output directory belong to the editions verify
// checks. With All, every artifact counts, shared files (manifest.json, SHA256SUMS, the OCI
// index) included.
type Selection struct {
	All      bool
	Editions map[string]string // name -> version
	Packages map[string]bool   // OS package names of their components and meta-packages
	// Formats, when set, are the only formats rebuilt (deb, rpm, tarball, image): the other
	// formats' artifacts, and out/SHA256SUMS and out/sbom, which list every format's, are
	// not compared.
	Formats map[string]bool
}

// format says whether an artifact is of a rebuilt format.
func (s Selection) format(rel string) bool {
	if s.Formats == nil {
		return true
	}
	dir, _, _ := strings.Cut(rel, "/")
	if f, ok := build.FormatOfDir(dir); ok {
		return s.Formats[f]
	}
	switch dir {
	case outdir.Sums, outdir.SBOM:
		return false // they list every format's artifacts
	}
	return true
}

// Select reads which artifacts belong to the named editions from a build's manifest; no
// names means every edition.
func Select(m build.Manifest, names []string) (Selection, error) {
	sel := Selection{All: len(names) == 0, Editions: map[string]string{}, Packages: map[string]bool{}}
	byName := map[string]build.ManifestEdition{}
	for _, e := range m.Editions {
		byName[e.Name] = e
	}
	if sel.All {
		for n := range byName {
			names = append(names, n)
		}
	}
	for _, n := range names {
		e, ok := byName[n]
		if !ok {
			var have []string
			for k := range byName {
				have = append(have, k)
			}
			sort.Strings(have)
			return sel, fmt.Errorf("--edition %s: the build has no such edition (it has %s)", n, strings.Join(have, ", "))
		}
		sel.Editions[n] = e.Version
		sel.Packages[build.EditionPackageName(n)] = true
		for _, mem := range e.Members {
			kind, name, ok := strings.Cut(mem.ID, "/")
			if !ok {
				return sel, fmt.Errorf("manifest: member %q of %s is not kind/name", mem.ID, n)
			}
			sel.Packages[build.PackageName(spec.Kind(kind), name)] = true
		}
	}
	return sel, nil
}

// Keeps says whether an artifact (a path relative to out/, outside oci/) is one of the
// selected editions'.
func (s Selection) Keeps(rel string) bool {
	if !s.format(rel) {
		return false
	}
	if s.All {
		return true
	}
	dir, file := path.Split(rel)
	switch dir {
	case outdir.Deb + "/":
		name, _, _ := strings.Cut(file, "_")
		return s.Packages[name]
	case outdir.RPM + "/":
		for p := range s.Packages {
			if rest, ok := strings.CutPrefix(file, p+"-"); ok && rest != "" && rest[0] >= '0' && rest[0] <= '9' {
				return true
			}
		}
		return false
	case outdir.SBOM + "/":
		for e := range s.Editions {
			if strings.HasPrefix(file, e+".") {
				return true
			}
		}
	case build.TarballDir + "/":
		for e, v := range s.Editions {
			if strings.HasPrefix(file, tarballs.TarballName(e, v, "")) {
				return true
			}
		}
	}
	return false
}

// KeepsEdition is the OCI side of Keeps.
func (s Selection) KeepsEdition(e string) bool {
	_, ok := s.Editions[e]
	return s.All || ok
}

// artifactDirs are the directories of out/ whose files are artifacts; oci/ is compared as
// a layout.
var artifactDirs = []string{outdir.Deb, outdir.RPM, outdir.SBOM, outdir.Tarballs}

// topFiles are the files at the top of out/ that describe the whole build.
var topFiles = []string{outdir.Manifest, outdir.Sums}

// listArtifacts lists the artifact files of an output directory, relative and sorted.
func listArtifacts(dir string) ([]string, error) {
	var out []string
	for _, d := range artifactDirs {
		ents, err := os.ReadDir(filepath.Join(dir, d))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
				out = append(out, d+"/"+e.Name())
			}
		}
	}
	for _, f := range topFiles {
		if fi, err := os.Stat(filepath.Join(dir, f)); err == nil && fi.Mode().IsRegular() {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out, nil
}

func hasLayout(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, outdir.OCI, "index.json"))
	return err == nil
}

// CompareDirs compares the selected artifacts of an original output directory with those
// of a rebuild: packages, tarballs, the OCI layout's images and (for every edition)
// manifest.json, whose build field says how the build was made and is left out.
// Detached signatures (.asc) are skipped: a rebuild has no key to make them.
func CompareDirs(orig, rebuilt string, sel Selection) ([]Result, error) {
	oa, err := listArtifacts(orig)
	if err != nil {
		return nil, err
	}
	ra, err := listArtifacts(rebuilt)
	if err != nil {
		return nil, err
	}
	var results []Result
	for _, rel := range mergeSorted(oa, ra) {
		if !sel.Keeps(rel) {
			continue
		}
		op, rp := filepath.Join(orig, rel), filepath.Join(rebuilt, rel)
		inO, inR := slices.Contains(oa, rel), slices.Contains(ra, rel)
		switch {
		case strings.HasSuffix(rel, ".asc"):
			results = append(results, Result{Artifact: rel, Status: Skipped, Note: "a signature: verify has no key to make it; check it with gpg --verify"})
		case !inR:
			sum, _ := fstree.FileSHA256(op)
			results = append(results, Result{Artifact: rel, Status: Missing, Original: sum, Note: "the rebuild did not make it"})
		case !inO:
			sum, _ := fstree.FileSHA256(rp)
			results = append(results, Result{Artifact: rel, Status: Extra, Rebuilt: sum, Note: "the original output lacks it"})
		case rel == outdir.Manifest:
			r, err := CompareManifests(op, rp)
			if err != nil {
				return nil, err
			}
			results = append(results, r)
		default:
			r, err := CompareFiles(rel, op, rp)
			if err != nil {
				return nil, err
			}
			results = append(results, r)
		}
	}
	switch ho, hr := hasLayout(orig), hasLayout(rebuilt); {
	case !sel.format(outdir.OCI + "/"):
	case ho && hr:
		keep := sel.KeepsEdition
		if sel.All {
			keep = nil
		}
		rs, err := CompareLayouts(filepath.Join(orig, outdir.OCI), filepath.Join(rebuilt, outdir.OCI), keep)
		if err != nil {
			return nil, err
		}
		results = append(results, rs...)
	case ho:
		results = append(results, Result{Artifact: outdir.OCI + "/index.json", Status: Missing, Note: "the rebuild made no images"})
	case hr:
		results = append(results, Result{Artifact: outdir.OCI + "/index.json", Status: Extra, Note: "the original output has no images"})
	}
	return results, nil
}

func mergeSorted(a, b []string) []string {
	out := append(append([]string(nil), a...), b...)
	sort.Strings(out)
	return slices.Compact(out)
}

// CompareManifests compares two manifest.json files without their build fields, which
// record how each was built (the rebuild's SOURCE_DATE_EPOCH may differ on purpose).
func CompareManifests(orig, rebuilt string) (Result, error) {
	res := Result{Artifact: outdir.Manifest, Status: Identical}
	strip := func(p string) ([]byte, error) {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		delete(m, "build")
		return json.Marshal(m)
	}
	o, err := strip(orig)
	if err != nil {
		return res, err
	}
	r, err := strip(rebuilt)
	if err != nil {
		return res, err
	}
	res.Original, _ = fstree.FileSHA256(orig)
	res.Rebuilt, _ = fstree.FileSHA256(rebuilt)
	ds, err := DiffJSON(outdir.Manifest, o, r)
	if err != nil {
		return res, err
	}
	res.Note = "compared without its build field"
	if len(ds) > 0 {
		res.Status = Differs
		res.setDifferences(ds)
	}
	return res, nil
}

// Sum is one line of a SHA256SUMS file.
type Sum struct {
	SHA256 string
	Path   string // relative to out/
}

// ParseSums reads sha256sum's output format: "<64 hex>  <path>" (or " *<path>" for
// binary mode), one a line; blank lines and lines starting with # are skipped.
func ParseSums(r io.Reader) ([]Sum, error) {
	var out []Sum
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if len(l) < 67 || l[64] != ' ' || (l[65] != ' ' && l[65] != '*') {
			return nil, fmt.Errorf("line %d: %q is not \"<sha256>  <path>\"", n, l)
		}
		sum, p := strings.ToLower(l[:64]), l[66:]
		if strings.Trim(sum, "0123456789abcdef") != "" {
			return nil, fmt.Errorf("line %d: %q is not a SHA-256", n, l[:64])
		}
		clean := path.Clean(p)
		if p == "" || path.IsAbs(p) || clean == ".." || strings.HasPrefix(clean, "../") {
			return nil, fmt.Errorf("line %d: path %q is not relative to the output directory", n, p)
		}
		out = append(out, Sum{SHA256: sum, Path: clean})
	}
	return out, sc.Err()
}

// CompareSums checks a rebuild against published digests: each selected line's file must
// exist in the rebuilt directory with that SHA-256. Without the original bytes there is
// nothing to compare entry by entry. Lines for OCI blobs count when the blob belongs to a
// selected edition's image in the rebuilt layout.
func CompareSums(sums []Sum, rebuilt string, sel Selection) ([]Result, error) {
	var blobs map[string]bool
	if !sel.All && hasLayout(rebuilt) {
		blobs = map[string]bool{}
		l := oci.LayoutDir(filepath.Join(rebuilt, outdir.OCI))
		idx, err := l.Index()
		if err != nil {
			return nil, err
		}
		for _, d := range idx.Manifests {
			if !sel.KeepsEdition(d.Annotations[outdir.AnnotationEdition]) {
				continue
			}
			c, err := closure(l, d.Digest)
			if err != nil {
				return nil, err
			}
			for _, b := range c {
				blobs[outdir.OCI+"/blobs/sha256/"+strings.TrimPrefix(b, "sha256:")] = true
			}
		}
	}
	var results []Result
	for _, s := range sums {
		keep := sel.Keeps(s.Path) || (blobs[s.Path] && sel.format(s.Path))
		if !keep {
			continue
		}
		res := Result{Artifact: s.Path, Original: s.SHA256}
		got, err := fstree.FileSHA256(filepath.Join(rebuilt, filepath.FromSlash(s.Path)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			res.Status, res.Note = Missing, "the rebuild did not make it"
		case err != nil:
			return nil, err
		case strings.HasSuffix(s.Path, ".asc"):
			res.Status, res.Rebuilt, res.Note = Skipped, got, "a signature: verify has no key to make it"
		case got == s.SHA256:
			res.Status, res.Rebuilt = Identical, got
		default:
			res.Status, res.Rebuilt = Differs, got
			res.Differences = []Difference{{Entry: s.Path, Field: "sha256", Original: s.SHA256, Rebuilt: got}}
			res.Note = "only digests were published: compare with the artifact itself (--against DIR) for the entries that differ"
		}
		results = append(results, res)
	}
	return results, nil
}
