# MediaWiki core: the 1.39 LTS release tarball, verified by sha256 and by the release
# managers' detached OpenPGP signature (keys from mediawiki.org/keys/keys.txt, the same set
# Debian ships as debian/upstream/signing-key.asc).
#
# The 29 extensions and 4 skins the tarball bundles are components of their own
# (recipes/extensions.hcl, recipes/skins.hcl); the core's tree leaves them out.
core "mediawiki" {
  version = "1.39.17"

  source "tarball" {
    url       = "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz"
    sha256    = "2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9"
    signature = "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz.sig"
    keyring   = "keys/mediawiki-release.asc"
  }
}
