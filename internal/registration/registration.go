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
	"slices"
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
	Config          *Config  `json:"config,omitempty"` // the configuration variables it declares
	// MissingFiles are the files its ResourceModules name that its source lacks, as
	// "module: file": a repack that removed them (Debian's 1.43 took Math's MathJax out).
	MissingFiles []string `json:"missingFiles,omitempty"`
}

// Config is the configuration variables a component declares: for the core, those of
// includes/MainConfigNames.php; for an extension or skin, the keys of its "config".
//
// The core declares some 730, so the names are kept in the lock as one line: sorted,
// without their common prefix, separated by spaces. That is a twelfth of the lines a JSON
// list would take, and still greppable and readable in a word diff.
type Config struct {
	Prefix string `json:"prefix"` // config_prefix ("wg" unless the manifest says otherwise)
	Names  string `json:"names"`  // sorted, space-separated, without Prefix
}

// Variables returns the PHP global variable names the component declares, such as
// "wgEnableUploads" or "smwgQMaxSize", sorted by name without prefix.
func (in Info) Variables() []string {
	if in.Config == nil || in.Config.Names == "" {
		return nil
	}
	names := strings.Fields(in.Config.Names)
	for i, n := range names {
		names[i] = in.Config.Prefix + n
	}
	return names
}

// configName is what an edition can set: a name that makes a PHP variable name after the
// prefix. Others (with spaces, say) exist only in $GLOBALS, and would not survive being
// joined with spaces.
var configName = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

func newConfig(prefix string, names []string) *Config {
	names = slices.DeleteFunc(names, func(n string) bool { return !configName.MatchString(n) })
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	return &Config{Prefix: prefix, Names: strings.Join(slices.Compact(names), " ")}
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
	ConfigPrefix    *string                    `json:"config_prefix"`
	Config          map[string]json.RawMessage `json:"config"`
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
	if info.Config, err = readConfig(m, info.ManifestVersion); err != nil {
		return Info{}, fmt.Errorf("%s: config: %w", file, err)
	}
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
	info.MissingFiles = missingModuleFiles(fsys, b)
	return info, nil
}

// readConfig reads the configuration variables a manifest declares, as MediaWiki 1.39's
// ExtensionProcessor does: in manifest_version 2, each key of "config" is an object with a
// "value", under the prefix "config_prefix"; in version 1, each key is the value itself,
// under the prefix config._prefix, and keys starting with "@" are comments.
func readConfig(m manifest, version int) (*Config, error) {
	prefix := "wg"
	var names []string
	if version == 1 {
		if raw, ok := m.Config["_prefix"]; ok {
			if err := json.Unmarshal(raw, &prefix); err != nil {
				return nil, fmt.Errorf("_prefix is not a string")
			}
		}
		for k := range m.Config {
			if k != "_prefix" && !strings.HasPrefix(k, "@") && k != "" {
				names = append(names, k)
			}
		}
		return newConfig(prefix, names), nil
	}
	if m.ConfigPrefix != nil {
		prefix = *m.ConfigPrefix
	}
	for k, raw := range m.Config {
		var entry map[string]json.RawMessage
		if err := json.Unmarshal(raw, &entry); err != nil || entry == nil {
			return nil, fmt.Errorf("%s is not an object with a \"value\" (manifest_version 2)", k)
		}
		if _, ok := entry["value"]; !ok {
			// MediaWiki throws "Missing value for config" when it loads the extension.
			return nil, fmt.Errorf("%s has no \"value\"", k)
		}
		names = append(names, k)
	}
	return newConfig(prefix, names), nil
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
	return Info{Name: "MediaWiki", Version: string(m[1]), License: "GPL-2.0-or-later", Requires: Requires{PHP: php, PHPExtensions: exts},
		Config: coreConfig(fsys)}, nil
}

var (
	// MediaWiki 1.39 and later name every setting in MainConfigNames, generated from
	// MainConfigSchema: public const Sitename = 'Sitename'; is $wgSitename.
	mainConfigName = regexp.MustCompile(`(?m)^\s*public const [A-Za-z0-9_]+ = '([A-Za-z0-9_]+)';`)
	// Earlier releases assign each one in DefaultSettings.php.
	defaultSetting = regexp.MustCompile(`(?m)^\$wg([A-Za-z0-9_]+)\s*=`)
)

// coreConfig reads the settings a core declares; nil when it names them nowhere we know.
func coreConfig(fsys fs.FS) *Config {
	for _, src := range []struct {
		file string
		re   *regexp.Regexp
	}{{"includes/MainConfigNames.php", mainConfigName}, {"includes/DefaultSettings.php", defaultSetting}} {
		b, err := fs.ReadFile(fsys, src.file)
		if err != nil {
			continue
		}
		var names []string
		for _, m := range src.re.FindAllSubmatch(b, -1) {
			names = append(names, string(m[1]))
		}
		if c := newConfig("wg", names); c != nil {
			return c
		}
	}
	return nil
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
