package patch

import (
	"io/fs"
	"testing"
)

// FuzzApply feeds arbitrary patch bytes to Apply over a small fixed tree: whatever the
// input, Apply returns a result or an error, never panics, and changes only clean paths.
func FuzzApply(f *testing.F) {
	for _, seed := range []string{formatPatch, secondPatch, fileOps,
		"--- noeol.txt\n+++ noeol.txt\n@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+z\n\\ No newline at end of file\n",
		"diff --git a/evil b/evil\nnew file mode 120000\n--- /dev/null\n+++ b/evil\n@@ -0,0 +1 @@\n+/etc/passwd\n",
		"--- a/src/b.txt\n+++ b/src/b.txt\n@@ -2 +2 @@\n-beta\n+BETA\n",
	} {
		f.Add([]byte(seed), uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, strip uint8) {
		res, err := Apply(baseTree(), []Patch{{Name: "fuzz", Data: data, Strip: int(strip % 4)}})
		if err != nil {
			return
		}
		for _, file := range res.Files {
			if !fs.ValidPath(file.Path) || (file.Deleted && file.Data != nil) {
				t.Fatalf("bad file in the result: %+v", file)
			}
		}
	})
}
