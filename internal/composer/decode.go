package composer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/mwedition/mwedition/internal/semver"
)

// rawPackage is the composer.json shape shared by components, repositories
// and installed.json. PHP writes an empty map as [], so every map-valued
// field accepts an empty array too.
type rawPackage struct {
	Name     string          `json:"name"`
	Version  string          `json:"version"`
	Type     string          `json:"type"`
	License  stringList      `json:"license"`
	Require  stringMap       `json:"require"`
	Replace  stringMap       `json:"replace"`
	Provide  stringMap       `json:"provide"`
	Conflict stringMap       `json:"conflict"`
	Autoload rawAutoload     `json:"autoload"`
	Dist     *rawDist        `json:"dist"`
	Source   *rawDist        `json:"source"`
	Extra    json.RawMessage `json:"extra"`

	MinimumStability string `json:"minimum-stability"`
	PreferStable     bool   `json:"prefer-stable"`
}

// UnmarshalJSON reads the keys composer reads: PHP's json_decode is case-sensitive, so
// "Require" is not "require" (encoding/json would take it for one), and composer
// ignores it.
func (p *rawPackage) UnmarshalJSON(b []byte) error {
	b, err := exactKeys(b, rawPackageKeys)
	if err != nil {
		return err
	}
	type plain rawPackage

	return json.Unmarshal(b, (*plain)(p))
}

var (
	rawPackageKeys  = jsonKeys(reflect.TypeOf(rawPackage{}))
	rawDistKeys     = jsonKeys(reflect.TypeOf(rawDist{}))
	rawAutoloadKeys = jsonKeys(reflect.TypeOf(rawAutoload{}))
)

// jsonKeys are the keys of a struct's json tags.
func jsonKeys(t reflect.Type) map[string]bool {
	keys := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); k != "" && k != "-" {
			keys[k] = true
		}
	}
	return keys
}

// exactKeys drops the members of a JSON object whose key is not spelt exactly as one of
// keys; anything but an object is returned as it is, for decoding to judge.
func exactKeys(b []byte, keys map[string]bool) ([]byte, error) {
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
		return b, nil
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil {
		return nil, err
	}
	for k := range members {
		if !keys[k] {
			delete(members, k)
		}
	}
	return json.Marshal(members)
}

type rawDist struct {
	Type      string `json:"type"`
	URL       string `json:"url"`
	Reference string `json:"reference"`
	Shasum    string `json:"shasum"`
	SHA256    string `json:"sha256"`
}

type rawAutoload struct {
	PSR4     pathMap    `json:"psr-4"`
	PSR0     pathMap    `json:"psr-0"`
	Classmap stringList `json:"classmap"`
	Files    stringList `json:"files"`
	Exclude  stringList `json:"exclude-from-classmap"`
}

func (a *rawAutoload) UnmarshalJSON(b []byte) error {
	if isEmptyArray(b) {
		return nil
	}
	b, err := exactKeys(b, rawAutoloadKeys)
	if err != nil {
		return err
	}
	type plain rawAutoload

	return json.Unmarshal(b, (*plain)(a))
}

func (d *rawDist) UnmarshalJSON(b []byte) error {
	b, err := exactKeys(b, rawDistKeys)
	if err != nil {
		return err
	}
	type plain rawDist

	return json.Unmarshal(b, (*plain)(d))
}

// stringMap is a JSON object of strings, or [] for an empty one.
type stringMap map[string]string

func (m *stringMap) UnmarshalJSON(b []byte) error {
	if isEmptyArray(b) {
		return nil
	}

	return json.Unmarshal(b, (*map[string]string)(m))
}

// stringList is a string or a list of strings.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*l = []string{s}

		return nil
	}

	return json.Unmarshal(b, (*[]string)(l))
}

// pathMap is an autoload map whose values are a path or a list of paths.
type pathMap map[string]stringList

func (m *pathMap) UnmarshalJSON(b []byte) error {
	if isEmptyArray(b) {
		return nil
	}

	return json.Unmarshal(b, (*map[string]stringList)(m))
}

func isEmptyArray(b []byte) bool {
	return bytes.Equal(bytes.Join(bytes.Fields(b), nil), []byte("[]"))
}

// positions maps "section\x00target" to where the link was written.
type positions map[string]Pos

// toPackage checks raw and converts it. file names the source in errors;
// pos, if not nil, gives link positions.
func (raw rawPackage) toPackage(file string, pos positions) (Package, error) {
	p := Package{
		Name:             strings.ToLower(raw.Name),
		PrettyName:       raw.Name,
		Version:          raw.Version,
		Type:             raw.Type,
		License:          raw.License,
		MinimumStability: raw.MinimumStability,
		PreferStable:     raw.PreferStable,
	}
	if p.Type == "" {
		p.Type = "library"
	}
	if p.Version != "" {
		v, err := semver.ParseVersion(p.Version)
		if err != nil {
			return Package{}, fmt.Errorf("%s: %s: %w", file, p.Name, err)
		}
		p.Norm = v
	}
	var err error
	var requires []Link
	if requires, err = links(raw.Require, "require", p, file, pos); err != nil {
		return Package{}, err
	}
	for _, l := range requires {
		if IsPlatform(l.Target) {
			p.Platform = append(p.Platform, l)
		} else {
			p.Require = append(p.Require, l)
		}
	}
	if p.Replace, err = links(raw.Replace, "replace", p, file, pos); err != nil {
		return Package{}, err
	}
	if p.Provide, err = links(raw.Provide, "provide", p, file, pos); err != nil {
		return Package{}, err
	}
	if p.Conflict, err = links(raw.Conflict, "conflict", p, file, pos); err != nil {
		return Package{}, err
	}
	p.Autoload = raw.Autoload.convert()
	if raw.Dist != nil {
		d := Dist(*raw.Dist)
		p.Dist = &d
	}
	if raw.Source != nil {
		p.Source = &Source{Type: raw.Source.Type, URL: raw.Source.URL, Reference: raw.Source.Reference}
	}
	p.InstallerName, p.BranchAlias = readExtra(raw.Extra)

	return p, nil
}

func (a rawAutoload) convert() Autoload {
	out := Autoload{Classmap: a.Classmap, Files: a.Files, Exclude: a.Exclude}
	conv := func(m pathMap) map[string][]string {
		if len(m) == 0 {
			return nil
		}
		r := make(map[string][]string, len(m))
		for k, v := range m {
			r[k] = v
		}

		return r
	}
	out.PSR4, out.PSR0 = conv(a.PSR4), conv(a.PSR0)

	return out
}

// readExtra reads extra.installer-name and extra.branch-alias, ignoring
// them when they are not a string and an object of strings (extra is free
// for all, and composer ignores what it cannot use there).
func readExtra(extra json.RawMessage) (string, map[string]string) {
	var e struct {
		InstallerName json.RawMessage `json:"installer-name"`
		BranchAlias   json.RawMessage `json:"branch-alias"`
	}
	if len(extra) == 0 || json.Unmarshal(extra, &e) != nil {
		return "", nil
	}
	var name string
	var alias map[string]string
	_ = json.Unmarshal(e.InstallerName, &name)
	_ = json.Unmarshal(e.BranchAlias, &alias)

	return name, alias
}

// links parses one link section, sorted by target. "self.version" stands
// for the package's own version, as in composer.
func links(m stringMap, section string, p Package, file string, pos positions) ([]Link, error) {
	out := make([]Link, 0, len(m))
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names) // map order must not reach errors or results
	for _, name := range names {
		text := m[name]
		at := pos[section+"\x00"+name]
		if at.File == "" {
			at = Pos{File: file}
		}
		target := strings.ToLower(strings.TrimSpace(name))
		if target == "" {
			return nil, fmt.Errorf("%s: %s: empty package name", at, section)
		}
		if strings.TrimSpace(text) == "self.version" {
			if p.Version == "" {
				// A root package without a version: composer would take
				// it from the VCS; nothing can match it here.
				text = "dev-self.version-unknown"
			} else {
				text = p.Version
			}
		}
		c, err := semver.ParseConstraint(text)
		if err != nil {
			return nil, fmt.Errorf("%s: %s %s: %w", at, section, name, err)
		}
		out = append(out, Link{Target: target, Constraint: c, Pos: at})
	}
	sortLinks(out)

	return out, nil
}

// jsonError turns a decoding error into one naming file:line:col.
func jsonError(file string, data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off := syn.Offset
		if off < int64(len(data)) && off > 0 {
			off-- // Offset counts the offending byte; point at it
		}

		return fmt.Errorf("%s: invalid JSON: %w", offsetPos(file, data, off), err)
	case errors.As(err, &typ):
		what := typ.Field
		if what == "" {
			what = "value"
		}

		return fmt.Errorf("%s: %s: expected %s, found JSON %s", offsetPos(file, data, typ.Offset), what, jsonKind(typ.Type), typ.Value)
	}

	return fmt.Errorf("%s: %w", file, err)
}

// jsonKind names what JSON a Go type decodes from, for errors that people read.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another value"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	if t.Kind() >= reflect.Int && t.Kind() <= reflect.Float64 {
		return "a number"
	}
	return t.String()
}

// offsetPos converts a byte offset into data to a line and column (in
// bytes, 1-based).
func offsetPos(file string, data []byte, off int64) Pos {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1

	return Pos{File: file, Line: line, Col: col}
}

// decodeJSON decodes data into v, with errors naming file:line:col.
func decodeJSON(file string, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return jsonError(file, data, err)
	}

	return nil
}
