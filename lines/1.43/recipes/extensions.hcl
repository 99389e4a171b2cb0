# Extensions bundled in the MediaWiki 1.43.9 release tarball: each is a sub-tree of the
# core's source and a component (and package) of its own. Against 1.39.17 the tarball adds
# DiscussionTools, Echo, Linter, LoginNotify and Thanks, and no longer bundles Renameuser:
# renaming users is part of core since 1.40 (includes/RenameUser, Special:RenameUser).
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
# DiscussionTools requires VisualEditor and Linter (its extension.json says so).
extension "DiscussionTools" {
  source "bundled" { path = "extensions/DiscussionTools" }
}
extension "Echo" {
  source "bundled" { path = "extensions/Echo" }
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
extension "Linter" {
  source "bundled" { path = "extensions/Linter" }
}
# LoginNotify requires Echo.
extension "LoginNotify" {
  source "bundled" { path = "extensions/LoginNotify" }
}
# Math 1.43 renders in "native" mode by default: MathML made in PHP by its own TeX parser
# (WikiTexVC), with no outside service. Its TeX check, though, still asks Wikimedia's RESTBase
# for every mode but native unless $wgMathTexVCService is "local", which runs the same parser
# here; with it, source mode works offline too and the check stays on. Debian's tarball has
# no MathJax (modules/mathjax/), so the patch takes away the "mathjax" mode, whose module
# would load that missing script; a setting could not, as registration merges
# $wgMathValidModes with the extension's list.
extension "Math" {
  # Math 1.39 declared its own version (3.0.0, packaged 3.0.0+mw1.39.17); 1.43's declares
  # none and is packaged as 1.43.9, which sorts lower: the epoch keeps it an upgrade.
  epoch = 1
  source "bundled" {
    path = "extensions/Math"
    patch "../patches/0001-Math-without-MathJax.patch" {
      sha256 = "e6dcf089e69d904cc22d41e674cac97a177ac7896c1ba5910cedb5c19a051782"
    }
  }
  settings = { wgMathTexVCService = "local" }
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
# page counts and text with poppler's pdfinfo and pdftotext. Its 1.43 defaults (/usr/bin/gs,
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
extension "ReplaceText" {
  source "bundled" { path = "extensions/ReplaceText" }
}

# Scribunto ships prebuilt Lua interpreters for Linux, macOS and Windows (1.43 keeps them in
# includes/Engines/, capitalised, where 1.39 had includes/engines/). They would make every
# package architecture-dependent, so they are left out, as Debian and Fedora do; the system's
# Lua 5.1 (still the only Lua Scribunto runs) runs modules instead: Debian's lua5.1
# (/usr/bin/lua5.1), Fedora's compat-lua (/usr/bin/lua-5.1). The default engine,
# luaautodetect, takes the luastandalone engine when PHP has no LuaSandbox, and
# ScribuntoEngineConf is merged with the extension's defaults key by key (array_plus_2d), so
# only luaPath is set.
extension "Scribunto" {
  source "bundled" { path = "extensions/Scribunto" }
  exclude = ["includes/Engines/LuaStandalone/binaries"]
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
# Thanks requires Echo.
extension "Thanks" {
  source "bundled" { path = "extensions/Thanks" }
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
