package autoload

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/mwedition/mwedition/internal/composer"
)

// Library is one installed library.
type Library struct {
	Name    string // vendor/name, lowercase
	Version string // as locked ("v1.0.2")
	Type    string // "library" if empty
	License []string
	// Dist is where the library was downloaded from, as locked; written to
	// installed.json (for SBOMs and composer) when it has a type and URL.
	Dist *composer.Dist
	// Require are the library's require links: those naming libraries of
	// the set put their files autoloads first, as composer orders them,
	// and all are written to installed.json.
	Require []composer.Link
	// Path is where the library is installed, relative to the directory the
	// autoloader is generated for ("jumbojett/openid-connect-php").
	Path     string
	Autoload composer.Autoload
	// Tree is the library's installed tree (its composer.json at the root);
	// only classmap and files paths are read from it.
	Tree fs.FS
}

// Options fix what would otherwise vary between runs.
type Options struct {
	// Suffix ends the generated class names (letters, digits and _), so
	// that two generated loaders never collide and one loader's output
	// never changes between runs: see SuffixFor.
	Suffix string
}

// File is one generated file, its path relative to the directory the
// autoloader is generated for.
type File struct {
	Path string
	Data []byte
}

// Result is the generated autoloader.
type Result struct {
	Files []File // sorted by path
	// Classmap maps each scanned class to its file, relative to the root.
	Classmap map[string]string
	// Ambiguous lists classes declared in more than one scanned file, as
	// "Class: kept path, ignored path"; the first file found wins, as in
	// composer, which warns about them.
	Ambiguous []string
}

// SuffixFor is the class-name suffix for an edition's loader: its name,
// with anything but ASCII letters and digits turned into _.
func SuffixFor(edition string) string {
	b := []byte("_mwedition_" + edition)
	for i, c := range b {
		if !(c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z') {
			b[i] = '_'
		}
	}

	return string(b)
}

var validSuffix = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// model is what the PHP files are written from; paths are relative to the
// root, maps keyed by namespace prefix, class or file identifier.
type model struct {
	suffix     string
	psr4, psr0 map[string][]string
	classmap   map[string]string
	files      []fileEntry
	libs       []Library
	ambiguous  []string
}

type fileEntry struct{ id, path string }

// Generate builds the autoloader of libs.
func Generate(libs []Library, opt Options) (Result, error) {
	if !validSuffix.MatchString(opt.Suffix) {
		return Result{}, fmt.Errorf("autoloader suffix %q: want letters, digits and _ only", opt.Suffix)
	}
	ordered, err := dependencyOrder(libs)
	if err != nil {
		return Result{}, err
	}
	m := &model{suffix: opt.Suffix, psr4: map[string][]string{}, psr0: map[string][]string{},
		classmap: map[string]string{}, libs: ordered}
	for _, lib := range ordered {
		if err := m.add(lib); err != nil {
			return Result{}, fmt.Errorf("composer library %s: %w", lib.Name, err)
		}
	}
	files, err := m.render()
	if err != nil {
		return Result{}, err
	}

	return Result{Files: files, Classmap: m.classmap, Ambiguous: m.ambiguous}, nil
}

// dependencyOrder sorts libs by name, then moves each library after the
// libraries it requires (composer's order for files autoloads).
func dependencyOrder(libs []Library) ([]Library, error) {
	byName := map[string]Library{}
	var names []string
	for _, l := range libs {
		if _, dup := byName[l.Name]; dup {
			return nil, fmt.Errorf("composer library %s is given twice", l.Name)
		}
		if l.Name == "" {
			return nil, fmt.Errorf("a composer library installed at %q has no name", l.Path)
		}
		if c, err := cleanRel(l.Path); err != nil || c != l.Path || c == "." {
			return nil, fmt.Errorf("composer library %s: install path %q: must be a clean relative path under the autoloader's directory", l.Name, l.Path)
		}
		byName[l.Name] = l
		names = append(names, l.Name)
	}
	sort.Strings(names)
	var out []Library
	done := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		l, ok := byName[name]
		if !ok || done[name] {
			return // outside the set (core's vendor, a platform package), or placed
		}
		done[name] = true
		deps := make([]string, 0, len(l.Require))
		for _, r := range l.Require {
			deps = append(deps, r.Target)
		}
		sort.Strings(deps)
		for _, d := range deps {
			visit(d)
		}
		out = append(out, l)
	}
	for _, n := range names {
		visit(n)
	}

	return out, nil
}

// add records one library's autoload section.
func (m *model) add(lib Library) error {
	a := lib.Autoload
	if err := addPrefixes(m.psr4, lib, a.PSR4, "psr-4"); err != nil {
		return err
	}
	if err := addPrefixes(m.psr0, lib, a.PSR0, "psr-0"); err != nil {
		return err
	}
	if err := m.scanClassmap(lib); err != nil {
		return err
	}
	for _, f := range a.Files {
		rel, err := cleanRel(f)
		if err != nil {
			return fmt.Errorf("autoload files %q: %w", f, err)
		}
		if fi, err := fs.Stat(lib.Tree, rel); err != nil || fi.IsDir() {
			return fmt.Errorf("autoload files %q: no such file in %s", f, lib.Path)
		}
		// composer's key for a files autoload: the same file of the same
		// library is then included once even if two loaders list it.
		sum := md5.Sum([]byte(lib.Name + ":" + f))
		m.files = append(m.files, fileEntry{id: hex.EncodeToString(sum[:]), path: join(lib.Path, rel)})
	}

	return nil
}

func addPrefixes(dst map[string][]string, lib Library, src map[string][]string, kind string) error {
	prefixes := make([]string, 0, len(src))
	for p := range src {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)
	for _, prefix := range prefixes {
		if kind == "psr-4" && prefix != "" && !strings.HasSuffix(prefix, "\\") {
			return fmt.Errorf("autoload psr-4 %q: a PSR-4 prefix must end with a namespace separator (\\\\)", prefix)
		}
		for _, dir := range src[prefix] {
			rel, err := cleanRel(dir)
			if err != nil {
				return fmt.Errorf("autoload %s %q: %q: %w", kind, prefix, dir, err)
			}
			dst[prefix] = append(dst[prefix], join(lib.Path, rel))
		}
	}

	return nil
}

// cleanRel cleans a path written in composer.json: relative, inside the
// library, "." for the library's root.
func cleanRel(p string) (string, error) {
	p = strings.ReplaceAll(p, "\\", "/")
	if strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("an absolute path")
	}
	c := path.Clean(p)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("leaves the library's directory")
	}

	return c, nil
}

func join(root, rel string) string {
	if rel == "." {
		return root
	}

	return root + "/" + rel
}
