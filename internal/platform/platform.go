// Package platform maps PHP platform requirements (composer's ext-* names, as extension.json
// and composer.json declare them) to the OS packages that provide them, per distribution
// family. Debian and Fedora/RHEL split PHP differently, and extensions compiled into PHP
// itself get no dependency at all.
package platform

import "sort"

// Family is a distribution family.
type Family string

// The families mwedition packages for.
const (
	Debian Family = "debian"
	RPM    Family = "rpm"
)

// Families lists every family, sorted.
var Families = []Family{Debian, RPM}

// builtin extensions are compiled into every PHP 8 SAPI on both families (php -n -m).
var builtin = set("core", "date", "filter", "hash", "json", "libxml", "openssl", "pcre", "random",
	"reflection", "session", "spl", "standard", "zlib")

// debian maps an extension to its php-defaults virtual package. Missing ones use php-<ext>.
var debian = map[string]string{
	"sodium": "", "pcntl": "", // built into php8.2-cli / libsodium in core on Debian
	"gettext": "", // in php8.2-common, which provides no php-gettext virtual package
	"dom":     "php-xml", "xml": "php-xml", "xmlreader": "php-xml", "xmlwriter": "php-xml", "simplexml": "php-xml", "xsl": "php-xml",
	"mysqli": "php-mysql", "mysqlnd": "php-mysql", "pdo_mysql": "php-mysql",
	"pdo_sqlite": "php-sqlite3", "sqlite3": "php-sqlite3",
	"pdo_pgsql": "php-pgsql",
}

// rpm maps an extension to the capability Fedora's php packages provide. Missing ones use php-<ext>.
var rpm = map[string]string{
	"sodium": "php-sodium",
	"dom":    "php-xml", "xml": "php-xml", "xmlreader": "php-xml", "xmlwriter": "php-xml", "simplexml": "php-xml", "xsl": "php-xml",
	"mysqli": "php-mysqlnd", "mysqlnd": "php-mysqlnd", "pdo_mysql": "php-mysqlnd",
	"pdo": "php-pdo", "pdo_sqlite": "php-pdo", "sqlite3": "php-pdo",
	"posix": "php-process", "shmop": "php-process", "sysvmsg": "php-process", "sysvsem": "php-process", "sysvshm": "php-process",
	"pcntl": "php-cli", "readline": "php-cli",
	"apcu": "php-pecl-apcu", "igbinary": "php-pecl-igbinary", "redis": "php-pecl-redis", "memcached": "php-pecl-memcached", "imagick": "php-pecl-imagick",
	"calendar": "php-common", "ctype": "php-common", "fileinfo": "php-common", "iconv": "php-common", "exif": "php-common",
	"ftp": "php-common", "gettext": "php-common", "phar": "php-common", "sockets": "php-common", "tokenizer": "php-common",
	"bz2": "php-common", "curl": "php-common",
}

// Packages returns the sorted, de-duplicated OS package names that provide the given PHP
// extensions on family f.
func Packages(f Family, exts []string) []string {
	out := map[string]bool{}
	for _, e := range exts {
		if builtin[e] {
			continue
		}
		table := debian
		if f == RPM {
			table = rpm
		}
		name, ok := table[e]
		if !ok {
			name = "php-" + e
		}
		if name != "" {
			out[name] = true
		}
	}
	names := make([]string, 0, len(out))
	for n := range out {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
