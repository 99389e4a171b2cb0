package composertest

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/mwedition/mwedition/internal/composer"
	"github.com/mwedition/mwedition/internal/semver"
)

// archiveAll makes every dist zip, opt.Jobs at a time.
func archiveAll(ctx context.Context, opt Options, byName map[string][]entry) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(opt.Jobs)
	for _, entries := range byName {
		for i := range entries {
			e := &entries[i]
			g.Go(func() error { return archive(ctx, opt, e) })
		}
	}

	return g.Wait()
}

// archive writes dist/<vendor>/<name>/<name>-<tag>.zip, wrapped in one
// directory named after the package and commit like a GitHub zipball. The
// zip depends on the commit only (git archive dates entries by the
// commit), so it is made once per Work and copied.
func archive(ctx context.Context, opt Options, e *entry) error {
	flat := strings.ReplaceAll(e.name, "/", "-")
	e.Dist = filepath.ToSlash(filepath.Join("dist", e.name, flat+"-"+e.tag+".zip"))
	cached := filepath.Join(opt.Work, "zip", flat+"-"+e.commit+".zip")
	zip, err := os.ReadFile(cached)
	if err != nil {
		var b bytes.Buffer
		if err := git(ctx, e.clone, &b, "archive", "--format=zip", "--prefix="+flat+"-"+e.commit[:7]+"/", e.commit); err != nil {
			return err
		}
		zip = b.Bytes()
		if err := writeFile(cached, zip); err != nil {
			return err
		}
	}
	s1, s256 := sha1.Sum(zip), sha256.Sum256(zip)
	e.SHA1, e.SHA256 = hex.EncodeToString(s1[:]), hex.EncodeToString(s256[:])

	return writeFile(filepath.Join(opt.Dir, e.Dist), zip)
}

// writeFile writes through a temporary name, so that a concurrent or
// interrupted build never leaves half a file under the final one.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}

	return os.Rename(tmp.Name(), path)
}

// writeMetadata writes p2/<name>.json (minified, highest version first),
// an empty p2/<name>~dev.json (tags only: no branches are published) and
// packages.json.
func writeMetadata(opt Options, byName map[string][]entry) ([]Version, error) {
	base := strings.TrimSuffix(opt.BaseURL, "/")
	var names []string
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names) // reproducible files and result
	var published []Version
	for _, name := range names {
		entries := byName[name]
		sort.SliceStable(entries, func(i, j int) bool { return semver.Compare(entries[i].norm, entries[j].norm) > 0 })
		var versions []json.RawMessage
		for _, e := range entries {
			v, err := versionJSON(base, e)
			if err != nil {
				return nil, err
			}
			versions = append(versions, v)
			published = append(published, e.Version)
		}
		min, err := composer.Minify(versions)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if err := writeJSON(filepath.Join(opt.Dir, "p2", name+".json"), map[string]any{
			"minified": "composer/2.0", "packages": map[string]any{name: min}}); err != nil {
			return nil, err
		}
		if err := writeJSON(filepath.Join(opt.Dir, "p2", name+"~dev.json"), map[string]any{
			"minified": "composer/2.0", "packages": map[string]any{name: []any{}}}); err != nil {
			return nil, err
		}
	}
	err := writeJSON(filepath.Join(opt.Dir, "packages.json"), map[string]any{
		"packages":           []any{},
		"metadata-url":       base + "/p2/%package%.json",
		"available-packages": names,
	})

	return published, err
}

// versionJSON is the tag's composer.json with what a repository adds: the
// version, its normalized form, the dist and the source.
func versionJSON(base string, e entry) (json.RawMessage, error) {
	m := map[string]any{}
	for k, v := range e.meta {
		m[k] = v
	}
	m["name"] = e.name
	m["version"] = e.tag
	m["version_normalized"] = e.norm.String()
	m["dist"] = map[string]string{"type": "zip", "url": base + "/" + e.Dist, "reference": e.commit,
		"shasum": e.SHA1, "sha256": e.SHA256}
	m["source"] = map[string]string{"type": "git", "url": e.git, "reference": e.commit}

	return json.Marshal(m)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}

	return writeFile(path, append(b, '\n'))
}

// git runs git in dir (the bare clone), writing stdout to out.
func git(ctx context.Context, dir string, out io.Writer, args ...string) error {
	if dir != "" {
		args = append([]string{"--git-dir", dir}, args...)
	}
	cmd := exec.CommandContext(ctx, "git", args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = out, &stderr
	// No user or system configuration: archives depend on the commits only.
	cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "LC_ALL=C"}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}

	return nil
}
