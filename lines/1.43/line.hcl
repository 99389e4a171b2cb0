# The MediaWiki 1.43 LTS release line: its core and bundled extensions and skins are in
# recipes/ here; the editions, the Debian base and the git extensions' recipes are the
# project's own (../../), shared with the 1.39 line. Build it with `mwedition -C lines/1.43`.
line "1.43" {
  include = ["../../editions/*.hcl", "../../recipes/debian.hcl", "../../recipes/git-extensions.hcl"]

  branch          = "REL1_43"
  release         = "1.43.9"
  edition_version = "1.43.9.1"
  suite           = "1.43"
}
