// Package layout is MediaWiki's installed system, as the OS packages and the images lay
// it out alike (after Debian's mediawiki package): code in /usr/share/mediawiki,
// configuration in /etc/mediawiki, writable state in /var/lib/mediawiki and
// /var/cache/mediawiki owned by the web user; the web server's and PHP's configuration;
// the maintainer scripts; which files of a component are installed and how its scripts
// run; and the settings file that enables an edition.
package layout

import (
	"fmt"
	"strings"

	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/pack"
	"github.com/mwedition/mwedition/internal/platform"
)

// MediaWikiDir is where the code goes.
const MediaWikiDir = "/usr/share/mediawiki"

// SettingsFile is the name of the generated file that enables an edition's extensions and
// skins, at the root of the edition's tree.
const SettingsFile = "EditionSettings.php"

// StateDirs are the core tree's directories for state: the package replaces them with
// symlinks into /var/lib/mediawiki, where the web user may write. Their .htaccess files
// become rules of the Apache snippet.
var StateDirs = map[string]bool{"images": true, "cache": true}

// WebUser is the user the web server runs PHP as.
func WebUser(f platform.Family) string {
	if f == platform.RPM {
		return "apache"
	}
	return "www-data"
}

// DefaultsFile holds the admin's packaging choices: Debian's /etc/default, Fedora's
// /etc/sysconfig.
func DefaultsFile(f platform.Family) string {
	if f == platform.RPM {
		return "/etc/sysconfig/mediawiki"
	}
	return "/etc/default/mediawiki"
}

// ApacheSnippet is where core's Apache configuration goes: a conf-available snippet that
// a2enconf manages on Debian, a conf.d file (active at once) on Fedora. It is named after
// the package, as Debian's policy for web applications asks.
func ApacheSnippet(f platform.Family) string {
	if f == platform.RPM {
		return "/etc/httpd/conf.d/" + ApacheConfName + ".conf"
	}
	return "/etc/apache2/conf-available/" + ApacheConfName + ".conf"
}

const ApacheConfName = "mediawiki-core"

// CoreExtra lays out core's installed system around the code: configuration under
// /etc/mediawiki (LocalSettings.php is the admin's, reached through a dangling symlink until
// the installer writes it), uploads and caches under /var/lib/mediawiki and
// /var/cache/mediawiki, the shipped configuration as conffiles, and the job queue's command
// and systemd units.
func CoreExtra(f platform.Family) []pack.File {
	var out []pack.File
	for _, d := range []string{"/etc/mediawiki", "/var/lib/mediawiki", "/var/lib/mediawiki/images", "/var/lib/mediawiki/cache", "/var/cache/mediawiki"} {
		out = append(out, pack.File{Path: d, Type: fstree.Dir})
	}
	for _, l := range [][2]string{
		{"LocalSettings.php", "/etc/mediawiki/LocalSettings.php"},
		{"images", "/var/lib/mediawiki/images"},
		{"cache", "/var/lib/mediawiki/cache"},
	} {
		out = append(out, pack.File{Path: MediaWikiDir + "/" + l[0], Type: fstree.Symlink, Target: l[1]})
	}
	out = append(out,
		pack.File{Path: MediaWikiDir + "/" + PlatformSettingsFile, Type: fstree.File, Content: []byte(PlatformSettings)},
		pack.File{Path: ApacheSnippet(f), Type: fstree.File, Content: []byte(ApacheConf), Conffile: true},
		pack.File{Path: DefaultsFile(f), Type: fstree.File, Content: fmt.Appendf(nil, DefaultsConf, WebUser(f)), Conffile: true},
	)
	return append(out, jobFiles(f)...)
}

// PlatformSettingsFile is where MediaWiki's installer looks for a distributor's defaults:
// when the file exists, the LocalSettings.php it writes requires it before anything else.
// Debian's mediawiki package ships one, so every LocalSettings.php written on it requires
// the file; core ships its own, so that such a LocalSettings.php keeps working after the
// switch to an edition, unchanged.
const PlatformSettingsFile = "includes/PlatformSettings.php"

// PlatformSettings are the defaults of the packages' layout: the caches in
// /var/cache/mediawiki, which core's package makes the web user's (as Debian's does). No
// extension is loaded here: the edition's settings are the admin's to include.
const PlatformSettings = `<?php
// Defaults of MediaWiki as the mwedition packages install it, required by the
// LocalSettings.php that MediaWiki's installer writes. Do not edit: the mediawiki-core
// package replaces this file on upgrade. Set anything here in LocalSettings.php instead,
// after the line that requires this file.

$wgCacheDirectory = '/var/cache/mediawiki';
`

// ApacheConf serves MediaWiki at /mediawiki, with the access rules of the .htaccess files
// the release ships (which AllowOverride None would ignore) and uploads that never run.
const ApacheConf = `# MediaWiki, from the mediawiki-core package, served at /mediawiki on every virtual host.
# To serve it elsewhere, disable this file (Debian: a2disconf mediawiki-core) and copy what
# you need into a virtual host.
# Configuration: /etc/mediawiki/LocalSettings.php (yours) and the edition's
# /etc/mediawiki/EditionSettings.php.
Alias /mediawiki /usr/share/mediawiki

<Directory /usr/share/mediawiki/>
	Options +FollowSymLinks
	AllowOverride None
	Require all granted
	DirectoryIndex index.php
</Directory>

# What the release's .htaccess files deny.
<DirectoryMatch "^/usr/share/mediawiki/(cache|includes|languages|maintenance|tests|vendor)/">
	Require all denied
</DirectoryMatch>
<DirectoryMatch "^/usr/share/mediawiki/(extensions|skins)/[^/]+/(dev-scripts|maintenance|tests)/">
	Require all denied
</DirectoryMatch>
<Directory /var/lib/mediawiki/cache/>
	Require all denied
</Directory>

# Uploads are data: no scripts, no server-side includes, no symlinks, no type sniffing.
<Directory /var/lib/mediawiki/images/>
	Options -FollowSymLinks -ExecCGI -Includes -Indexes
	AllowOverride None
	<IfModule php_module>
		php_admin_flag engine off
	</IfModule>
	<FilesMatch "\.(php[0-9]?|phtml|phar|phps|pht|cgi|pl|py|sh)$">
		Require all denied
	</FilesMatch>
	<IfModule headers_module>
		Header set X-Content-Type-Options nosniff
	</IfModule>
</Directory>
`

// DefaultsConf is the admin's switch for schema updates, read by the edition packages'
// scripts after they install or upgrade.
const DefaultsConf = `# MediaWiki packaging choices, read when an edition package is installed or upgraded.

# Run maintenance/update.php (database schema and data updates) after an edition is installed
# or upgraded: "yes" or "no". Off by default, as in Debian's mediawiki package: updates can
# take long on a big wiki, and you may want a backup first. It runs only once
# /etc/mediawiki/LocalSettings.php exists.
MEDIAWIKI_UPDATE=no

# The user update.php runs as: the one the web server runs PHP as, so that the files it
# writes stay writable by the wiki.
MEDIAWIKI_UPDATE_USER=%s
`

// CoreScripts hand the writable directories to the web server's user, idempotently, enable
// the Apache snippet where Debian's helper exists, stop the job runner's timer on removal,
// and on purge remove caches (not uploads, and never LocalSettings.php: both are the admin's
// data).
func CoreScripts(f platform.Family) pack.Scripts {
	post := fmt.Sprintf(`if getent passwd %[1]s >/dev/null; then
	chown %[1]s: /var/lib/mediawiki/images /var/lib/mediawiki/cache /var/cache/mediawiki
	chmod 0700 /var/lib/mediawiki/images /var/lib/mediawiki/cache
fi`, WebUser(f))
	if f == platform.RPM {
		return pack.Scripts{PostInstall: post, PreRemove: stopJobRunner(f)}
	}
	const helper = "/usr/share/apache2/apache2-maintscript-helper"
	apache := func(verb string) string {
		return fmt.Sprintf("if [ -e %[1]s ]; then\n\t. %[1]s\n\tapache2_invoke %[2]s %[3]s\nfi", helper, verb, ApacheConfName)
	}
	return pack.Scripts{
		PostInstall: "if [ \"$1\" = configure ]; then\n" + indent(post) + "\n" + indent(apache("enconf")) + "\nfi",
		PreRemove:   "if [ \"$1\" = remove ]; then\n" + indent(apache("disconf")) + "\n" + indent(stopJobRunner(f)) + "\nfi",
		// systemd forgets the job runner's units once their files are gone.
		PostRemove: "if [ \"$1\" = remove ] && [ -d /run/systemd/system ]; then\n\tsystemctl --system daemon-reload >/dev/null || true\nfi\n" +
			"if [ \"$1\" = purge ]; then\n" + indent(apache("disconf")) + "\n\trm -rf /var/lib/mediawiki/cache /var/cache/mediawiki\nfi",
	}
}

// EditionScripts run update.php after the edition is installed or upgraded, when the admin
// opted in (defaultsFile). A failed update does not fail the package: the code is in place,
// and the admin is told what to run.
func EditionScripts(f platform.Family) pack.Scripts {
	body := fmt.Sprintf(`MEDIAWIKI_UPDATE=no
MEDIAWIKI_UPDATE_USER=%[2]s
[ -r %[1]s ] && . %[1]s
if [ "$MEDIAWIKI_UPDATE" = yes ] && [ -e /etc/mediawiki/LocalSettings.php ]; then
	echo "mediawiki: running maintenance/update.php as $MEDIAWIKI_UPDATE_USER (%[1]s)"
	if ! runuser -u "$MEDIAWIKI_UPDATE_USER" -- php %[3]s/maintenance/update.php --quick; then
		echo "mediawiki: update.php failed; fix the cause, then run: runuser -u $MEDIAWIKI_UPDATE_USER -- php %[3]s/maintenance/update.php" >&2
	fi
fi`, DefaultsFile(f), WebUser(f), MediaWikiDir)
	if f == platform.RPM {
		return pack.Scripts{PostInstall: body}
	}
	return pack.Scripts{PostInstall: "if [ \"$1\" = configure ]; then\n" + indent(body) + "\nfi"}
}

// Where things are in an image, as in the packages.
const (
	ImageCode     = "usr/share/mediawiki"
	ImageConfDir  = "etc/mediawiki"
	ImageUploads  = "/var/lib/mediawiki/images"
	ImageDatabase = "/var/lib/mediawiki/data" // SQLite databases, as the README's install command puts them
	ImagePort     = "8080"                    // not 80: a server that is not root cannot bind it
	ApacheRunDir  = "/run/apache2"
)

// ApacheImageConf makes Apache in a container serve the wiki at its root (and at
// /mediawiki, through core's snippet), logging to the container's output. The logs go
// through cat: a server that is not root cannot open /dev/stdout or /dev/stderr when they
// are pipes the runtime made as root, but a logger it starts inherits them.
const ApacheImageConf = `# MediaWiki in a container image, from mwedition: the wiki at the root of the server
# (and at /mediawiki, through mediawiki-core.conf). Errors and requests are logged on
# standard output, through cat: Apache runs as the web user, which may not reopen the
# container's /dev/stdout.
ServerName localhost
DocumentRoot /usr/share/mediawiki
ErrorLog "|/bin/cat"
CustomLog "|/bin/cat" combined
`

// ApachePorts replaces Debian's ports.conf: one port a server that is not root may bind.
const ApachePorts = `# MediaWiki in a container image, from mwedition: Apache runs as the web user, which
# cannot bind ports below 1024. Map the port when you run the container (-p 80:` + ImagePort + `).
Listen ` + ImagePort + `
`

// PHPIni is PHP's configuration for the wiki: uploads up to MediaWiki's own default limit,
// and no PHP version in response headers.
const PHPIni = `; MediaWiki in a container image, from mwedition.
upload_max_filesize = 100M
post_max_size = 100M
expose_php = Off
`

func indent(s string) string { return "\t" + strings.ReplaceAll(s, "\n", "\n\t") }
