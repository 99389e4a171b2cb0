package composer

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// ParseManifest reads a component's composer.json. file names it in errors
// and in the positions of its links (file:line:col), which resolution
// errors quote. require is split into libraries (Require) and platform
// requirements (Platform: php, ext-*, lib-*, composer-plugin-api ...);
// require-dev is ignored, as `composer update --no-dev` ignores it.
func ParseManifest(file string, data []byte) (Package, error) {
	if !json.Valid(data) {
		var syntax any

		return Package{}, decodeJSON(file, data, &syntax)
	}
	// Positions first: they also check link values with their position,
	// which decoding through the custom map types would lose.
	pos, err := linkPositions(file, data)
	if err != nil {
		return Package{}, err
	}
	var raw rawPackage
	if err := decodeJSON(file, data, &raw); err != nil {
		return Package{}, err
	}
	p, err := raw.toPackage(file, pos)
	if err != nil {
		return Package{}, err
	}
	if p.Name != "" && !validName.MatchString(p.Name) {
		return Package{}, fmt.Errorf("%s: invalid package name %q: composer names are vendor/name in lowercase letters, digits and -_.", file, raw.Name)
	}
	for _, l := range p.Require {
		if !validName.MatchString(l.Target) {
			return Package{}, fmt.Errorf("%s: require: invalid package name %q", l.Pos, l.Target)
		}
	}
	if s := p.MinimumStability; s != "" && normalizeStability(s) == "" {
		return Package{}, fmt.Errorf("%s: minimum-stability %q is none of stable, RC, beta, alpha, dev", file, s)
	}

	return p, nil
}

// linkPositions records where each key of the top-level link sections
// (require, replace, provide, conflict) starts. The document is known to be
// valid JSON.
func linkPositions(file string, data []byte) (positions, error) {
	pos := positions{}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return pos, nil // not an object: decoding has already failed or will
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, jsonError(file, data, err)
		}
		section, _ := key.(string)
		switch section {
		case "require", "replace", "provide", "conflict":
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, jsonError(file, data, err)
			}

			continue
		}
		if err := sectionPositions(dec, data, file, section, pos); err != nil {
			return nil, err
		}
	}

	return pos, nil
}

func sectionPositions(dec *json.Decoder, data []byte, file, section string, pos positions) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		// An empty [] or a wrong type: decoding reports the latter.
		if tok == json.Delim('[') {
			for dec.More() {
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return err
				}
			}
			_, err = dec.Token()
		}

		return err
	}
	for dec.More() {
		start := skipSpace(data, dec.InputOffset())
		key, err := dec.Token()
		if err != nil {
			return err
		}
		valueAt := skipSpace(data, dec.InputOffset())
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return err
		}
		name, _ := key.(string)
		if len(value) == 0 || value[0] != '"' {
			return fmt.Errorf("%s: %s %s: the version constraint must be a string, not %s", offsetPos(file, data, valueAt), section, name, value)
		}
		pos[section+"\x00"+name] = offsetPos(file, data, start)
	}
	_, err = dec.Token() // the closing brace

	return err
}

// skipSpace moves off past whitespace and the separators the decoder has
// not consumed yet, to the first byte of the next token.
func skipSpace(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\n', '\r', ',', ':':
			off++

			continue
		}

		break
	}

	return off
}
