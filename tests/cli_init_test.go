//go:build e2e

package tests

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	releaseURL   = "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz"
	signatureURL = releaseURL + ".sig"
)

// initCache is a cache of the row's own holding the release and its signature, with the
// signature's URL recorded but not the tarball's: init records what it pins, and the shared
// corpus cache must not change under the other rows. {sig} is the signature's sha256.
func initCache(t *testing.T, _, _ string) map[string]string {
	t.Helper()
	c := seededCache(t)
	sum := sha256.Sum256([]byte(signatureURL))
	sig, err := os.ReadFile(filepath.Join(c, "urls", hex.EncodeToString(sum[:])))
	if err != nil {
		t.Fatalf("the corpus does not record the release signature: %v", err)
	}
	return map[string]string{"{cache}": c, "{sig}": strings.TrimSpace(string(sig))}
}

func init() {
	addCLIRows(
		cliRow{item: "init", name: "from the cache with the announced sha256", setup: initCache,
			args: []string{"--cache", "{cache}", "--offline", "--json", "init", "wiki", "--core", "1.39.17", "--sha256", mediawikiSHA},
			code: 0,
			stderr: []string{"init: MediaWiki 1.39.17, sha256 " + mediawikiSHA + " (from the cache)",
				"recipes/extensions.hcl               29 bundled extensions", "recipes/skins.hcl                    4 bundled skins",
				"editions/core.hcl                    edition \"core\" 1.39.17.1", "mwedition lock"},
			json: map[string]any{"event": "initialized", "core.sha256": mediawikiSHA, "core.url": releaseURL, "core.signedBy": present,
				"edition": "core", "editionVersion": "1.39.17.1", "skins": []string{"MinervaNeue", "MonoBook", "Timeless", "Vector"}},
			check: func(t *testing.T, dir string, r result) {
				b, err := os.ReadFile(filepath.Join(dir, "wiki/recipes/extensions.hcl"))
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(b), `exclude = ["includes/engines/LuaStandalone/binaries"]`) {
					t.Errorf("Scribunto's prebuilt Lua interpreters are not excluded:\n%s", b)
				}
			}},
		cliRow{item: "init", name: "offline, the release not in the cache by its URL", setup: initCache,
			args: []string{"--cache", "{cache}", "--offline", "init", "--core", "1.39.17"},
			code: 1,
			stderr: []string{"the cache has no copy of " + releaseURL + ", and --offline forbids downloading it",
				"mwedition cache add --url " + releaseURL + " FILE", "--sha256"},
			check: noProject},
		cliRow{item: "init", name: "offline, after cache add --url", setup: func(t *testing.T, dir, cache string) map[string]string {
			c := seededCache(t)
			if r := run(t, dir, c, "cache", "add", "--url", releaseURL, filepath.Join(c, "blobs/sha256", mediawikiSHA)); r.code != 0 {
				t.Fatalf("cache add: %d\n%s", r.code, r.stderr)
			}
			return map[string]string{"{cache}": c}
		},
			args:   []string{"--cache", "{cache}", "--offline", "init", "--core", "1.39.17", "--edition", "intranet", "--title", "Intranet"},
			code:   0,
			stdout: []string{"(from the cache)", `editions/intranet.hcl                edition "intranet" 1.39.17.1`},
			check: func(t *testing.T, dir string, r result) {
				b, _ := os.ReadFile(filepath.Join(dir, "editions/intranet.hcl"))
				if !strings.Contains(string(b), `title   = "Intranet"`) {
					t.Errorf("editions/intranet.hcl:\n%s", b)
				}
			}},
		cliRow{item: "init", name: "a tarball that is not the signed release", setup: initCache,
			args:   []string{"--cache", "{cache}", "--offline", "init", "--core", "1.39.17", "--sha256", "{sig}"},
			code:   1,
			stderr: []string{releaseURL + " (sha256 ", "does not verify against its signature " + signatureURL, "nothing was written"},
			check:  noProject},
		cliRow{item: "init", name: "refuses an existing project", setup: withProject,
			args: []string{"init", "--core", "1.39.17"}, code: 1,
			stderr: []string{"editions.lock already exists: mwedition init makes a new project and replaces nothing"}},
		cliRow{item: "init", name: "without --core", args: []string{"init", "wiki"}, code: 64,
			stderr: []string{"init needs --core VERSION, the MediaWiki release to build on (for example --core 1.39.17)"}},
		cliRow{item: "init", name: "not a release version", args: []string{"init", "--core", "1.39"}, code: 64,
			stderr: []string{`--core: "1.39" is not a MediaWiki release version such as 1.39.17 or 1.43.1`}},
		cliRow{item: "init", name: "edition name", args: []string{"init", "--core", "1.39.17", "--edition", "My Wiki"}, code: 64,
			stderr: []string{`--edition "My Wiki": use lower-case letters, digits and '-'`}},
		cliRow{item: "reference", name: "the binary's reference is docs/reference.md", args: []string{"reference"}, code: 0,
			stdout: []string{"# Manifest reference", "### `source \"tarball\"`", "### `output \"image\"`"},
			check: func(t *testing.T, _ string, r result) {
				want, err := os.ReadFile("../docs/reference.md")
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(string(want), r.stdout); diff != "" {
					t.Errorf("docs/reference.md is not what mwedition reference prints; regenerate it (-committed +binary):\n%s", diff)
				}
			}},
		cliRow{item: "reference", name: "every output attribute with --json", args: []string{"--json", "reference"}, code: 0,
			json: map[string]any{"event": "reference", "path": "docs/reference.md"},
			check: func(t *testing.T, _ string, r result) {
				var ref struct{ Markdown string }
				if err := json.Unmarshal([]byte(r.stdout), &ref); err != nil {
					t.Fatal(err)
				}
				for _, s := range []string{"**`compression`** (list(string), optional, default: `[\"gz\"]`: a .tar.gz only)", "Values: `gz`, `xz`, `zst`.",
					"**`php`** (string, optional, default: `8.3`)", "**`settings`** (map(any)", "**`base`** (string", "**`exclude`** (list(string)"} {
					if !strings.Contains(ref.Markdown, s) {
						t.Errorf("the reference lacks %s", s)
					}
				}
			}},
	)
}

func noProject(t *testing.T, dir string, _ result) {
	t.Helper()
	for _, p := range []string{"recipes", "editions"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
			t.Errorf("init failed, yet wrote %s/", p)
		}
	}
}

// TestInitThenLock makes a project with init from the real release, validates and locks it
// from the cache, and finds in the lock exactly the shipped lock's components, patches
// aside: init's recipes are the shipped ones, read from the tarball.
func TestInitThenLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "wiki")
	cacheDir := seededCache(t)
	if r := run(t, ".", cacheDir, "--offline", "init", dir, "--core", "1.39.17", "--sha256", mediawikiSHA); r.code != 0 {
		t.Fatalf("init exited %d:\n%s", r.code, r.stderr)
	}
	r := run(t, dir, cacheDir, "validate")
	if r.code != 0 || !strings.Contains(r.stdout, "ok: 34 components, 1 editions") {
		t.Fatalf("validate exited %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, dir, cacheDir, "--offline", "--quiet", "lock"); r.code != 0 {
		t.Fatalf("lock exited %d:\n%s", r.code, r.stderr)
	}
	// The shipped recipes patch the release; init's take it as released. Their lock is the
	// shipped project's without its patch blocks.
	shipped := project(t)
	unpatchedProject(t, shipped, "1.39.17.1")
	if r := run(t, shipped, cacheDir, "--offline", "--quiet", "lock"); r.code != 0 {
		t.Fatalf("lock of the shipped project without its patches exited %d:\n%s", r.code, r.stderr)
	}
	got, want := lockComponents(t, filepath.Join(dir, "editions.lock")), lockComponents(t, filepath.Join(shipped, "editions.lock"))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the new project's lock differs from the shipped one without patches (-shipped +init):\n%s", diff)
	}
	if r := run(t, dir, cacheDir, "validate"); r.code != 0 || !strings.Contains(r.stdout, "resolved against editions.lock") {
		t.Errorf("validate after lock exited %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func lockComponents(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lf struct {
		Components []map[string]any `json:"components"`
	}
	if err := json.Unmarshal(b, &lf); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(lf.Components) == 0 {
		t.Fatalf("%s holds no components", path)
	}
	return lf.Components
}
