package apt

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"

	"github.com/mwedition/mwedition/internal/repo"
)

// otherSuites carries the repository's other suites into the new generation as they are
// served: their metadata byte for byte (their Release stays signed and dated as it was), and
// the pool files their indexes name, so that publishing one release line never drops or
// prunes another's. Only the suite being published changes.
func otherSuites(r *repo.Repo, suite string) ([]repo.File, []repo.PoolFile, error) {
	dists := r.Path("dists")
	ds, err := os.ReadDir(dists)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var meta []repo.File
	var pool []repo.PoolFile
	for _, d := range ds {
		if d.Name() == suite || !d.IsDir() {
			continue
		}
		m, p, err := carrySuite(r, dists, d.Name())
		if err != nil {
			return nil, nil, fmt.Errorf("suite %s, served beside %s: %w", d.Name(), suite, err)
		}
		meta, pool = append(meta, m...), append(pool, p...)
	}
	return meta, pool, nil
}

// carrySuite reads one served suite's files, and the pool files of its Packages indexes.
func carrySuite(r *repo.Repo, dists, suite string) ([]repo.File, []repo.PoolFile, error) {
	var meta []repo.File
	var pool []repo.PoolFile
	err := filepath.WalkDir(filepath.Join(dists, suite), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(filepath.Dir(dists), p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		b, err := r.ReadFile(rel)
		if err != nil {
			return err
		}
		meta = append(meta, repo.File{Path: rel, Data: b})
		if path.Base(rel) != "Packages" || path.Base(path.Dir(rel)) != "binary-all" {
			return nil
		}
		entries, err := parseIndex(b, r)
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		for _, e := range entries {
			pool = append(pool, repo.PoolFile{Path: e.filename, Src: e.src})
		}
		return nil
	})
	sort.Slice(meta, func(i, j int) bool { return meta[i].Path < meta[j].Path })
	return meta, pool, err
}
