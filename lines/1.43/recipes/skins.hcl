# Skins bundled in the MediaWiki 1.43.9 release tarball.
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
