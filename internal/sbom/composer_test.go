package sbom

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const installed2 = `{
  "packages": [
    {"name": "wikimedia/parsoid", "version": "v0.16.6",
     "source": {"type": "git", "url": "https://github.com/wikimedia/parsoid.git", "reference": "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"},
     "dist": {"type": "zip", "url": "https://api.github.com/repos/wikimedia/parsoid/zipball/a1b2c3", "reference": "a1b2c3", "shasum": ""},
     "license": ["GPL-2.0-or-later"]},
    {"name": "pear/net_socket", "version": "v1.2.2", "license": ["PHP License"],
     "dist": {"type": "tar", "url": "https://pear.php.net/get/Net_Socket-1.2.2.tgz", "shasum": "0123456789abcdef0123456789abcdef01234567"}},
    {"name": "psr/log", "version": "1.1.4", "license": "MIT"}
  ],
  "dev": false,
  "dev-package-names": []
}`

func TestParseInstalled(t *testing.T) {
	want := []Library{
		{Name: "pear/net_socket", Version: "v1.2.2", Licenses: []string{"PHP License"},
			DistType: "tar", DistURL: "https://pear.php.net/get/Net_Socket-1.2.2.tgz", DistSHA1: "0123456789abcdef0123456789abcdef01234567"},
		{Name: "psr/log", Version: "1.1.4", Licenses: []string{"MIT"}},
		{Name: "wikimedia/parsoid", Version: "v0.16.6", Licenses: []string{"GPL-2.0-or-later"},
			SourceType: "git", SourceURL: "https://github.com/wikimedia/parsoid.git", SourceRef: "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
			DistType: "zip", DistURL: "https://api.github.com/repos/wikimedia/parsoid/zipball/a1b2c3"},
	}
	got, err := ParseInstalled([]byte(installed2))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("composer 2 format (-want +got):\n%s", diff)
	}
	// Composer 1 wrote the list alone.
	v1 := installed2[strings.Index(installed2, "[") : strings.Index(installed2, "\n  ],")+4]
	got, err = ParseInstalled([]byte(v1))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("composer 1 format (-want +got):\n%s", diff)
	}
}

func TestParseInstalledRefuses(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`{"dev": false}`, `no "packages" list`},
		{`{"packages": [{"name": "NoVendor", "version": "1.0"}]}`, `"NoVendor" is not a composer package name`},
		{`{"packages": [{"name": "a/b"}]}`, "package a/b has no version"},
		{`{"packages": [{"name": "a/b", "version": "1", "license": 3}]}`, "package a/b: license: neither a string nor a list"},
		{`{"packages": [`, "unexpected end of JSON"},
		{`"just a string"`, "cannot unmarshal string"},
	} {
		_, err := ParseInstalled([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseInstalled(%s) = %v, want an error saying %q", tt.in, err, tt.want)
		}
	}
}

// FuzzParseInstalled checks that no input crashes the parser, and that what it accepts
// has the names, versions and order an SBOM relies on.
func FuzzParseInstalled(f *testing.F) {
	f.Add([]byte(installed2))
	f.Add([]byte(`[{"name": "a/b", "version": "1.0", "license": ["MIT", "GPL-2.0+"]}]`))
	f.Add([]byte(`{"packages": null}`))
	f.Add([]byte(`{"packages": [{"name": "a/b", "version": "1", "source": null, "dist": {"shasum": 1}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		libs, err := ParseInstalled(b)
		if err != nil {
			return
		}
		for i, l := range libs {
			if !composerName.MatchString(l.Name) || l.Version == "" {
				t.Fatalf("accepted library %+v", l)
			}
			if i > 0 && (libs[i-1].Name > l.Name || libs[i-1].Name == l.Name && libs[i-1].Version > l.Version) {
				t.Fatalf("libraries not sorted: %+v before %+v", libs[i-1], l)
			}
			// Whatever a library declares normalises to something a document can hold.
			lic := NormalizeLicenses(l.Licenses)
			for _, r := range lic.Refs {
				if !refRE.MatchString(r.ID) {
					t.Fatalf("licence %q of %s gave the reference %q", l.Licenses, l.Name, r.ID)
				}
			}
		}
	})
}
