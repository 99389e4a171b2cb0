package composer

import "strings"

// MediaWikiPath is where composer/installers' MediaWikiInstaller puts a
// package of type mediawiki-extension ("extensions/<Name>"),
// mediawiki-skin ("skins/<Name>") or mediawiki-core ("core"), or "" for any
// other type, which composer installs under vendor/. <Name> is
// extra.installer-name if given; otherwise the package's name without its
// vendor, for an extension without a trailing "-extension" and CamelCased
// at each "-" ("pluggable-auth" gives PluggableAuth), for a skin without a
// trailing "-skin". A root package's installer-paths, which can override
// this, are not modelled: mwedition builds no root package.
func MediaWikiPath(p Package) string {
	name := p.PrettyName
	if name == "" {
		name = p.Name
	}
	if i := strings.IndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	var dir string
	switch p.Type {
	case "mediawiki-extension":
		dir = "extensions/"
		name = camel(strings.TrimSuffix(name, "-extension"))
	case "mediawiki-skin":
		dir = "skins/"
		name = strings.TrimSuffix(name, "-skin")
	case "mediawiki-core":
		return "core"
	default:
		return ""
	}
	if p.InstallerName != "" {
		name = p.InstallerName
	}

	return dir + name
}

// camel is PHP's str_replace(' ', ”, ucwords(str_replace('-', ' ', s))):
// the first letter of each "-"-separated word upper-cased, others kept.
func camel(s string) string {
	words := strings.Split(s, "-")
	for i, w := range words {
		if w != "" && w[0] >= 'a' && w[0] <= 'z' {
			words[i] = string(w[0]-'a'+'A') + w[1:]
		}
	}

	return strings.Join(words, "")
}
