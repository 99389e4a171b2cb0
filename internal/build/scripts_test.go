package build

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
	}
	exec := map[string]bool{"README": false}
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
	open := func(src string) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(files[src])), nil }
	for _, tc := range []struct {
		fam      platform.Family
		wantDeps []string
	}{
		{platform.Debian, []string{"php-cli", "python3"}},
		{platform.RPM, []string{"php-cli", "python3"}},
	} {
		got, deps, err := packageScripts(tree, open, tc.fam)
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
		want := []string{"bin/build.sh", "bin/tool.php", "maintenance/run.php", "pygments/pygmentize"}
		if diff := cmp.Diff(want, execs); diff != "" {
			t.Errorf("%s: executables (-want +got):\n%s", tc.fam, diff)
		}
		if got.Len() != tree.Len() {
			t.Errorf("%s: %d entries, want %d", tc.fam, got.Len(), tree.Len())
		}
	}
}
