package lock_test

import (
	"bytes"
	"errors"
	"flag"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/registration"
	"github.com/mwedition/mwedition/internal/spec"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.lock")

// sample is a small lock touching every field of the format.
func sample() lock.File {
	return lock.New([]lock.Component{
		{
			ID:     "extension/PluggableAuth",
			Recipe: "sha256:3333333333333333333333333333333333333333333333333333333333333333",
			Source: lock.Source{Kind: spec.Git, URL: "https://gerrit.wikimedia.org/r/mediawiki/extensions/PluggableAuth", Ref: "REL1_39", Commit: "0123456789abcdef0123456789abcdef01234567"},
			Tree:   "sha256:4444444444444444444444444444444444444444444444444444444444444444",
			Files:  42, Bytes: 123456, Version: "6.3", Time: 1700000000,
			Registry: registration.Info{Name: "PluggableAuth", Version: "6.3", License: "MIT", ManifestVersion: 2, SchemaUpdates: true,
				Requires: registration.Requires{MediaWiki: ">= 1.39.0", Extensions: map[string]string{"Zeta": "*", "Alpha": ">= 1.0"}, Abilities: []string{"shell"}}},
		},
		{
			ID:     "core/mediawiki",
			Recipe: "sha256:1111111111111111111111111111111111111111111111111111111111111111",
			Source: lock.Source{Kind: spec.Tarball, URL: "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz", SHA256: "2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9"},
			Tree:   "sha256:2222222222222222222222222222222222222222222222222222222222222222",
			Files:  11252, Bytes: 177504929, Version: "1.39.17", Time: 1765907450,
			Registry: registration.Info{Name: "MediaWiki", Version: "1.39.17", License: "GPL-2.0-or-later",
				Requires: registration.Requires{PHP: ">=7.4.3", PHPExtensions: []string{"ctype", "intl", "xml"}},
				Config:   &registration.Config{Prefix: "wg", Names: "EnableUploads Server Sitename"}},
		},
		{
			ID:     "extension/Cite",
			Recipe: "sha256:5555555555555555555555555555555555555555555555555555555555555555",
			Source: lock.Source{Kind: spec.Bundled, SHA256: "2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9", Path: "extensions/Cite", Of: "core/mediawiki"},
			Tree:   "sha256:6666666666666666666666666666666666666666666666666666666666666666",
			Files:  300, Bytes: 1000000, Version: "1.39.17", Time: 1765907049,
			Registry: registration.Info{Name: "Cite", License: "GPL-2.0-or-later", ManifestVersion: 2,
				Config: &registration.Config{Prefix: "wg", Names: "CiteBookReferencing CiteResponsiveReferences"}},
		},
	}).WithEditions([]lock.Edition{
		{Name: "sso", Version: "1.39.17.2", Members: []string{"extension/PluggableAuth", "core/mediawiki", "extension/Cite"},
			Libraries: []string{"phpseclib/phpseclib", "composer/installers"}},
		{Name: "core", Version: "1.39.17.1", Members: []string{"core/mediawiki", "extension/Cite"}},
	}).WithLibraries([]lock.Library{
		{Name: "phpseclib/phpseclib", Version: "3.0.47", Type: "library", Licenses: []string{"MIT"}, Repository: "satis",
			Source:  lock.LibrarySource{Type: "zip", URL: "https://composer.example.org/dist/phpseclib-phpseclib-3.0.47.zip", SHA256: "7777777777777777777777777777777777777777777777777777777777777777", Reference: "89bfb45bd8b1abc3b37e910d57f5dbd3174f40fb"},
			Require: map[string]string{"paragonie/random_compat": "^1.4|^2.0|^9.99.99", "paragonie/constant_time_encoding": "^1|^2|^3"}},
		{Name: "composer/installers", Version: "v2.3.0", Type: "composer-plugin", Licenses: []string{"MIT"}, Plugin: true, Repository: "satis",
			Source: lock.LibrarySource{Type: "zip", URL: "https://composer.example.org/dist/composer-installers-v2.3.0.zip", SHA256: "8888888888888888888888888888888888888888888888888888888888888888", Reference: "12fb2dfe5e16183de69e784a7b84046c43d97e8e"}},
	})
}

func TestGolden(t *testing.T) {
	got, err := sample().Encode()
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "golden.lock")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("Encode differs from %s (-want +got):\n%s", golden, diff)
	}
	back, err := lock.Decode(want)
	if err != nil {
		t.Fatalf("Decode(%s): %v", golden, err)
	}
	if diff := cmp.Diff(sample(), back); diff != "" {
		t.Errorf("Decode(%s) mismatch (-want +got):\n%s", golden, diff)
	}
}

func TestEncodeStable(t *testing.T) {
	want, err := sample().Encode()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(1))
	for i := range 10 {
		cs := sample().Components
		rng.Shuffle(len(cs), func(i, j int) { cs[i], cs[j] = cs[j], cs[i] })
		es := sample().Editions
		rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
		for _, e := range es {
			rng.Shuffle(len(e.Members), func(i, j int) { e.Members[i], e.Members[j] = e.Members[j], e.Members[i] })
		}
		ls := sample().Libraries
		rng.Shuffle(len(ls), func(i, j int) { ls[i], ls[j] = ls[j], ls[i] })
		got, err := lock.File{Version: 1, Components: cs, Editions: es, Libraries: ls}.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want, got) {
			t.Fatalf("shuffle %d: encoding depends on component order:\n%s", i, cmp.Diff(string(want), string(got)))
		}
	}
	s := string(want)
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"ends with a newline", strings.HasSuffix(s, "}\n") && !strings.HasSuffix(s, "\n\n")},
		{"two-space indent", strings.HasPrefix(s, "{\n  \"lockVersion\": 1,\n  \"components\": [\n    {\n      \"id\": \"core/mediawiki\",\n")},
		{"no tabs", !strings.Contains(s, "\t")},
		{"constraints not HTML-escaped", strings.Contains(s, `"MediaWiki": ">= 1.39.0"`) && !strings.Contains(s, `\u003e`)},
		{"requires maps sorted", strings.Index(s, `"Alpha"`) < strings.Index(s, `"Zeta"`)},
	} {
		if !c.ok {
			t.Errorf("encoding: want %s; got:\n%s", c.name, s)
		}
	}
}

func TestEncodeDoesNotReorderCaller(t *testing.T) {
	f := lock.File{Version: 1, Components: []lock.Component{{ID: "b"}, {ID: "a"}}}
	if _, err := f.Encode(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]lock.Component{{ID: "b"}, {ID: "a"}}, f.Components); diff != "" {
		t.Errorf("Encode changed the caller's slice (-want +got):\n%s", diff)
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		file lock.File
	}{
		{"sample", sample()},
		{"empty", lock.New(nil)},
		{"one", lock.New(sample().Components[:1])},
		{"no editions (a lock of an earlier mwedition)", lock.New(sample().Components)},
		{"no libraries", lock.New(sample().Components).WithEditions([]lock.Edition{{Name: "core", Version: "1", Members: []string{"core/mediawiki"}}})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.file.Encode()
			if err != nil {
				t.Fatal(err)
			}
			got, err := lock.Decode(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(tc.file, got); diff != "" {
				t.Errorf("round trip mismatch (-want +got):\n%s", diff)
			}
			again, err := got.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(b), string(again)); diff != "" {
				t.Errorf("re-encoding differs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	comp := func(id string) string {
		return `{"id": "` + id + `", "recipe": "", "source": {"kind": "git"}, "tree": "", "files": 0, "bytes": 0, "version": "", "time": 0, "registration": {"name": "", "requires": {}}}`
	}
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{"not JSON", `lockVersion = 1`, []string{"editions.lock is not a valid lock file"}},
		{"unknown top-level field", `{"lockVersion": 1, "components": [], "generated": "now"}`, []string{"not a valid lock file", `"generated"`}},
		{"unknown component field", `{"lockVersion": 1, "components": [{"id": "core/mediawiki", "sha": "x"}]}`, []string{"not a valid lock file", `"sha"`}},
		{"unknown registration field", `{"lockVersion": 1, "components": [{"id": "core/mediawiki", "registration": {"name": "MediaWiki", "type": "core"}}]}`, []string{`"type"`}},
		{"lockVersion 2", `{"lockVersion": 2, "components": []}`, []string{"lockVersion 2", "run mwedition lock"}},
		{"lockVersion missing", `{"components": []}`, []string{"lockVersion 0", "run mwedition lock"}},
		{"unsorted", `{"lockVersion": 1, "components": [` + comp("extension/B") + `,` + comp("extension/A") + `]}`, []string{"not sorted", "extension/A", "run mwedition lock"}},
		{"duplicate", `{"lockVersion": 1, "components": [` + comp("extension/A") + `,` + comp("extension/A") + `]}`, []string{"listed twice", "extension/A"}},
		{"unsorted editions", `{"lockVersion": 1, "components": [], "editions": [{"name": "b", "version": "1", "members": []}, {"name": "a", "version": "1", "members": []}]}`, []string{"editions are not sorted", "a", "run mwedition lock"}},
		{"unsorted libraries", `{"lockVersion": 1, "components": [], "libraries": [{"name": "b/b", "version": "1", "repository": "r", "source": {"url": "file:///srv/b.zip"}}, {"name": "a/a", "version": "1", "repository": "r", "source": {"url": "file:///srv/a.zip"}}]}`, []string{"libraries are not sorted", "a/a", "run mwedition lock"}},
		{"unknown edition field", `{"lockVersion": 1, "components": [], "editions": [{"name": "a", "version": "1", "members": [], "title": "A"}]}`, []string{`"title"`}},
		{"trailing data", `{"lockVersion": 1, "components": []}` + "\n>>>>>>> theirs\n", []string{"not a valid lock file"}},
		{"two documents", `{"lockVersion": 1, "components": []}{"lockVersion": 1, "components": []}`, []string{"not a valid lock file"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := lock.Decode([]byte(tc.input))
			if err == nil {
				t.Fatalf("Decode accepted %s: %+v", tc.input, f)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	// The valid shape those cases are variations of decodes.
	if _, err := lock.Decode([]byte(`{"lockVersion": 1, "components": [` + comp("extension/A") + `,` + comp("extension/B") + `]}` + "\n")); err != nil {
		t.Errorf("Decode of a valid lock: %v", err)
	}
}

func TestLookup(t *testing.T) {
	f := sample()
	for _, id := range []string{"core/mediawiki", "extension/Cite", "extension/PluggableAuth"} {
		c, ok := f.Lookup(id)
		if !ok || c.ID != id {
			t.Errorf("Lookup(%q) = %q, %v", id, c.ID, ok)
		}
	}
	for _, id := range []string{"", "core/other", "extension/Citation", "skin/Vector"} {
		if c, ok := f.Lookup(id); ok {
			t.Errorf("Lookup(%q) found %q", id, c.ID)
		}
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	first := lock.New(sample().Components[:1])
	if err := lock.Write(dir, first); err != nil {
		t.Fatalf("Write: %v", err)
	}
	// Writing again replaces the file.
	f := sample()
	if err := lock.Write(dir, f); err != nil {
		t.Fatalf("second Write: %v", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{lock.FileName}, names); diff != "" {
		t.Errorf("directory after Write (-want +got):\n%s", diff)
	}
	st, err := os.Stat(filepath.Join(dir, lock.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode() != 0o644 {
		t.Errorf("mode = %v, want %v", st.Mode(), fs.FileMode(0o644))
	}
	got, err := os.ReadFile(filepath.Join(dir, lock.FileName))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := f.Encode()
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("written bytes (-want +got):\n%s", diff)
	}
	read, err := lock.Read(dir)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if diff := cmp.Diff(f, read); diff != "" {
		t.Errorf("Read mismatch (-want +got):\n%s", diff)
	}
}

func TestWriteFailureLeavesNothing(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the root to write to
		want  []string                              // names in dir afterwards
	}{
		{
			name:  "missing directory",
			setup: func(t *testing.T, dir string) string { return filepath.Join(dir, "no", "such", "dir") },
		},
		{
			// The temp file is written, then the rename fails: it must be cleaned up.
			name: "rename fails",
			setup: func(t *testing.T, dir string) string {
				if err := os.Mkdir(filepath.Join(dir, lock.FileName), 0o755); err != nil {
					t.Fatal(err)
				}
				return dir
			},
			want: []string{lock.FileName},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := lock.Write(tc.setup(t, dir), sample()); err == nil {
				t.Fatal("Write succeeded")
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if diff := cmp.Diff(tc.want, names); diff != "" {
				t.Errorf("directory after a failed Write (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadMissing(t *testing.T) {
	_, err := lock.Read(t.TempDir())
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Read of a project without a lock: %v, want os.ErrNotExist in the chain", err)
	}
}

type mapFS map[string]bool

func (m mapFS) Exists(name string) bool { return m[name] }

const (
	coreRecipe = `core "mediawiki" {
  version = "1.39.17"
  source "tarball" {
    url    = "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz"
    sha256 = "2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9"
  }
}
`
	extRecipes = `extension "Cite" {
  source "bundled" { path = "extensions/Cite" }
}
extension "PluggableAuth" {
  source "git" {
    url = "https://gerrit.wikimedia.org/r/mediawiki/extensions/PluggableAuth"
    ref = "REL1_39"
  }
}
extension "Tarred" {
  exclude = ["tests/**"]
  source "tarball" {
    url    = "https://example.org/Tarred-1.0.tar.gz"
    sha256 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
  }
}
`
)

func loadSet(t *testing.T, core, exts string) spec.Set {
	t.Helper()
	set, _, diags := load.Sources([]load.Source{
		{Name: "recipes/core.hcl", Bytes: []byte(core)},
		{Name: "recipes/extensions.hcl", Bytes: []byte(exts)},
	}, mapFS{})
	if diags.HasErrors() {
		t.Fatalf("loading recipes: %s", diags.Error())
	}
	return set
}

func fingerprint(t *testing.T, set spec.Set, id string) string {
	t.Helper()
	c, ok := set.Component(id)
	if !ok {
		t.Fatalf("no component %s", id)
	}
	fp := lock.Fingerprint(set, c)
	if !strings.HasPrefix(fp, "sha256:") || len(fp) != len("sha256:")+64 {
		t.Fatalf("Fingerprint(%s) = %q, want sha256:<64 hex>", id, fp)
	}
	return fp
}

func TestFingerprint(t *testing.T) {
	base := loadSet(t, coreRecipe, extRecipes)
	ids := []string{"core/mediawiki", "extension/Cite", "extension/PluggableAuth", "extension/Tarred"}

	seen := map[string]string{}
	for _, id := range ids {
		fp := fingerprint(t, base, id)
		if prev, dup := seen[fp]; dup {
			t.Errorf("%s and %s have the same fingerprint", prev, id)
		}
		seen[fp] = id
		if again := fingerprint(t, base, id); again != fp {
			t.Errorf("Fingerprint(%s) is not deterministic: %s, then %s", id, fp, again)
		}
	}

	tests := []struct {
		name      string
		core      string
		exts      string
		unchanged []string
		changed   []string
		moved     bool // every declaration is on another line than in base
	}{
		{
			name:      "blank lines before the blocks",
			core:      "\n\n\n# a comment\n" + coreRecipe,
			exts:      "\n\n" + strings.ReplaceAll(extRecipes, "}\nextension", "}\n\n\nextension"),
			unchanged: ids,
			moved:     true,
		},
		{
			name:      "tarball url",
			exts:      strings.Replace(extRecipes, "Tarred-1.0.tar.gz", "Tarred-1.1.tar.gz", 1),
			changed:   []string{"extension/Tarred"},
			unchanged: []string{"core/mediawiki", "extension/Cite", "extension/PluggableAuth"},
		},
		{
			name:      "tarball sha256",
			exts:      strings.Replace(extRecipes, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", "ff112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 1),
			changed:   []string{"extension/Tarred"},
			unchanged: []string{"core/mediawiki", "extension/Cite", "extension/PluggableAuth"},
		},
		{
			name:      "sha256 case is folded by the loader",
			exts:      strings.Replace(extRecipes, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF", 1),
			unchanged: ids,
		},
		{
			name:      "git ref",
			exts:      strings.Replace(extRecipes, `"REL1_39"`, `"REL1_40"`, 1),
			changed:   []string{"extension/PluggableAuth"},
			unchanged: []string{"core/mediawiki", "extension/Cite", "extension/Tarred"},
		},
		{
			name:      "git url",
			exts:      strings.Replace(extRecipes, "r/mediawiki/extensions/PluggableAuth", "r/mediawiki/extensions/PluggableAuth.git", 1),
			changed:   []string{"extension/PluggableAuth"},
			unchanged: []string{"core/mediawiki", "extension/Cite", "extension/Tarred"},
		},
		{
			name:      "exclude",
			exts:      strings.Replace(extRecipes, `["tests/**"]`, `["tests/**", "**/.git"]`, 1),
			changed:   []string{"extension/Tarred"},
			unchanged: []string{"core/mediawiki", "extension/Cite", "extension/PluggableAuth"},
		},
		{
			name:    "core sha256 changes the core and what is bundled in it",
			core:    strings.Replace(coreRecipe, `"2c5853d0`, `"3c5853d0`, 1),
			changed: []string{"core/mediawiki", "extension/Cite"},
			// Not bundled: their bytes do not come from the core.
			unchanged: []string{"extension/PluggableAuth", "extension/Tarred"},
		},
		{
			name:      "core version",
			core:      strings.Replace(coreRecipe, `version = "1.39.17"`, `version = "1.39.18"`, 1),
			changed:   []string{"core/mediawiki", "extension/Cite"},
			unchanged: []string{"extension/PluggableAuth", "extension/Tarred"},
		},
		{
			name:      "bundled path",
			exts:      strings.Replace(extRecipes, `"extensions/Cite"`, `"extensions/Cite2"`, 1),
			changed:   []string{"extension/Cite"},
			unchanged: []string{"extension/PluggableAuth", "extension/Tarred"},
		},
		{
			name:      "a new bundled recipe claims a path in the core",
			exts:      extRecipes + "skin \"Vector\" {\n  source \"bundled\" { path = \"skins/Vector\" }\n}\n",
			changed:   []string{"core/mediawiki"},
			unchanged: []string{"extension/PluggableAuth", "extension/Tarred"},
		},
		{
			name:      "a new recipe from elsewhere",
			exts:      extRecipes + "skin \"Chameleon\" {\n  source \"git\" {\n    url = \"https://github.com/ProfessionalWiki/chameleon\"\n    ref = \"4.2.1\"\n  }\n}\n",
			unchanged: ids,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			core, exts := tc.core, tc.exts
			if core == "" {
				core = coreRecipe
			}
			if exts == "" {
				exts = extRecipes
			}
			set := loadSet(t, core, exts)
			if tc.moved {
				for _, id := range ids {
					a, _ := set.Component(id)
					b, _ := base.Component(id)
					if a.DeclRange.Start.Line == b.DeclRange.Start.Line || a.Source.Range == b.Source.Range {
						t.Fatalf("%s did not move: %v vs %v", id, a.DeclRange, b.DeclRange)
					}
				}
			}
			for _, id := range tc.changed {
				if fingerprint(t, set, id) == fingerprint(t, base, id) {
					t.Errorf("%s: fingerprint did not change", id)
				}
			}
			for _, id := range tc.unchanged {
				if got, want := fingerprint(t, set, id), fingerprint(t, base, id); got != want {
					t.Errorf("%s: fingerprint changed from %s to %s", id, want, got)
				}
			}
		})
	}
}
