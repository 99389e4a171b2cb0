//go:build e2e

package tests

import (
	"path/filepath"
	"testing"
)

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
			stderr: []string{"--update acme/nothing: no recipe declares a component of that name, and editions.lock locks no composer library of that name"}},
	)
}
