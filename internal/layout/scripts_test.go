package layout

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/platform"
)

func TestPackageScripts(t *testing.T) {
	files := map[string]string{
		"maintenance/run.php":  "#!/usr/bin/env php\n<?php\n",
		"bin/tool.php":         "#!/usr/bin/php -q\n<?php\n",
		"bin/build.sh":         "#!/bin/bash -eu\necho\n",
		"pygments/pygmentize":  "#!/usr/bin/env python3\n",
		"tools/old.py":         "#!/usr/bin/env python\n",
		"bin/test.js":          "#!/usr/bin/env -S node --harmony\n",
		"src/Data.php":         "<?php class Data {}\n",
		"README":               "plain\n",
		"empty-but-executable": "",
		"scripts/plain.sh":     "#!/bin/sh\necho\n",
		"captcha.py":           "#!/usr/bin/python3\n",
	}
	exec := map[string]bool{"README": false, "scripts/plain.sh": false, "captcha.py": false}
	var entries []fstree.Entry
	for p, c := range files {
		sum := sha256.Sum256([]byte(c))
		_, plain := exec[p]
		entries = append(entries, fstree.Entry{Path: p, Type: fstree.File, Exec: !plain, Size: int64(len(c)), Digest: hex.EncodeToString(sum[:]), Src: p})
	}
	tree, err := fstree.New(entries)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]string{}
	open := func(src string) (io.ReadCloser, error) {
		if c, ok := stored[src]; ok {
			return io.NopCloser(strings.NewReader(c)), nil
		}
		return io.NopCloser(strings.NewReader(files[src])), nil
	}
	rewrite := func(b []byte) (string, string, int64, error) {
		sum := sha256.Sum256(b)
		sha := hex.EncodeToString(sum[:])
		stored["blobs/"+sha] = string(b)
		return "blobs/" + sha, sha, int64(len(b)), nil
	}
	for _, tc := range []struct {
		fam        platform.Family
		wantDeps   []string
		firstLines map[string]string // of the scripts whose bytes change
	}{
		{platform.Debian, []string{"php-cli", "python3"}, map[string]string{}},
		// RPM tooling refuses env in "#!" lines: they name the interpreter's path instead.
		{platform.RPM, []string{"php-cli", "python3"}, map[string]string{
			"maintenance/run.php": "#!/usr/bin/php", "pygments/pygmentize": "#!/usr/bin/python3",
		}},
	} {
		got, deps, err := PackageScripts(tree, open, rewrite, tc.fam)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.wantDeps, deps); diff != "" {
			t.Errorf("%s: dependencies (-want +got):\n%s", tc.fam, diff)
		}
		var execs []string
		for _, e := range got.Entries() {
			if e.Exec {
				execs = append(execs, e.Path)
			}
		}
		// Scripts for the shells, php and python3 are executable whatever upstream said; the
		// node and python 2 tools are left out.
		want := []string{"bin/build.sh", "bin/tool.php", "captcha.py", "maintenance/run.php", "pygments/pygmentize", "scripts/plain.sh"}
		if diff := cmp.Diff(want, execs); diff != "" {
			t.Errorf("%s: executables (-want +got):\n%s", tc.fam, diff)
		}
		changed := map[string]string{}
		for _, e := range got.Entries() {
			if orig, _ := tree.Lookup(e.Path); e.Digest != orig.Digest {
				r, _ := open(e.Src)
				b, _ := io.ReadAll(r)
				first, rest, _ := strings.Cut(string(b), "\n")
				if _, origRest, _ := strings.Cut(files[e.Path], "\n"); rest != origRest {
					t.Errorf("%s: %s: the script's body changed", tc.fam, e.Path)
				}
				changed[e.Path] = first
			}
		}
		if diff := cmp.Diff(tc.firstLines, changed); diff != "" {
			t.Errorf("%s: rewritten first lines (-want +got):\n%s", tc.fam, diff)
		}
		for _, p := range []string{"bin/test.js", "tools/old.py"} {
			if _, ok := got.Lookup(p); ok {
				t.Errorf("%s: %s is packaged", tc.fam, p)
			}
		}
		if got.Len() != tree.Len()-2 {
			t.Errorf("%s: %d entries, want %d", tc.fam, got.Len(), tree.Len()-2)
		}
	}
}
