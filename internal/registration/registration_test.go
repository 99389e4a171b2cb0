package registration_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/registration"
)

func files(m map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, body := range m {
		fsys[name] = &fstest.MapFile{Data: []byte(body), Mode: 0o644}
	}
	return fsys
}

func TestReadComponent(t *testing.T) {
	tests := []struct {
		name    string
		file    string // defaults to extension.json
		files   map[string]string
		want    registration.Info
		wantErr []string // substrings the error must contain; nil: no error
	}{
		{
			name:  "manifest v1: no manifest_version",
			files: map[string]string{"extension.json": `{"name": "ReplaceText", "version": "1.7", "license-name": "GPL-2.0-or-later"}`},
			want:  registration.Info{Name: "ReplaceText", Version: "1.7", License: "GPL-2.0-or-later", ManifestVersion: 1},
		},
		{
			name:  "manifest v1 written out",
			files: map[string]string{"extension.json": `{"manifest_version": 1, "name": "Old"}`},
			want:  registration.Info{Name: "Old", ManifestVersion: 1},
		},
		{
			name: "manifest v2 with version and requires",
			files: map[string]string{"extension.json": `{
				"manifest_version": 2,
				"name": "Echo",
				"version": "0.1.0",
				"license-name": "MIT",
				"requires": {
					"MediaWiki": ">= 1.39.0",
					"extensions": {"BetaFeatures": "*"},
					"skins": {"Vector": ">= 1.0"},
					"platform": {"php": ">= 7.4"}
				}
			}`},
			want: registration.Info{Name: "Echo", Version: "0.1.0", License: "MIT", ManifestVersion: 2, Requires: registration.Requires{
				MediaWiki: ">= 1.39.0", PHP: ">= 7.4",
				Extensions: map[string]string{"BetaFeatures": "*"},
				Skins:      map[string]string{"Vector": ">= 1.0"},
			}},
		},
		{
			name:  "version absent",
			files: map[string]string{"extension.json": `{"manifest_version": 2, "name": "Cite"}`},
			want:  registration.Info{Name: "Cite", ManifestVersion: 2},
		},
		{
			name:  "version null is absent",
			files: map[string]string{"extension.json": `{"manifest_version": 2, "name": "Cite", "version": null}`},
			want:  registration.Info{Name: "Cite", ManifestVersion: 2},
		},
		{
			name:  "skin.json",
			file:  "skin.json",
			files: map[string]string{"skin.json": `{"manifest_version": 2, "name": "Vector", "version": "1.0.0"}`},
			want:  registration.Info{Name: "Vector", Version: "1.0.0", ManifestVersion: 2},
		},
		{
			name:    "version is a number",
			files:   map[string]string{"extension.json": `{"manifest_version": 2, "name": "X", "version": 3}`},
			wantErr: []string{"extension.json", `"version" is not a string`},
		},
		{
			name: "manifest v2 config under the default prefix",
			files: map[string]string{"extension.json": `{"manifest_version": 2, "name": "Math", "config": {
				"MathValidModes": {"value": ["source"], "description": "..."},
				"MathDefaultLaTeXMacros": {"value": [], "merge_strategy": "provide_default"}
			}}`},
			want: registration.Info{Name: "Math", ManifestVersion: 2, Config: &registration.Config{Prefix: "wg", Names: "MathDefaultLaTeXMacros MathValidModes"}},
		},
		{
			name: "manifest v2 config_prefix",
			files: map[string]string{"extension.json": `{"manifest_version": 2, "name": "SemanticMediaWiki", "config_prefix": "smwg",
				"config": {"QMaxSize": {"value": 16}, "EnabledEditPageHelp": {"value": true, "public": true}}}`},
			want: registration.Info{Name: "SemanticMediaWiki", ManifestVersion: 2, Config: &registration.Config{Prefix: "smwg", Names: "EnabledEditPageHelp QMaxSize"}},
		},
		{
			name:  "manifest v2 config entry without value",
			files: map[string]string{"extension.json": `{"manifest_version": 2, "name": "X", "config": {"XColour": {"description": "no value"}}}`},
			// MediaWiki throws "Missing value for config XColour".
			wantErr: []string{"extension.json", "config", "XColour", `no "value"`},
		},
		{
			name:    "manifest v2 config entry that is not an object",
			files:   map[string]string{"extension.json": `{"manifest_version": 2, "name": "X", "config": {"XColour": "blue"}}`},
			wantErr: []string{"extension.json", "XColour", "manifest_version 2"},
		},
		{
			name: "manifest v1 config: values directly, _prefix, @comments",
			files: map[string]string{"extension.json": `{"name": "Maps", "config": {
				"_prefix": "eg", "MapsDefaultService": "leaflet", "@MapsDefaultService": "a comment", "MapsEnableCategory": true
			}}`},
			want: registration.Info{Name: "Maps", ManifestVersion: 1, Config: &registration.Config{Prefix: "eg", Names: "MapsDefaultService MapsEnableCategory"}},
		},
		{
			name:  "manifest v1 ignores config_prefix, as MediaWiki does",
			files: map[string]string{"extension.json": `{"name": "Old", "config_prefix": "eg", "config": {"OldThing": 1}}`},
			want:  registration.Info{Name: "Old", ManifestVersion: 1, Config: &registration.Config{Prefix: "wg", Names: "OldThing"}},
		},
		{
			name: "config keys no edition could set are left out",
			files: map[string]string{"extension.json": `{"manifest_version": 2, "name": "X", "config": {
				"X Colour": {"value": 1}, "X$": {"value": 1}, "XSize": {"value": 1}}}`},
			want: registration.Info{Name: "X", ManifestVersion: 2, Config: &registration.Config{Prefix: "wg", Names: "XSize"}},
		},
		{
			name:  "empty config",
			files: map[string]string{"extension.json": `{"manifest_version": 2, "name": "X", "config": {}}`},
			want:  registration.Info{Name: "X", ManifestVersion: 2},
		},
		{
			name:    "manifest_version 3",
			files:   map[string]string{"extension.json": `{"manifest_version": 3, "name": "X"}`},
			wantErr: []string{"extension.json", "manifest_version 3"},
		},
		{
			name:    "manifest_version 0",
			files:   map[string]string{"extension.json": `{"manifest_version": 0, "name": "X"}`},
			wantErr: []string{"manifest_version 0"},
		},
		{
			name:    "no name",
			files:   map[string]string{"extension.json": `{"manifest_version": 2}`},
			wantErr: []string{"extension.json", `no "name"`},
		},
		{
			name:  "ext-curl star",
			files: map[string]string{"extension.json": `{"manifest_version": 2, "name": "Elastica", "requires": {"platform": {"ext-curl": "*"}}}`},
			want:  registration.Info{Name: "Elastica", ManifestVersion: 2, Requires: registration.Requires{PHPExtensions: []string{"curl"}}},
		},
		{
			name:    "ext-curl with a version constraint",
			files:   map[string]string{"extension.json": `{"manifest_version": 2, "name": "Elastica", "requires": {"platform": {"ext-curl": ">= 7"}}}`},
			wantErr: []string{"extension.json", "platform.ext-curl", "not supported"},
		},
		{
			name:  "ability-shell true",
			files: map[string]string{"extension.json": `{"manifest_version": 2, "name": "Score", "requires": {"platform": {"ability-shell": true}}}`},
			want:  registration.Info{Name: "Score", ManifestVersion: 2, Requires: registration.Requires{Abilities: []string{"shell"}}},
		},
		{
			name:  "ability-shell false",
			files: map[string]string{"extension.json": `{"manifest_version": 2, "name": "Score", "requires": {"platform": {"ability-shell": false}}}`},
			want:  registration.Info{Name: "Score", ManifestVersion: 2},
		},
		{
			name:    "ability-shell not a boolean",
			files:   map[string]string{"extension.json": `{"manifest_version": 2, "name": "Score", "requires": {"platform": {"ability-shell": "yes"}}}`},
			wantErr: []string{"platform.ability-shell", "true or false"},
		},
		{
			name:    "unknown ability",
			files:   map[string]string{"extension.json": `{"manifest_version": 2, "name": "X", "requires": {"platform": {"ability-foo": true}}}`},
			wantErr: []string{"extension.json", "platform.ability-foo", "unknown ability"},
		},
		{
			name:    "unknown platform key",
			files:   map[string]string{"extension.json": `{"manifest_version": 2, "name": "X", "requires": {"platform": {"lib-icu": ">= 60"}}}`},
			wantErr: []string{"extension.json", "platform.lib-icu", "unknown platform requirement"},
		},
		{
			name:    "unknown top-level requires key",
			files:   map[string]string{"extension.json": `{"manifest_version": 2, "name": "X", "requires": {"composer": {"a/b": "1.0"}}}`},
			wantErr: []string{"extension.json", `unknown dependency type "composer"`},
		},
		{
			name:    "extensions not an object of strings",
			files:   map[string]string{"extension.json": `{"manifest_version": 2, "name": "X", "requires": {"extensions": {"A": 1}}}`},
			wantErr: []string{"extensions: not an object of strings"},
		},
		{
			name: "composer.json requirements merged",
			files: map[string]string{
				"extension.json": `{"manifest_version": 2, "name": "TemplateData", "requires": {"platform": {"ext-curl": "*", "ext-MBString": "*"}}}`,
				"composer.json": `{
					"require": {"php": ">=7.4.3", "ext-zlib": "*", "ext-curl": "*", "wikimedia/at-ease": "2.1.0"},
					"require-dev": {"ext-xdebug": "*", "php": ">=8.0"}
				}`,
			},
			want: registration.Info{Name: "TemplateData", ManifestVersion: 2, Requires: registration.Requires{
				PHP:           ">=7.4.3",
				PHPExtensions: []string{"curl", "mbstring", "zlib"},
			}},
		},
		{
			name: "platform php wins over composer php",
			files: map[string]string{
				"extension.json": `{"manifest_version": 2, "name": "X", "requires": {"platform": {"php": ">= 8.0"}}}`,
				"composer.json":  `{"require": {"php": ">=7.4.3"}}`,
			},
			want: registration.Info{Name: "X", ManifestVersion: 2, Requires: registration.Requires{PHP: ">= 8.0"}},
		},
		{
			name: "invalid composer.json",
			files: map[string]string{
				"extension.json": `{"manifest_version": 2, "name": "X"}`,
				"composer.json":  `{"require": `,
			},
			wantErr: []string{"composer.json"},
		},
		{
			name:  "LoadExtensionSchemaUpdates hook",
			files: map[string]string{"extension.json": `{"manifest_version": 2, "name": "X", "Hooks": {"LoadExtensionSchemaUpdates": "X\\Hooks::onUpdate", "BeforePageDisplay": "main"}}`},
			want:  registration.Info{Name: "X", ManifestVersion: 2, SchemaUpdates: true},
		},
		{
			name:  "other hooks only",
			files: map[string]string{"extension.json": `{"manifest_version": 2, "name": "X", "Hooks": {"BeforePageDisplay": "main"}}`},
			want:  registration.Info{Name: "X", ManifestVersion: 2},
		},
		{
			name:    "invalid JSON",
			files:   map[string]string{"extension.json": `{"manifest_version": 2, "name": "X",}`},
			wantErr: []string{"extension.json:"},
		},
		{
			name:    "invalid JSON in skin.json",
			file:    "skin.json",
			files:   map[string]string{"skin.json": `not json`},
			wantErr: []string{"skin.json:"},
		},
		{
			name:    "missing file",
			files:   map[string]string{"composer.json": `{}`},
			wantErr: []string{"reading extension.json"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := tc.file
			if file == "" {
				file = "extension.json"
			}
			got, err := registration.ReadComponent(files(tc.files), file)
			if tc.wantErr != nil {
				if err == nil {
					t.Fatalf("ReadComponent succeeded with %+v, want an error containing %q", got, tc.wantErr)
				}
				for _, s := range tc.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadComponent: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ReadComponent mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadCore(t *testing.T) {
	const defines = "<?php\n/**\n * A few constants.\n */\n\ndefine( 'MW_VERSION', '1.39.17' );\n\ndefine( 'NS_MAIN', 0 );\n"
	tests := []struct {
		name    string
		files   map[string]string
		want    registration.Info
		wantErr string
	}{
		{
			name:  "Defines.php only",
			files: map[string]string{"includes/Defines.php": defines},
			want:  registration.Info{Name: "MediaWiki", Version: "1.39.17", License: "GPL-2.0-or-later"},
		},
		{
			name: "with composer.json",
			files: map[string]string{
				"includes/Defines.php": defines,
				"composer.json":        `{"require": {"php": ">=7.4.3", "ext-xml": "*", "ext-ctype": "*", "composer/semver": "3.3.2"}, "require-dev": {"ext-pcov": "*"}}`,
			},
			want: registration.Info{Name: "MediaWiki", Version: "1.39.17", License: "GPL-2.0-or-later", Requires: registration.Requires{
				PHP: ">=7.4.3", PHPExtensions: []string{"ctype", "xml"},
			}},
		},
		{
			name:  "compact define",
			files: map[string]string{"includes/Defines.php": "<?php define('MW_VERSION','1.40.0-alpha');"},
			want:  registration.Info{Name: "MediaWiki", Version: "1.40.0-alpha", License: "GPL-2.0-or-later"},
		},
		{
			name: "settings from MainConfigNames.php",
			files: map[string]string{
				"includes/Defines.php": defines,
				"includes/MainConfigNames.php": "<?php\nclass MainConfigNames {\n\t/**\n\t * Name constant for the Sitename setting.\n\t */\n" +
					"\tpublic const Sitename = 'Sitename';\n\tpublic const EnableUploads = 'EnableUploads';\n}\n",
				// Ignored when MainConfigNames.php names the settings.
				"includes/DefaultSettings.php": "<?php\n$wgOther = 1;\n",
			},
			want: registration.Info{Name: "MediaWiki", Version: "1.39.17", License: "GPL-2.0-or-later",
				Config: &registration.Config{Prefix: "wg", Names: "EnableUploads Sitename"}},
		},
		{
			name: "settings from DefaultSettings.php before 1.39",
			files: map[string]string{
				"includes/Defines.php":         defines,
				"includes/DefaultSettings.php": "<?php\n$wgSitename = 'MediaWiki';\n$wgServer = WebRequest::detectServer();\n  $wgIndented = 1;\n$wgSitename = 'again';\n",
			},
			want: registration.Info{Name: "MediaWiki", Version: "1.39.17", License: "GPL-2.0-or-later",
				Config: &registration.Config{Prefix: "wg", Names: "Server Sitename"}},
		},
		{
			name:    "no MW_VERSION",
			files:   map[string]string{"includes/Defines.php": "<?php\ndefine( 'NS_MAIN', 0 );\n"},
			wantErr: "does not define MW_VERSION",
		},
		{
			name:    "no Defines.php",
			files:   map[string]string{"index.php": "<?php"},
			wantErr: "includes/Defines.php",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := registration.ReadCore(files(tc.files))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ReadCore error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadCore: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ReadCore mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVariables(t *testing.T) {
	for _, tc := range []struct {
		in   registration.Info
		want []string
	}{
		{registration.Info{}, nil},
		{registration.Info{Config: &registration.Config{Prefix: "smwg", Names: "EnabledEditPageHelp QMaxSize"}}, []string{"smwgEnabledEditPageHelp", "smwgQMaxSize"}},
		{registration.Info{Config: &registration.Config{Prefix: "", Names: "GlobalOfItsOwn"}}, []string{"GlobalOfItsOwn"}},
	} {
		if diff := cmp.Diff(tc.want, tc.in.Variables()); diff != "" {
			t.Errorf("Variables of %+v (-want +got):\n%s", tc.in.Config, diff)
		}
	}
}
