//go:build e2e

package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// withLibraryLocks puts two locks of an OpenIDConnect edition into dir, old.lock and
// new.lock, whose libraries moved in every way (releasediff's golden inputs).
func withLibraryLocks(t *testing.T, dir, _ string) map[string]string {
	for _, name := range []string{"old", "new"} {
		b, err := os.ReadFile("../internal/releasediff/testdata/libs-" + name + ".lock")
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, name+".lock"), string(b))
	}
	return nil
}

func init() {
	addCLIRows(
		cliRow{item: "libraries", name: "a composer repository composer cannot read",
			setup: func(t *testing.T, dir, cache string) map[string]string {
				copyShipped(t, dir)
				writeFile(t, filepath.Join(dir, "recipes/composer.hcl"), "composer_repository \"mirror\" {\n  url = \"ftp://mirror.example.org/composer\"\n}\n")
				return nil
			},
			args: []string{"validate"}, code: 1,
			stderr: []string{"recipes/composer.hcl:2:9: error: Invalid URL", `scheme "ftp" is not supported for a composer_repository source`}},
		cliRow{item: "libraries", name: "--update names no component and no locked library",
			setup: withProject, args: []string{"--offline", "lock", "--update", "acme/nothing"}, code: 1,
			stderr: []string{"--update acme/nothing: no recipe declares a component or (as debian:NAME) a debian_base of that name, and editions.lock locks no composer library of that name"}},
		cliRow{item: "libraries", name: "diff reports libraries once, in their own section",
			setup: withLibraryLocks, args: []string{"diff", "{dir}/old.lock", "{dir}/new.lock"},
			stdout: []string{"5 composer libraries: 1 added, 1 removed, 2 bumped, 1 changed", "### Composer libraries",
				"| `paragonie/random_compat` | same version, other files | v9.99.100 | MIT | tarball sha256 333333333333 → 777777777777 |",
				"| `jumbojett/openid-connect-php` | bumped | v0.9.10 → v1.0.2 | Apache-2.0 |"},
			check: func(t *testing.T, _ string, r result) {
				if strings.Contains(r.stdout, "### Added") || strings.Contains(r.stdout, "### Bumped") || strings.Contains(r.stdout, "composer/installers") {
					t.Errorf("libraries listed among the components, or the plugin listed:\n%s", r.stdout)
				}
			}},
		cliRow{item: "libraries", name: "diff --json has the libraries with versions and licences",
			setup: withLibraryLocks, args: []string{"--json", "diff", "{dir}/old.lock", "{dir}/new.lock"},
			json: map[string]any{"event": "diff", "libraries.0.name": "firebase/php-jwt", "libraries.0.change": "removed",
				"libraries.0.old.license": "BSD-3-Clause", "libraries.1.new.version": "v1.0.2", "libraries.3.change": "changed",
				"added": []any{}, "bumped": []any{}}},
	)
}
