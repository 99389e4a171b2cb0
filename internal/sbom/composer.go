package sbom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
)

// InstalledJSON is where composer records what it installed, relative to a component's tree.
const InstalledJSON = "vendor/composer/installed.json"

// Library is one composer package a component's tree ships in vendor/.
type Library struct {
	Name     string   // vendor/name, lower case
	Version  string   // as composer writes it: "v2.0.0", "1.6.0", "dev-master"
	Licenses []string // composer's "license": a choice between them
	// Source is where composer took the package from: for git, the repository and the
	// commit (reference) the installed files are.
	SourceType, SourceURL, SourceRef string
	// Dist is the archive composer downloaded; DistSHA1 is empty when composer recorded
	// none (as for every package of MediaWiki 1.39's vendor/).
	DistType, DistURL, DistSHA1 string
}

// composerName is what composer accepts as a package name.
var composerName = regexp.MustCompile(`^[a-z0-9]([_.-]?[a-z0-9]+)*/[a-z0-9](([_.]|-{1,2})?[a-z0-9]+)*$`)

type installedPackage struct {
	Name    string          `json:"name"`
	Version string          `json:"version"`
	License json.RawMessage `json:"license"`
	Source  *struct {
		Type      string `json:"type"`
		URL       string `json:"url"`
		Reference string `json:"reference"`
	} `json:"source"`
	Dist *struct {
		Type   string `json:"type"`
		URL    string `json:"url"`
		Shasum string `json:"shasum"`
	} `json:"dist"`
}

// maxInstalled bounds the installed.json read into memory: MediaWiki's is 300 kB.
const maxInstalled = 32 << 20

// ParseInstalled reads composer's installed.json: composer 2's {"packages": [...]} or
// composer 1's bare list. The libraries come back sorted by name and version. A package
// without a valid name or version is an error: an SBOM must not silently drop one.
func ParseInstalled(b []byte) ([]Library, error) {
	if len(b) > maxInstalled {
		return nil, fmt.Errorf("%s is larger than %d bytes", InstalledJSON, maxInstalled)
	}
	b = bytes.TrimSpace(b)
	var pkgs []installedPackage
	switch {
	case len(b) > 0 && b[0] == '[':
		if err := json.Unmarshal(b, &pkgs); err != nil {
			return nil, fmt.Errorf("%s: %w", InstalledJSON, err)
		}
	default:
		var doc struct {
			Packages *[]installedPackage `json:"packages"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", InstalledJSON, err)
		}
		if doc.Packages == nil {
			return nil, fmt.Errorf("%s: no \"packages\" list (neither composer 2's format nor composer 1's)", InstalledJSON)
		}
		pkgs = *doc.Packages
	}
	libs := make([]Library, 0, len(pkgs))
	for i, p := range pkgs {
		if !composerName.MatchString(p.Name) {
			return nil, fmt.Errorf("%s: package %d: %q is not a composer package name (vendor/name)", InstalledJSON, i+1, p.Name)
		}
		if p.Version == "" {
			return nil, fmt.Errorf("%s: package %s has no version", InstalledJSON, p.Name)
		}
		l := Library{Name: p.Name, Version: p.Version}
		var err error
		if l.Licenses, err = licenseList(p.License); err != nil {
			return nil, fmt.Errorf("%s: package %s: license: %w", InstalledJSON, p.Name, err)
		}
		if p.Source != nil {
			l.SourceType, l.SourceURL, l.SourceRef = p.Source.Type, p.Source.URL, p.Source.Reference
		}
		if p.Dist != nil {
			l.DistType, l.DistURL, l.DistSHA1 = p.Dist.Type, p.Dist.URL, p.Dist.Shasum
		}
		libs = append(libs, l)
	}
	sort.Slice(libs, func(i, j int) bool {
		if libs[i].Name != libs[j].Name {
			return libs[i].Name < libs[j].Name
		}
		return libs[i].Version < libs[j].Version
	})
	return libs, nil
}

// licenseList reads composer's "license": a list of names, a single name, or nothing.
func licenseList(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		return list, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err != nil {
		return nil, fmt.Errorf("neither a string nor a list of strings")
	}
	return []string{one}, nil
}
