package patch

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

const ten = "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n"

// baseTree is the tree most cases patch: text files, an executable, a file without a
// final newline and two symbolic links.
func baseTree() fstest.MapFS {
	return fstest.MapFS{
		"src/a.txt":  {Data: []byte(ten), Mode: 0o644},
		"src/b.txt":  {Data: []byte("alpha\nbeta\ngamma\n"), Mode: 0o644},
		"bin/run.sh": {Data: []byte("#!/bin/sh\necho hi\n"), Mode: 0o755},
		"noeol.txt":  {Data: []byte("x\ny"), Mode: 0o644},
		"link":       {Data: []byte("src"), Mode: fs.ModeSymlink | 0o777},
		"up":         {Data: []byte("../.."), Mode: fs.ModeSymlink | 0o777},
	}
}

// formatPatch is a `git format-patch` file changing src/a.txt's line five.
const formatPatch = `From 2f1c0ffee2f1c0ffee2f1c0ffee2f1c0ffee2f1c Mon Sep 17 00:00:00 2001
From: Jane Doe <jane@example.org>
Date: Tue, 7 Apr 2026 12:00:00 +0000
Subject: [PATCH 3/7] SECURITY: Escape line five (CVE-2026-34092)

Also hardens what CVE-2026-34088 reported; CVE-2026-34092 again.

Bug: T1234
---
 src/a.txt | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

diff --git a/src/a.txt b/src/a.txt
index 1111111..2222222 100644
--- a/src/a.txt
+++ b/src/a.txt
@@ -2,7 +2,7 @@
 two
 three
 four
-five
+FIVE
 six
 seven
 eight
-- 
2.39.5
`

// secondPatch changes line six, and only applies once formatPatch has.
const secondPatch = `diff --git a/src/a.txt b/src/a.txt
--- a/src/a.txt
+++ b/src/a.txt
@@ -4,5 +4,5 @@
 four
 FIVE
-six
+SIX
 seven
 eight
`

var fiveHeader = Header{
	Subject: "SECURITY: Escape line five (CVE-2026-34092)",
	Author:  "Jane Doe <jane@example.org>",
	Date:    "2026-04-07T12:00:00Z",
	CVEs:    []string{"CVE-2026-34088", "CVE-2026-34092"},
}

func modified(data string) []File {
	return []File{{Path: "src/a.txt", Data: []byte(data), Mode: 0o644}}
}

func oneHunk(path string, h Hunk) []Change {
	return []Change{{Path: path, Op: Modify, Hunks: []Hunk{h}}}
}

func TestApply(t *testing.T) {
	five := strings.Replace(ten, "five", "FIVE", 1)
	for _, tc := range []struct {
		name    string
		tree    func(fstest.MapFS)
		patches []Patch
		want    *Result
	}{{
		name:    "format-patch",
		patches: []Patch{{Name: "0003.patch", Data: []byte(formatPatch), Strip: 1}},
		want: &Result{Files: modified(five), Reports: []Report{{
			Name: "0003.patch", Status: Applied, Header: fiveHeader,
			Files: oneHunk("src/a.txt", Hunk{Number: 1, Header: "@@ -2,7 +2,7 @@", Line: 2}),
		}}},
	}, {
		name:    "offset forward",
		tree:    func(m fstest.MapFS) { m["src/a.txt"].Data = []byte("zero\nzero\nzero\n" + ten) },
		patches: []Patch{{Name: "0003.patch", Data: []byte(formatPatch), Strip: 1}},
		want: &Result{Files: modified("zero\nzero\nzero\n" + five), Reports: []Report{{
			Name: "0003.patch", Status: Applied, Header: fiveHeader,
			Files: oneHunk("src/a.txt", Hunk{Number: 1, Header: "@@ -2,7 +2,7 @@", Line: 5, Offset: 3}),
		}}},
	}, {
		name:    "offset backward",
		tree:    func(m fstest.MapFS) { m["src/a.txt"].Data = []byte(strings.TrimPrefix(ten, "one\n")) },
		patches: []Patch{{Name: "0003.patch", Data: []byte(formatPatch), Strip: 1}},
		want: &Result{Files: modified(strings.TrimPrefix(five, "one\n")), Reports: []Report{{
			Name: "0003.patch", Status: Applied, Header: fiveHeader,
			Files: oneHunk("src/a.txt", Hunk{Number: 1, Header: "@@ -2,7 +2,7 @@", Line: 1, Offset: -1}),
		}}},
	}, {
		name:    "already applied",
		tree:    func(m fstest.MapFS) { m["src/a.txt"].Data = []byte(five) },
		patches: []Patch{{Name: "0003.patch", Data: []byte(formatPatch), Strip: 1}},
		want: &Result{Reports: []Report{{
			Name: "0003.patch", Status: AlreadyApplied, Header: fiveHeader,
			Files: []Change{{Path: "src/a.txt", Op: Modify}},
		}}},
	}, {
		name: "two patches in sequence",
		patches: []Patch{
			{Name: "0003.patch", Data: []byte(formatPatch), Strip: 1},
			{Name: "0004.patch", Data: []byte(secondPatch), Strip: 1},
		},
		want: &Result{Files: modified(strings.Replace(five, "six", "SIX", 1)), Reports: []Report{{
			Name: "0003.patch", Status: Applied, Header: fiveHeader,
			Files: oneHunk("src/a.txt", Hunk{Number: 1, Header: "@@ -2,7 +2,7 @@", Line: 2}),
		}, {
			Name: "0004.patch", Status: Applied,
			Files: oneHunk("src/a.txt", Hunk{Number: 1, Header: "@@ -4,5 +4,5 @@", Line: 4}),
		}}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			tree := baseTree()
			if tc.tree != nil {
				tc.tree(tree)
			}
			got, err := Apply(tree, tc.patches)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("Apply (-want +got):\n%s", d)
			}
		})
	}
}

const fileOps = `diff --git a/src/new.txt b/src/new.txt
new file mode 100644
index 0000000..1111111
--- /dev/null
+++ b/src/new.txt
@@ -0,0 +1,2 @@
+hello
+world
diff --git a/src/b.txt b/src/b.txt
deleted file mode 100644
index 2222222..0000000
--- a/src/b.txt
+++ /dev/null
@@ -1,3 +0,0 @@
-alpha
-beta
-gamma
diff --git a/bin/run.sh b/bin/run.sh
old mode 100755
new mode 100644
diff --git a/src/a.txt b/src/c.txt
similarity index 90%
rename from src/a.txt
rename to src/c.txt
index 3333333..4444444 100644
--- a/src/a.txt
+++ b/src/c.txt
@@ -8,3 +8,3 @@
 eight
 nine
-ten
+TEN
`

func TestApplyFileOperations(t *testing.T) {
	got, err := Apply(baseTree(), []Patch{{Name: "ops.patch", Data: []byte(fileOps), Strip: 1}})
	if err != nil {
		t.Fatal(err)
	}
	want := &Result{
		Files: []File{
			{Path: "bin/run.sh", Data: []byte("#!/bin/sh\necho hi\n"), Mode: 0o644},
			{Path: "src/a.txt", Deleted: true},
			{Path: "src/b.txt", Deleted: true},
			{Path: "src/c.txt", Data: []byte(strings.Replace(ten, "ten", "TEN", 1)), Mode: 0o644, Created: true, RenamedFrom: "src/a.txt"},
			{Path: "src/new.txt", Data: []byte("hello\nworld\n"), Mode: 0o644, Created: true},
		},
		Reports: []Report{{Name: "ops.patch", Status: Applied, Files: []Change{
			{Path: "src/new.txt", Op: Create, Mode: 0o644, Hunks: []Hunk{{Number: 1, Header: "@@ -0,0 +1,2 @@", Line: 1}}},
			{Path: "src/b.txt", Op: Delete, Hunks: []Hunk{{Number: 1, Header: "@@ -1,3 +0,0 @@", Line: 1}}},
			{Path: "bin/run.sh", Op: Modify, Mode: 0o644},
			// Its short trailing context puts the hunk at the end of the file.
			{Path: "src/c.txt", From: "src/a.txt", Op: Rename, Hunks: []Hunk{{Number: 1, Header: "@@ -8,3 +8,3 @@", Line: 8}}},
		}}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Apply (-want +got):\n%s", d)
	}

	// Its reverse, on the patched tree, finds it applied.
	patched := baseTree()
	for _, f := range got.Files {
		if f.Deleted {
			delete(patched, f.Path)
		} else {
			patched[f.Path] = &fstest.MapFile{Data: f.Data, Mode: f.Mode}
		}
	}
	again, err := Apply(patched, []Patch{{Name: "ops.patch", Data: []byte(fileOps), Strip: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if again.Reports[0].Status != AlreadyApplied || len(again.Files) != 0 {
		t.Errorf("on the patched tree: %v, files %v; want already applied, nothing changed", again.Reports[0].Status, again.Files)
	}
}

func TestApplyContent(t *testing.T) {
	for _, tc := range []struct {
		name, patch string
		strip       int
		path, want  string
	}{{
		name: "no newline kept", strip: 0, path: "noeol.txt", want: "x\nz",
		patch: "--- noeol.txt\n+++ noeol.txt\n@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+z\n\\ No newline at end of file\n",
	}, {
		name: "newline added", strip: 1, path: "noeol.txt", want: "x\ny\n",
		patch: "--- old/noeol.txt\n+++ new/noeol.txt\n@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+y\n",
	}, {
		name: "insertion without context", strip: 1, path: "src/b.txt", want: "alpha\nbeta\nbeta2\ngamma\n",
		patch: "--- a/src/b.txt\n+++ b/src/b.txt\n@@ -2,0 +3 @@\n+beta2\n",
	}, {
		name: "copy", strip: 1, path: "src/d.txt", want: "alpha\nbeta\ngamma\n",
		patch: "diff --git a/src/b.txt b/src/d.txt\nsimilarity index 100%\ncopy from src/b.txt\ncopy to src/d.txt\n",
	}, {
		name: "strip 2, plain diff", strip: 2, path: "src/b.txt", want: "alpha\nBETA\ngamma\n",
		patch: "--- x/y/src/b.txt\t2026-04-07 12:00:00 +0000\n+++ x/y/src/b.txt\t2026-04-07 12:00:00 +0000\n@@ -1,3 +1,3 @@\n alpha\n-beta\n+BETA\n gamma\n",
	}, {
		name: "strip 2, git diff", strip: 2, path: "src/b.txt", want: "alpha\nBETA\ngamma\n",
		patch: "diff --git a/pre/src/b.txt b/pre/src/b.txt\n--- a/pre/src/b.txt\n+++ b/pre/src/b.txt\n@@ -1,3 +1,3 @@\n alpha\n-beta\n+BETA\n gamma\n",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Apply(baseTree(), []Patch{{Name: "p", Data: []byte(tc.patch), Strip: tc.strip}})
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Files) != 1 || got.Files[0].Path != tc.path {
				t.Fatalf("changed %+v, want only %s", got.Files, tc.path)
			}
			if d := cmp.Diff(tc.want, string(got.Files[0].Data)); d != "" {
				t.Errorf("%s (-want +got):\n%s", tc.path, d)
			}
		})
	}
}

func TestApplyRefuses(t *testing.T) {
	failing := strings.Replace(formatPatch, " four\n", " FOUR\n", 1)
	startOnly := "--- a/src/b.txt\n+++ b/src/b.txt\n@@ -1,3 +1,3 @@\n-beta\n+BETA\n gamma\n zeta\n"
	for _, tc := range []struct {
		name, patch string
		strip       int
		want        string
	}{{
		name: "failed hunk", patch: failing, strip: 1,
		want: `patch bad.patch: src/a.txt: hunk 1 (@@ -2,7 +2,7 @@): does not apply at line 2 or at any offset: line 4 reads "four\n" where the hunk expects "FOUR\n"`,
	}, {
		name: "short leading context must match at the start", patch: startOnly, strip: 1,
		want: `patch bad.patch: src/b.txt: hunk 1 (@@ -1,3 +1,3 @@): does not apply at the start of the file, where its short leading context puts it: line 1 reads "alpha\n" where the hunk expects "beta\n"`,
	}, {
		name: "missing file", patch: strings.ReplaceAll(secondPatch, "src/a.txt", "src/zz.txt"), strip: 1,
		want: `patch bad.patch: src/zz.txt: no such file in the tree`,
	}, {
		name: "created file exists", strip: 1,
		patch: "diff --git a/src/b.txt b/src/b.txt\nnew file mode 100644\n--- /dev/null\n+++ b/src/b.txt\n@@ -0,0 +1 @@\n+x\n",
		want:  `patch bad.patch: src/b.txt: the patch creates it, but it already exists`,
	}, {
		name: "absolute path", strip: 0,
		patch: "--- /etc/passwd\n+++ /etc/passwd\n@@ -1 +1 @@\n-root\n+toor\n",
		want:  `patch bad.patch: path "/etc/passwd" is absolute: a patch may only change files inside the tree`,
	}, {
		name: "dot-dot path", strip: 1,
		patch: "diff --git a/../../etc/passwd b/../../etc/passwd\n--- a/../../etc/passwd\n+++ b/../../etc/passwd\n@@ -1 +1 @@\n-root\n+toor\n",
		want:  `patch bad.patch: path "../../etc/passwd" escapes the tree: a patch may only change files inside it`,
	}, {
		name: "strip beyond the path", strip: 3,
		patch: "--- a/b.txt\n+++ b/b.txt\n@@ -1 +1 @@\n-a\n+b\n",
		want:  `patch bad.patch: path "b/b.txt" has too few components for strip level 3`,
	}, {
		name: "strip 0 on a git diff", strip: 0, patch: secondPatch,
		want: `patch bad.patch: path "src/a.txt": strip level 0 cannot apply to a git diff, whose paths start with a/ and b/ (use 1)`,
	}, {
		name: "symlink created", strip: 1,
		patch: "diff --git a/evil b/evil\nnew file mode 120000\n--- /dev/null\n+++ b/evil\n@@ -0,0 +1 @@\n+/etc/passwd\n\\ No newline at end of file\n",
		want:  `patch bad.patch: evil: mode 120000 is not a regular file's: symbolic links and submodules are refused`,
	}, {
		name: "symlink in the tree changed", strip: 0,
		patch: "--- link\n+++ link\n@@ -1 +1 @@\n-src\n\\ No newline at end of file\n+/etc\n\\ No newline at end of file\n",
		want:  `patch bad.patch: link: is a symbolic link in the tree: patches may not change symbolic links or write through them`,
	}, {
		name: "write through a symlink", strip: 1,
		patch: "diff --git a/up/etc/x b/up/etc/x\nnew file mode 100644\n--- /dev/null\n+++ b/up/etc/x\n@@ -0,0 +1 @@\n+x\n",
		want:  `patch bad.patch: up/etc/x: its directory up is a symbolic link in the tree: patches may not write through one`,
	}, {
		name: "binary", strip: 1,
		patch: "diff --git a/logo.png b/logo.png\nindex 1111111..2222222 100644\nBinary files a/logo.png and b/logo.png differ\n",
		want:  `patch bad.patch: logo.png: binary patches are not supported: patch text files only`,
	}, {
		name: "garbled hunk", strip: 1,
		patch: "diff --git a/src/b.txt b/src/b.txt\n--- a/src/b.txt\n+++ b/src/b.txt\n@@ -1,3 +1,3 @@\n alpha\n-beta\n",
		want:  `patch bad.patch: garbled patch: line 4: fragment header miscounts lines: -1 old, -2 new`,
	}, {
		name: "no diff at all", strip: 1, patch: "Subject: hello\n\nnothing here\n",
		want: "patch bad.patch: garbled patch: it holds no file changes (no `diff --git` or ---/+++/@@ lines)",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Apply(baseTree(), []Patch{{Name: "bad.patch", Data: []byte(tc.patch), Strip: tc.strip}})
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Apply = %+v, %v; want an *Error", got, err)
			}
			if d := cmp.Diff(tc.want, err.Error()); d != "" {
				t.Errorf("error (-want +got):\n%s", d)
			}
			if n := len(pe.Reports); n != 1 || pe.Reports[0].Status != Failed {
				t.Errorf("reports %+v, want one failed", pe.Reports)
			}
		})
	}
}

// A failed patch after an applied one leaves the error with both reports, and no result.
func TestApplyStopsAtFailure(t *testing.T) {
	_, err := Apply(baseTree(), []Patch{
		{Name: "0003.patch", Data: []byte(formatPatch), Strip: 1},
		{Name: "0004.patch", Data: []byte(strings.Replace(secondPatch, "FIVE", "five", 1)), Strip: 1},
	})
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("Apply error %v, want an *Error", err)
	}
	var got []string
	for _, r := range pe.Reports {
		got = append(got, r.Name+" "+r.Status.String())
	}
	want := []string{"0003.patch applied", "0004.patch failed"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("reports (-want +got):\n%s", d)
	}
	if pe.Patch != "0004.patch" || pe.Path != "src/a.txt" || pe.Hunk != 1 {
		t.Errorf("error names %q %q hunk %d, want 0004.patch src/a.txt hunk 1", pe.Patch, pe.Path, pe.Hunk)
	}
}

func TestHunkString(t *testing.T) {
	got := []string{Hunk{Number: 1}.String(), Hunk{Number: 2, Offset: 3}.String(), Hunk{Number: 3, Offset: -2}.String()}
	want := []string{"hunk 1 applied", "hunk 2 applied at offset +3 lines", "hunk 3 applied at offset -2 lines"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// A copy whose destination already holds its source's content is already applied.
func TestApplyCopyAlreadyApplied(t *testing.T) {
	tree := baseTree()
	tree["src/d.txt"] = &fstest.MapFile{Data: tree["src/b.txt"].Data, Mode: 0o644}
	copyPatch := "diff --git a/src/b.txt b/src/d.txt\nsimilarity index 100%\ncopy from src/b.txt\ncopy to src/d.txt\n"
	got, err := Apply(tree, []Patch{{Name: "copy.patch", Data: []byte(copyPatch), Strip: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Reports[0].Status != AlreadyApplied || len(got.Files) != 0 {
		t.Errorf("%v, files %+v; want already applied, nothing changed", got.Reports[0].Status, got.Files)
	}
}

// A patch made in a component's own repository applies below the component's directory
// of a larger tree.
func TestApplyInDirectory(t *testing.T) {
	tree := baseTree()
	tree["ext/Foo/src/a.txt"] = tree["src/a.txt"]
	delete(tree, "src/a.txt")
	got, err := Apply(tree, []Patch{{Name: "0003.patch", Data: []byte(formatPatch), Strip: 1, Dir: "ext/Foo"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Files) != 1 || got.Files[0].Path != "ext/Foo/src/a.txt" || got.Reports[0].Files[0].Path != "ext/Foo/src/a.txt" {
		t.Errorf("files %+v, reports %+v: want ext/Foo/src/a.txt", got.Files, got.Reports)
	}
	if _, err := Apply(tree, []Patch{{Name: "bad", Data: []byte(formatPatch), Strip: 1, Dir: "../x"}}); err == nil {
		t.Error("a directory outside the tree was accepted")
	}
}
