package composer

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mwedition/mwedition/internal/semver"
)

// ParseInstalled reads a vendor/composer/installed.json: composer 2's
// {"packages": [...], "dev": ..., "dev-package-names": [...]} (what
// MediaWiki 1.39 ships) or composer 1's bare list. Packages listed as dev
// packages are left out, since an installation made with --no-dev has none
// and they satisfy nothing at run time. The result is sorted by name.
func ParseInstalled(file string, data []byte) ([]Package, error) {
	var list []json.RawMessage
	var devNames []string
	trimmed := strings.TrimSpace(string(data))
	if strings.HasPrefix(trimmed, "[") {
		if err := decodeJSON(file, data, &list); err != nil {
			return nil, err
		}
	} else {
		var v2 struct {
			Packages *[]json.RawMessage `json:"packages"`
			DevNames []string           `json:"dev-package-names"`
		}
		if err := decodeJSON(file, data, &v2); err != nil {
			return nil, err
		}
		if v2.Packages == nil {
			return nil, fmt.Errorf("%s: no \"packages\" list: not a composer installed.json", file)
		}
		list, devNames = *v2.Packages, v2.DevNames
	}
	dev := map[string]bool{}
	for _, n := range devNames {
		dev[strings.ToLower(n)] = true
	}
	var out []Package
	seen := map[string]bool{}
	for i, body := range list {
		p, err := parseVersion(file, body)
		if err != nil {
			return nil, fmt.Errorf("%s: package %d: %w", file, i+1, err)
		}
		if dev[p.Name] {
			continue
		}
		if seen[p.Name] {
			return nil, fmt.Errorf("%s: %s is listed twice", file, p.Name)
		}
		seen[p.Name] = true
		out = append(out, p)
	}
	sortByName(out)

	return out, nil
}

func sortByName(ps []Package) {
	sortSlice(ps, func(a, b Package) bool { return a.Name < b.Name })
}

// compareVersions orders two versions of a package by composer's rules.
func compareVersions(a, b Package) int { return semver.Compare(a.Norm, b.Norm) }
