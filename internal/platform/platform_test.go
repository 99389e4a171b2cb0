package platform_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/platform"
)

func TestPackages(t *testing.T) {
	core139 := []string{"calendar", "ctype", "dom", "fileinfo", "iconv", "intl", "json", "libxml", "mbstring", "xml", "xmlreader"}
	tests := []struct {
		name   string
		exts   []string
		debian []string
		rpm    []string
	}{
		{
			name:   "core 1.39",
			exts:   core139,
			debian: []string{"php-calendar", "php-ctype", "php-fileinfo", "php-iconv", "php-intl", "php-mbstring", "php-xml"},
			rpm:    []string{"php-common", "php-intl", "php-mbstring", "php-xml"},
		},
		{name: "pdo_sqlite", exts: []string{"pdo_sqlite"}, debian: []string{"php-sqlite3"}, rpm: []string{"php-pdo"}},
		{name: "sqlite3", exts: []string{"sqlite3"}, debian: []string{"php-sqlite3"}, rpm: []string{"php-pdo"}},
		{name: "mysqli", exts: []string{"mysqli"}, debian: []string{"php-mysql"}, rpm: []string{"php-mysqlnd"}},
		{name: "curl", exts: []string{"curl"}, debian: []string{"php-curl"}, rpm: []string{"php-common"}},
		{name: "posix", exts: []string{"posix"}, debian: []string{"php-posix"}, rpm: []string{"php-process"}},
		{name: "pcntl and readline", exts: []string{"pcntl", "readline"}, debian: []string{"php-readline"}, rpm: []string{"php-cli"}},
		{name: "sodium", exts: []string{"sodium"}, debian: []string{}, rpm: []string{"php-sodium"}},
		{name: "gettext", exts: []string{"gettext"}, debian: []string{}, rpm: []string{"php-common"}},
		{name: "apcu", exts: []string{"apcu"}, debian: []string{"php-apcu"}, rpm: []string{"php-pecl-apcu"}},
		{name: "built-ins", exts: []string{"json", "zlib", "openssl", "pcre", "hash", "session", "spl", "standard"}, debian: []string{}, rpm: []string{}},
		{name: "unknown extension", exts: []string{"foo"}, debian: []string{"php-foo"}, rpm: []string{"php-foo"}},
		{
			name:   "sorted and de-duplicated",
			exts:   []string{"xmlreader", "mbstring", "dom", "xml", "mbstring", "intl", "simplexml", "intl"},
			debian: []string{"php-intl", "php-mbstring", "php-xml"},
			rpm:    []string{"php-intl", "php-mbstring", "php-xml"},
		},
		{name: "none", exts: nil, debian: []string{}, rpm: []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, f := range []struct {
				family platform.Family
				want   []string
			}{{platform.Debian, tc.debian}, {platform.RPM, tc.rpm}} {
				got := platform.Packages(f.family, tc.exts)
				if diff := cmp.Diff(f.want, got); diff != "" {
					t.Errorf("Packages(%s, %q) mismatch (-want +got):\n%s", f.family, tc.exts, diff)
				}
			}
		})
	}
}

func TestPackagesDoesNotModifyInput(t *testing.T) {
	in := []string{"xml", "dom", "intl"}
	platform.Packages(platform.Debian, in)
	if diff := cmp.Diff([]string{"xml", "dom", "intl"}, in); diff != "" {
		t.Errorf("input changed (-want +got):\n%s", diff)
	}
}

func TestFamilies(t *testing.T) {
	if diff := cmp.Diff([]platform.Family{platform.Debian, platform.RPM}, platform.Families); diff != "" {
		t.Errorf("Families (-want +got):\n%s", diff)
	}
}
