# MediaWiki core for the 1.43 LTS line: the release as Debian trixie ships it, in the orig
# tarball of mediawiki 1:1.43.9+dfsg-1~deb13u1. That tarball is upstream's 1.43.9 release
# repacked by Debian (debian/copyright's Files-Excluded drops extensions/Math/modules/mathjax/,
# nothing else), so its bytes are not upstream's and upstream's detached signature does not
# apply to them; Debian keeps no signature of its own for an orig tarball either. There is
# therefore no `signature` here: the sha256 is the pin, and it was checked against Debian's
# signed archive, as tests/debian_sources_test.go does again against the live archive:
# trixie's InRelease (signed by the keys in debian-archive-keyring) lists main/source/Sources.xz
# by sha256, that index's mediawiki 1:1.43.9+dfsg-1~deb13u1 stanza (Directory
# pool/main/m/mediawiki) gives this orig tarball's sha256 and size (89199532 bytes) and the
# .dsc's, and the .dsc, so checked, lists the orig tarball with the same sha256 and size.
#
# The 33 extensions and 4 skins the tarball bundles are components of their own
# (extensions.hcl, skins.hcl); the core's tree leaves them out.
core "mediawiki" {
  version = "1.43.9"

  # APCu is the object cache the installer chooses when PHP has it (composer.json suggests
  # ext-apcu: "Faster web responses overall"); MediaWiki runs without it, hence recommends.
  system "debian" { recommends = ["php-apcu"] }
  system "fedora" { recommends = ["php-pecl-apcu"] }

  source "tarball" {
    url    = "https://deb.debian.org/debian/pool/main/m/mediawiki/mediawiki_1.43.9+dfsg.orig.tar.gz"
    sha256 = "3ce10f2f725e11c9da07a0e4f9db7cc7a761ec24a709e9efce6230c08050a9e2"
  }
}
