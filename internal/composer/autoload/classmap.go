package autoload

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
)

// scanClassmap scans a library's classmap paths: a file whatever its name,
// a directory for its .php and .inc files (composer's default extensions),
// leaving out what exclude-from-classmap matches.
func (m *model) scanClassmap(lib Library) error {
	exclude, err := excludePatterns(lib.Autoload.Exclude)
	if err != nil {
		return err
	}
	var files []string
	for _, entry := range lib.Autoload.Classmap {
		rel, err := cleanRel(entry)
		if err != nil {
			return fmt.Errorf("autoload classmap %q: %w", entry, err)
		}
		found, err := classmapFiles(lib.Tree, rel)
		if err != nil {
			return fmt.Errorf("autoload classmap %q: %w", entry, err)
		}
		files = append(files, found...)
	}
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f] || excluded(exclude, f) {
			continue
		}
		seen[f] = true
		src, err := fs.ReadFile(lib.Tree, f)
		if err != nil {
			return fmt.Errorf("autoload classmap: %w", err)
		}
		for _, class := range Scan(src) {
			m.addClass(class, join(lib.Path, f))
		}
	}

	return nil
}

func (m *model) addClass(class, file string) {
	if kept, ok := m.classmap[class]; ok {
		if kept != file {
			m.ambiguous = append(m.ambiguous, fmt.Sprintf("%s: kept %s, ignored %s", class, kept, file))
		}

		return
	}
	m.classmap[class] = file
}

// classmapFiles lists the files a classmap entry stands for, sorted.
func classmapFiles(tree fs.FS, rel string) ([]string, error) {
	fi, err := fs.Stat(tree, rel)
	if err != nil {
		return nil, fmt.Errorf("not a file nor a directory of the library: %w", err)
	}
	if !fi.IsDir() {
		return []string{rel}, nil
	}
	var out []string
	err = fs.WalkDir(tree, rel, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := path.Ext(p); !d.IsDir() && (ext == ".php" || ext == ".inc") {
			out = append(out, p)
		}

		return nil
	})
	sort.Strings(out)

	return out, err
}

// excludePatterns compiles exclude-from-classmap entries as composer reads
// them: a path prefix relative to the library, where ** matches anything
// and * anything but a slash.
func excludePatterns(patterns []string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, p := range patterns {
		rel, err := cleanRel(strings.TrimLeft(p, "/"))
		if err != nil {
			return nil, fmt.Errorf("exclude-from-classmap %q: %w", p, err)
		}
		q := regexp.QuoteMeta(rel)
		q = strings.ReplaceAll(q, `\*\*`, "\x00")
		q = strings.ReplaceAll(q, `\*`, `[^/]+`)
		q = strings.ReplaceAll(q, "\x00", `.+`)
		out = append(out, regexp.MustCompile("^"+q+"(?:/|$)"))
	}

	return out, nil
}

func excluded(patterns []*regexp.Regexp, file string) bool {
	for _, re := range patterns {
		if re.MatchString(file) {
			return true
		}
	}

	return false
}
