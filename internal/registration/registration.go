// Package registration reads what MediaWiki itself reads about a component before loading
// it: extension.json or skin.json (name, version, licence, requires) and composer.json's
// platform requirements, plus the core's version from includes/Defines.php. It applies the
// same validity rules MediaWiki's ExtensionRegistry and VersionChecker do, so an edition
// that would fail at request time fails at build time instead.
package registration

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
)

// Info is what resolution needs to know about a component. It is stored in editions.lock,
// so its JSON form is part of the lock format: keep it sorted and stable.
type Info struct {
	Name            string   `json:"name"`                      // "name" in extension.json (may differ from the directory)
	Version         string   `json:"version,omitempty"`         // declared version, if any
	License         string   `json:"license,omitempty"`         // license-name
	ManifestVersion int      `json:"manifestVersion,omitempty"` // 1 or 2; 0 for the core
	SchemaUpdates   bool     `json:"schemaUpdates,omitempty"`   // registers LoadExtensionSchemaUpdates: upgrades need update.php
	Requires        Requires `json:"requires"`
}

// Requires is the requires section, normalised.
type Requires struct {
	MediaWiki     string            `json:"MediaWiki,omitempty"`
	PHP           string            `json:"php,omitempty"`
	Extensions    map[string]string `json:"extensions,omitempty"`
	Skins         map[string]string `json:"skins,omitempty"`
	PHPExtensions []string          `json:"phpExtensions,omitempty"` // without "ext-", sorted
	Abilities     []string          `json:"abilities,omitempty"`     // sorted
}

// Abilities MediaWiki 1.39 knows; requiring any other one is fatal there.
var knownAbilities = map[string]bool{"shell": true}

type manifest struct {
	ManifestVersion *int                       `json:"manifest_version"`
	Name            string                     `json:"name"`
	Version         json.RawMessage            `json:"version"`
	License         string                     `json:"license-name"`
	Requires        map[string]json.RawMessage `json:"requires"`
	Hooks           map[string]json.RawMessage `json:"Hooks"`
}

// ReadComponent reads a component's registration file ("extension.json" or "skin.json")
// and its composer.json, if present, from fsys.
func ReadComponent(fsys fs.FS, file string) (Info, error) {
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return Info{}, fmt.Errorf("reading %s: %w", file, err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return Info{}, fmt.Errorf("%s: %w", file, err)
	}
	info := Info{Name: m.Name, License: m.License, ManifestVersion: 1}
	if m.ManifestVersion != nil {
		info.ManifestVersion = *m.ManifestVersion
	}
	if info.ManifestVersion < 1 || info.ManifestVersion > 2 {
		return Info{}, fmt.Errorf("%s: unsupported manifest_version %d (MediaWiki 1.39 reads 1 and 2)", file, info.ManifestVersion)
	}
	if m.Name == "" {
		return Info{}, fmt.Errorf("%s: no \"name\"", file)
	}
	if len(m.Version) > 0 && string(m.Version) != "null" {
		if err := json.Unmarshal(m.Version, &info.Version); err != nil {
			return Info{}, fmt.Errorf("%s: \"version\" is not a string", file)
		}
	}
	_, info.SchemaUpdates = m.Hooks["LoadExtensionSchemaUpdates"]
	if info.Requires, err = parseRequires(m.Requires); err != nil {
		return Info{}, fmt.Errorf("%s: requires: %w", file, err)
	}
	exts, php, err := readComposer(fsys)
	if err != nil {
		return Info{}, err
	}
	info.Requires.PHPExtensions = union(info.Requires.PHPExtensions, exts)
	if info.Requires.PHP == "" {
		info.Requires.PHP = php
	}
	return info, nil
}

func parseRequires(raw map[string]json.RawMessage) (Requires, error) {
	var r Requires
	keys := sortedKeys(raw)
	for _, k := range keys {
		v := raw[k]
		switch k {
		case "MediaWiki":
			if err := json.Unmarshal(v, &r.MediaWiki); err != nil {
				return r, fmt.Errorf("MediaWiki: not a string")
			}
		case "extensions", "skins":
			m := map[string]string{}
			if err := json.Unmarshal(v, &m); err != nil {
				return r, fmt.Errorf("%s: not an object of strings", k)
			}
			if len(m) == 0 {
				continue
			}
			if k == "extensions" {
				r.Extensions = m
			} else {
				r.Skins = m
			}
		case "platform":
			pm := map[string]json.RawMessage{}
			if err := json.Unmarshal(v, &pm); err != nil {
				return r, fmt.Errorf("platform: not an object")
			}
			for _, pk := range sortedKeys(pm) {
				pv := pm[pk]
				switch {
				case pk == "php":
					if err := json.Unmarshal(pv, &r.PHP); err != nil {
						return r, fmt.Errorf("platform.php: not a string")
					}
				case strings.HasPrefix(pk, "ext-"):
					var c string
					if err := json.Unmarshal(pv, &c); err != nil || c != "*" {
						// MediaWiki throws here: it cannot check PHP extension versions.
						return r, fmt.Errorf("platform.%s: version constraints for PHP extensions are not supported, use \"*\"", pk)
					}
					r.PHPExtensions = append(r.PHPExtensions, strings.ToLower(strings.TrimPrefix(pk, "ext-")))
				case strings.HasPrefix(pk, "ability-"):
					name := strings.TrimPrefix(pk, "ability-")
					var want bool
					if err := json.Unmarshal(pv, &want); err != nil {
						return r, fmt.Errorf("platform.%s: must be true or false", pk)
					}
					if !knownAbilities[name] {
						return r, fmt.Errorf("platform.%s: unknown ability (MediaWiki 1.39 knows only ability-shell)", pk)
					}
					if want {
						r.Abilities = append(r.Abilities, name)
					}
				default:
					return r, fmt.Errorf("platform.%s: unknown platform requirement", pk)
				}
			}
		default:
			return r, fmt.Errorf("unknown dependency type %q (MediaWiki accepts MediaWiki, platform, extensions and skins)", k)
		}
	}
	sort.Strings(r.PHPExtensions)
	sort.Strings(r.Abilities)
	return r, nil
}

// readComposer returns the PHP extensions and PHP constraint composer.json requires (not
// require-dev): the same run-time needs, declared for composer.
func readComposer(fsys fs.FS) ([]string, string, error) {
	b, err := fs.ReadFile(fsys, "composer.json")
	if err != nil {
		return nil, "", nil // optional
	}
	var c struct {
		Require map[string]string `json:"require"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, "", fmt.Errorf("composer.json: %w", err)
	}
	var exts []string
	for k := range c.Require {
		if strings.HasPrefix(k, "ext-") {
			exts = append(exts, strings.ToLower(strings.TrimPrefix(k, "ext-")))
		}
	}
	sort.Strings(exts)
	return exts, c.Require["php"], nil
}

var mwVersion = regexp.MustCompile(`define\(\s*'MW_VERSION',\s*'([^']+)'\s*\)`)

// ReadCore reads the core's registration facts: the version it declares in
// includes/Defines.php and the platform requirements of its composer.json.
func ReadCore(fsys fs.FS) (Info, error) {
	b, err := fs.ReadFile(fsys, "includes/Defines.php")
	if err != nil {
		return Info{}, fmt.Errorf("reading includes/Defines.php (is this a MediaWiki release?): %w", err)
	}
	m := mwVersion.FindSubmatch(b)
	if m == nil {
		return Info{}, fmt.Errorf("includes/Defines.php does not define MW_VERSION")
	}
	exts, php, err := readComposer(fsys)
	if err != nil {
		return Info{}, err
	}
	return Info{Name: "MediaWiki", Version: string(m[1]), License: "GPL-2.0-or-later", Requires: Requires{PHP: php, PHPExtensions: exts}}, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func union(a, b []string) []string {
	set := map[string]bool{}
	for _, s := range append(append([]string{}, a...), b...) {
		set[s] = true
	}
	if len(set) == 0 {
		return nil
	}
	return sortedKeys(set)
}
