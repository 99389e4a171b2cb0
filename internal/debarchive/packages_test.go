package debarchive

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/gzip"
	"github.com/ulikunitz/xz"
)

const (
	phpSHA      = "1111111111111111111111111111111111111111111111111111111111111111"
	libcSHA     = "2222222222222222222222222222222222222222222222222222222222222222"
	packagesTxt = `Package: php8.2-cli
Source: php8.2
Version: 8.2.28-1~deb12u1
Installed-Size: 5164
Maintainer: Debian PHP Maintainers <team+pkg-php@tracker.debian.org>
Architecture: amd64
Provides: php-cli, phpapi-20220829
Depends: libedit2 (>= 2.11-20080614-4), php8.2-common (= 8.2.28-1~deb12u1)
Pre-Depends: libc6 (>= 2.36)
Description: command-line interpreter for the PHP scripting language
 This package provides the /usr/bin/php8.2 command interpreter.
 .
 PHP (recursive acronym for PHP: Hypertext Preprocessor).
Filename: pool/main/p/php8.2/php8.2-cli_8.2.28-1~deb12u1_amd64.deb
Size: 1785112
SHA256: ` + phpSHA + `

package: libc6
version: 2.36-9+deb12u10
architecture: amd64
multi-arch: same
filename: pool/main/g/glibc/libc6_2.36-9+deb12u10_amd64.deb
size: 2757936
sha256: ` + libcSHA + `
`
)

var wantPackages = []Package{
	{Package: "php8.2-cli", Source: "php8.2", Version: "8.2.28-1~deb12u1", Architecture: "amd64",
		Filename: "pool/main/p/php8.2/php8.2-cli_8.2.28-1~deb12u1_amd64.deb", Size: 1785112, SHA256: phpSHA,
		Depends:    "libedit2 (>= 2.11-20080614-4), php8.2-common (= 8.2.28-1~deb12u1)",
		PreDepends: "libc6 (>= 2.36)", Provides: "php-cli, phpapi-20220829"},
	{Package: "libc6", Version: "2.36-9+deb12u10", Architecture: "amd64", MultiArch: "same",
		Filename: "pool/main/g/glibc/libc6_2.36-9+deb12u10_amd64.deb", Size: 2757936, SHA256: libcSHA},
}

func hashOf(b []byte) FileHash {
	s := sha256.Sum256(b)
	return FileHash{Size: int64(len(b)), SHA256: hex.EncodeToString(s[:])}
}

func compressed(t *testing.T) map[string][]byte {
	t.Helper()
	var gz, x bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(packagesTxt))
	zw.Close()
	xw, err := xz.NewWriter(&x)
	if err != nil {
		t.Fatal(err)
	}
	xw.Write([]byte(packagesTxt))
	xw.Close()
	return map[string][]byte{
		"main/binary-amd64/Packages":     []byte(packagesTxt),
		"main/binary-amd64/Packages.gz":  gz.Bytes(),
		"main/binary-amd64/Packages.xz":  x.Bytes(),
		"main/binary-amd64/Packages.bz2": []byte("BZh"),
	}
}

func TestReadPackagesIndex(t *testing.T) {
	files := compressed(t)
	rel := Release{Files: map[string]FileHash{}}
	for p, b := range files {
		rel.Files[p] = hashOf(b)
	}
	for _, p := range []string{"main/binary-amd64/Packages", "main/binary-amd64/Packages.gz", "main/binary-amd64/Packages.xz"} {
		t.Run(p, func(t *testing.T) {
			got, err := ReadPackagesIndex(rel, p, bytes.NewReader(files[p]))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantPackages, got); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}

	xzPath := "main/binary-amd64/Packages.xz"
	flipped := bytes.Clone(files[xzPath])
	flipped[len(flipped)/2] ^= 1
	longer := append(bytes.Clone(files[xzPath]), 0)
	errTests := []struct {
		name, path string
		data       []byte
		is         error
		want       string
	}{
		{"one bit flipped", xzPath, flipped, ErrHashMismatch, ""},
		{"longer", xzPath, longer, ErrHashMismatch, ""},
		{"truncated", xzPath, files[xzPath][:10], ErrHashMismatch, ""},
		{"not in the Release", "main/binary-arm64/Packages.xz", files[xzPath], nil,
			"main/binary-arm64/Packages.xz: not listed in the Release's SHA256 section"},
		{"unknown compression", "main/binary-amd64/Packages.bz2", files["main/binary-amd64/Packages.bz2"], nil,
			`main/binary-amd64/Packages.bz2: unsupported compression ".bz2" (want none, .gz or .xz)`},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadPackagesIndex(rel, tt.path, bytes.NewReader(tt.data))
			if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) || (tt.want != "" && err.Error() != tt.want) {
				t.Errorf("error = %v, want %v %q", err, tt.is, tt.want)
			}
		})
	}
}

func TestParsePackagesErrors(t *testing.T) {
	one := strings.Split(packagesTxt, "\n\n")[1]
	tests := []struct{ name, text, want string }{
		{"no SHA256", strings.Replace(one, "sha256: "+libcSHA+"\n", "", 1), "Packages: stanza at line 1: libc6: no SHA256 field"},
		{"no package", strings.Replace(one, "package: libc6\n", "", 1), "Packages: stanza at line 1: no Package field"},
		{"bad size", strings.Replace(one, "size: 2757936", "size: big", 1), `Packages: stanza at line 1: libc6: Size "big" is not a byte count`},
		{"upper-case hash", strings.Replace(one, libcSHA, strings.Repeat("A", 64), 1),
			`Packages: stanza at line 1: libc6: SHA256 "` + strings.Repeat("A", 64) + `" is not a lower-case hex SHA-256`},
		{"bad name", strings.Replace(one, "package: libc6", "package: LibC6", 1),
			`Packages: stanza at line 1: package name "LibC6" is not a Debian package name`},
		{"bad version", strings.Replace(one, "version: 2.36-9+deb12u10", "version: 2.36 9", 1),
			`Packages: stanza at line 1: libc6: version "2.36 9" is not a Debian version`},
		{"filename escapes", strings.Replace(one, "filename: pool/", "filename: ../../etc/", 1),
			`Packages: stanza at line 1: libc6: Filename "../../etc/main/g/glibc/libc6_2.36-9+deb12u10_amd64.deb" is not a clean relative path`},
		{"absolute filename", strings.Replace(one, "filename: pool/", "filename: /pool/", 1),
			`Packages: stanza at line 1: libc6: Filename "/pool/main/g/glibc/libc6_2.36-9+deb12u10_amd64.deb" is not a clean relative path`},
		{"second stanza", packagesTxt + "\nPackage: x\n", "Packages: stanza at line 26: x: no Version field"},
		{"long line", "Package: " + strings.Repeat("a", maxLine), "Packages: line 1: longer than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePackages(strings.NewReader(tt.text))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error = %v\nwant  %s", err, tt.want)
			}
		})
	}
}

func TestParsePackagesContinuation(t *testing.T) {
	// A relation folded over several lines reads as one line; a comment line is no field.
	text := "# generated\nPackage: a1\nVersion: 1.0\nArchitecture: all\nDepends: b,\n c (>= 2)\n" +
		"Filename: pool/a/a1_1.0_all.deb\nSize: 3\nSHA256: " + phpSHA + "\n"
	got, err := ParsePackages(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	want := []Package{{Package: "a1", Version: "1.0", Architecture: "all", Depends: "b, c (>= 2)",
		Filename: "pool/a/a1_1.0_all.deb", Size: 3, SHA256: phpSHA}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
}
