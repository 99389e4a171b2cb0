# MediaWiki core: the 1.43.1 release tarball, verified by its sha256 and by the
# release managers' detached OpenPGP signature, checked against keys/mediawiki-release.asc
# (MediaWiki's release keys, from https://www.mediawiki.org/keys/keys.txt).
#
# The 3 extensions and 2 skins the tarball bundles are components of their own
# (extensions.hcl, skins.hcl); the core's tree leaves them out.
core "mediawiki" {
  version = "1.43.1"

  source "tarball" {
    url       = "https://releases.wikimedia.org/mediawiki/1.43/mediawiki-1.43.1.tar.gz"
    sha256    = "abababababababababababababababababababababababababababababababab"
    signature = "https://releases.wikimedia.org/mediawiki/1.43/mediawiki-1.43.1.tar.gz.sig"
    keyring   = "keys/mediawiki-release.asc"
  }
}
