# The MediaWiki 1.43.1 release as upstream ships it: every extension and skin its tarball
# bundles. Remove what this edition should not hold, add recipes of your own to recipes/ and
# list them here, then run mwedition lock. mwedition's docs/reference.md describes every
# block and attribute (mwedition reference prints it).
edition "intranet" {
  title   = "Intranet wiki"
  version = "1.43.1.1"

  skins        = ["Timeless", "Vector"]
  extensions   = ["Cite", "Lua", "Tools"]
  default_skin = "vector"

  output "deb" {}
  output "rpm" {}
  output "tarball" { compression = ["gz", "xz"] }
  output "image" { tags = ["1.43", "1.43.1"] }
}
