# Extensions. The first group is bundled in the MediaWiki 1.39.17 release tarball: each is
# a sub-tree of the core's source and a component (and package) of its own.
extension "AbuseFilter" {
  source "bundled" { path = "extensions/AbuseFilter" }
}
extension "CategoryTree" {
  source "bundled" { path = "extensions/CategoryTree" }
}
extension "Cite" {
  source "bundled" { path = "extensions/Cite" }
}
extension "CiteThisPage" {
  source "bundled" { path = "extensions/CiteThisPage" }
}
extension "CodeEditor" {
  source "bundled" { path = "extensions/CodeEditor" }
}
extension "ConfirmEdit" {
  source "bundled" { path = "extensions/ConfirmEdit" }
}
extension "Gadgets" {
  source "bundled" { path = "extensions/Gadgets" }
}
extension "ImageMap" {
  source "bundled" { path = "extensions/ImageMap" }
}
extension "InputBox" {
  source "bundled" { path = "extensions/InputBox" }
}
extension "Interwiki" {
  source "bundled" { path = "extensions/Interwiki" }
}
# Math 1.39 renders in source or mathml mode, and mathml asks Wikimedia's RESTBase, as does
# the TeX check of every mode: source mode with the check off is the one that works with no
# outside service (its output is the escaped TeX, so the check guards nothing there). The
# default option, keyed, leaves core's other defaults alone; $wgMathValidModes cannot drop
# mathml, as registration merges it with the extension's list.
extension "Math" {
  source "bundled" { path = "extensions/Math" }
  settings = {
    "wgDefaultUserOptions[math]" = "source"
    wgMathDisableTexFilter       = "always"
  }
}
extension "MultimediaViewer" {
  source "bundled" { path = "extensions/MultimediaViewer" }
}
extension "Nuke" {
  source "bundled" { path = "extensions/Nuke" }
}
extension "OATHAuth" {
  source "bundled" { path = "extensions/OATHAuth" }
}
extension "PageImages" {
  source "bundled" { path = "extensions/PageImages" }
}
extension "ParserFunctions" {
  source "bundled" { path = "extensions/ParserFunctions" }
}
# PdfHandler renders pages with ghostscript, scales them with ImageMagick's convert and reads
# page counts and text with poppler's pdfinfo and pdftotext. Its defaults (/usr/bin/gs,
# /usr/bin/convert, /usr/bin/pdfinfo, /usr/bin/pdftotext) are where both distributions put
# them, so it needs no settings.
extension "PdfHandler" {
  source "bundled" { path = "extensions/PdfHandler" }
  system "debian" { depends = ["ghostscript", "poppler-utils", "imagemagick"] }
  system "fedora" { depends = ["ghostscript", "poppler-utils", "ImageMagick"] }
}
extension "Poem" {
  source "bundled" { path = "extensions/Poem" }
}
extension "Renameuser" {
  source "bundled" { path = "extensions/Renameuser" }
}
extension "ReplaceText" {
  source "bundled" { path = "extensions/ReplaceText" }
}

# Scribunto ships prebuilt Lua interpreters for Linux, macOS and Windows. They would make
# every package architecture-dependent, so they are left out, as Debian and Fedora do; the
# system's Lua 5.1 (the only Lua Scribunto for 1.39 runs) runs modules instead: Debian's
# lua5.1 (/usr/bin/lua5.1), Fedora's compat-lua (/usr/bin/lua-5.1). ScribuntoEngineConf is
# merged with the extension's defaults key by key (array_plus_2d), so only luaPath is set.
extension "Scribunto" {
  source "bundled" { path = "extensions/Scribunto" }
  exclude = ["includes/engines/LuaStandalone/binaries"]
  settings = {
    wgScribuntoEngineConf = { luastandalone = { luaPath = "/usr/bin/lua5.1" } }
  }
  system "debian" { depends = ["lua5.1"] }
  system "fedora" {
    depends = ["compat-lua"]
    settings = {
      wgScribuntoEngineConf = { luastandalone = { luaPath = "/usr/bin/lua-5.1" } }
    }
  }
}

extension "SecureLinkFixer" {

  source "bundled" { path = "extensions/SecureLinkFixer" }

}
extension "SpamBlacklist" {
  source "bundled" { path = "extensions/SpamBlacklist" }
}
# SyntaxHighlight runs pygmentize: the distributions' own rather than the copy it bundles,
# so that security updates of Pygments reach it, as Debian's mediawiki package does.
extension "SyntaxHighlight_GeSHi" {
  source "bundled" { path = "extensions/SyntaxHighlight_GeSHi" }
  settings = { wgPygmentizePath = "/usr/bin/pygmentize" }
  system "debian" { depends = ["python3-pygments"] }
  system "fedora" { depends = ["python3-pygments"] }
}
extension "TemplateData" {
  source "bundled" { path = "extensions/TemplateData" }
}
extension "TextExtracts" {
  source "bundled" { path = "extensions/TextExtracts" }
}
extension "TitleBlacklist" {
  source "bundled" { path = "extensions/TitleBlacklist" }
}
extension "VisualEditor" {
  source "bundled" { path = "extensions/VisualEditor" }
}
extension "WikiEditor" {
  source "bundled" { path = "extensions/WikiEditor" }
}
