package bump

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/lock"
)

func TestWrite(t *testing.T) {
	root := t.TempDir()
	write := func(rel, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, rel), []byte(s), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	write("recipes/core.hcl", "old recipe\n")
	write("editions/core.hcl", "old edition\n")
	write(lock.FileName, "old lock\n")
	was := tree(t, root)

	// The second file's directory is gone: nothing may change, and no temporary file stay.
	bad := Result{Files: []File{{Name: "recipes/core.hcl", New: []byte("new recipe\n")}, {Name: "gone/core.hcl", New: []byte("x")}}}
	if err := Write(root, bad); err == nil {
		t.Fatal("Write into a missing directory succeeded")
	}
	if d := cmp.Diff(was, tree(t, root)); d != "" {
		t.Errorf("a failed Write changed the project (-was +now):\n%s", d)
	}

	good := Result{Files: []File{{Name: "recipes/core.hcl", New: []byte("new recipe\n")}, {Name: "editions/core.hcl", New: []byte("new edition\n")}}}
	if err := Write(root, good); err != nil {
		t.Fatal(err)
	}
	now := tree(t, root)
	lk, _ := lock.File{}.Encode()
	want := map[string]string{"recipes/core.hcl": "new recipe\n", "editions/core.hcl": "new edition\n", lock.FileName: string(lk)}
	if d := cmp.Diff(want, now); d != "" {
		t.Errorf("after Write (-want +got):\n%s", d)
	}
	if st, _ := os.Stat(filepath.Join(root, "recipes/core.hcl")); st.Mode().Perm() != 0o640 {
		t.Errorf("recipes/core.hcl has mode %v, want the old file's 0640", st.Mode().Perm())
	}
}

// tree maps every file below root to its contents.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
