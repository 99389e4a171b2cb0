# Skins bundled in the MediaWiki 1.39.17 release tarball.
skin "MinervaNeue" {
  source "bundled" { path = "skins/MinervaNeue" }
}
skin "MonoBook" {
  source "bundled" { path = "skins/MonoBook" }
}
skin "Timeless" {
  source "bundled" { path = "skins/Timeless" }
}
skin "Vector" {
  source "bundled" { path = "skins/Vector" }
}
