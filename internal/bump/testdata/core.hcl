# MediaWiki core: the 1.39 LTS release tarball, verified by sha256 and by the release
# managers' detached OpenPGP signature (keys from mediawiki.org/keys/keys.txt, the same set
# Debian ships as debian/upstream/signing-key.asc).
#
# The 29 extensions and 4 skins the tarball bundles are components of their own
# (recipes/extensions.hcl, recipes/skins.hcl); the core's tree leaves them out.
core "mediawiki" {
  version = "1.39.17"

  # APCu is the object cache the installer chooses when PHP has it (composer.json suggests
  # ext-apcu: "Faster web responses overall"); MediaWiki runs without it, hence recommends.
  system "debian" { recommends = ["php-apcu"] }
  system "fedora" { recommends = ["php-pecl-apcu"] }

  source "tarball" {
    url       = "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz"
    sha256    = "2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9"
    signature = "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz.sig"
    keyring   = "keys/mediawiki-release.asc"

    # The five SECURITY commits released after 1.39.17, as Debian ships them in
    # mediawiki 1:1.39.17-1+deb12u2 (patches/: each says where it comes from). They apply to the
    # whole release, so the OATHAuth fix (0007) reaches mediawiki-extension-oathauth.
    patch "../patches/0003-CVE-2026-34092.patch" {
      sha256 = "a6a3333a68cb0b4c6f482f5aad4209635c110ed2186b3e505a67fbe9ed8a9d33"
    }
    patch "../patches/0004-CVE-2026-34088.patch" {
      sha256 = "74af8c0d842e56f52b934ae54939cacd77a38210e915ff2d5ac40697de779a35"
    }
    patch "../patches/0005-CVE-2026-34093.patch" {
      sha256 = "fde04f7ceb4d005eea60c1c3a9bb1c498fb4774cda92690f4168c7a23bafbc4b"
    }
    patch "../patches/0006-CVE-2026-34095.patch" {
      sha256 = "0ef628033bf92e6fc38ced0f84149d4be54a3b500f6c9a81f88ba97ac7263427"
    }
    patch "../patches/0007-CVE-2026-34087.patch" {
      sha256 = "fb29bc8a8abbd971cdfc163b2c233e6cbca1b1d52e5c1d05945b5e0cfc819b1a"
    }
  }
}
