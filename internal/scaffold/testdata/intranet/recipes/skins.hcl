# The skins bundled in the MediaWiki 1.43.1 release tarball: each is a sub-tree of
# the core's source, and a component (and package) of its own.
skin "Timeless" {
  source "bundled" { path = "skins/Timeless" }
}
skin "Vector" {
  source "bundled" { path = "skins/Vector" }
}
