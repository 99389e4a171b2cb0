package registration

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

// missingModuleFiles lists the files the manifest's ResourceModules name that the tree does
// not hold, as "module: file": what a repacked source (Debian's 1.43 drops Math's bundled
// MathJax) took away from under a feature that still registers them. A module's files are
// relative to its localBasePath, or ResourceFileModulePaths' one. A manifest it cannot read
// this way is none of its business: ReadComponent has checked what MediaWiki needs.
func missingModuleFiles(fsys fs.FS, b []byte) []string {
	var m struct {
		Paths   struct{ LocalBasePath string } `json:"ResourceFileModulePaths"`
		Modules map[string]json.RawMessage     `json:"ResourceModules"`
	}
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	var out []string
	for name, raw := range m.Modules {
		var mod struct {
			LocalBasePath *string         `json:"localBasePath"`
			Scripts       json.RawMessage `json:"scripts"`
			Styles        json.RawMessage `json:"styles"`
			PackageFiles  json.RawMessage `json:"packageFiles"`
		}
		if json.Unmarshal(raw, &mod) != nil {
			continue
		}
		base := m.Paths.LocalBasePath
		if mod.LocalBasePath != nil {
			base = *mod.LocalBasePath
		}
		for _, f := range append(append(fileNames(mod.Scripts), fileNames(mod.Styles)...), fileNames(mod.PackageFiles)...) {
			p := path.Clean(path.Join(base, f))
			if !fs.ValidPath(p) {
				continue // outside the component: another component's business
			}
			if _, err := fs.Stat(fsys, p); err != nil {
				out = append(out, fmt.Sprintf("%s: %s", name, p))
			}
		}
	}
	sort.Strings(out)
	return out
}

// fileNames reads the file lists a module may give: one name, a list of names or of
// {"name", "file"} objects (packageFiles), or an object keyed by name (styles with media),
// plain names mixed in under numeric keys.
func fileNames(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		var out []string
		for _, e := range list {
			var f struct{ Name, File string }
			switch {
			case json.Unmarshal(e, &one) == nil:
				out = append(out, one)
			case json.Unmarshal(e, &f) == nil && f.File != "":
				out = append(out, f.File)
			case f.Name != "" && !virtualFile(e):
				out = append(out, f.Name)
			}
		}
		return out
	}
	var keyed map[string]json.RawMessage
	if json.Unmarshal(raw, &keyed) == nil {
		// A PHP array: "file": {"media": ...}, or a plain entry under a numeric key
		// ("0": "file").
		out := make([]string, 0, len(keyed))
		for k, v := range keyed {
			if json.Unmarshal(v, &one) == nil {
				k = one
			}
			out = append(out, k)
		}
		return out
	}
	return nil
}

// virtualFile is a packageFiles entry whose content PHP makes (a callback, or inline
// content or config): it names no file.
func virtualFile(e json.RawMessage) bool {
	var v map[string]json.RawMessage
	if json.Unmarshal(e, &v) != nil {
		return false
	}
	for _, k := range []string{"callback", "versionCallback", "content", "config"} {
		if _, ok := v[k]; ok {
			return true
		}
	}
	return false
}
