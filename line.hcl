# This project is the MediaWiki 1.39 LTS release line. lines/1.43 is the 1.43 LTS line, built
# from the same editions (editions/*.hcl), Debian base (recipes/debian.hcl) and git
# extensions (recipes/git-extensions.hcl) with `mwedition -C lines/1.43 ...`. What differs
# between the lines is here: manifests read these values as line.branch, line.release, ...
line "1.39" {
  branch          = "REL1_39"    # the git extensions' branch
  release         = "1.39.17"    # the core release, for image tags
  edition_version = "1.39.17.2"  # every edition's version on this line
  suite           = "1.39"       # publish --apt's suite: each line has its own
}
