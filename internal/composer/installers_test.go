package composer

import "testing"

func TestMediaWikiPath(t *testing.T) {
	for _, tc := range []struct {
		p    Package
		want string
	}{
		{Package{Name: "mediawiki/pluggable-auth", Type: "mediawiki-extension", InstallerName: "PluggableAuth"}, "extensions/PluggableAuth"},
		{Package{Name: "mediawiki/semantic-media-wiki", PrettyName: "mediawiki/semantic-media-wiki", Type: "mediawiki-extension"}, "extensions/SemanticMediaWiki"},
		{Package{Name: "x/maps-extension", PrettyName: "x/maps-extension", Type: "mediawiki-extension"}, "extensions/Maps"},
		{Package{Name: "x/chameleon-skin", PrettyName: "x/chameleon-skin", Type: "mediawiki-skin"}, "skins/chameleon"},
		{Package{Name: "x/vector", Type: "mediawiki-skin", InstallerName: "Vector"}, "skins/Vector"},
		{Package{Name: "mediawiki/core", Type: "mediawiki-core"}, "core"},
		{Package{Name: "composer/installers", Type: "composer-plugin"}, ""},
		{Package{Name: "a/b", Type: "library", InstallerName: "X"}, ""},
	} {
		if got := MediaWikiPath(tc.p); got != tc.want {
			t.Errorf("MediaWikiPath(%s %s) = %q, want %q", tc.p.Name, tc.p.Type, got, tc.want)
		}
	}
}
