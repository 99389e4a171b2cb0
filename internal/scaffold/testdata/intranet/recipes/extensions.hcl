# The extensions bundled in the MediaWiki 1.43.1 release tarball: each is a sub-tree of
# the core's source, and a component (and package) of its own.
extension "Cite" {
  source "bundled" { path = "extensions/Cite" }
}

# Lua ships 3 prebuilt executables (ELF, Mach-O or PE) in engine/binaries. They would
# tie every package to one architecture, so they are left out: install the system's own
# build of the program instead.
extension "Lua" {
  source "bundled" { path = "extensions/Lua" }
  exclude = ["engine/binaries"]
}

# Tools ships 2 prebuilt executables (ELF, Mach-O or PE) in a/tool, b/tool. They would
# tie every package to one architecture, so they are left out: install the system's own
# build of the program instead.
extension "Tools" {
  source "bundled" { path = "extensions/Tools" }
  exclude = ["a/tool", "b/tool"]
}

