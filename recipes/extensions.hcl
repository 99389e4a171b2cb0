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
extension "Math" {
  source "bundled" { path = "extensions/Math" }
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
extension "PdfHandler" {
  source "bundled" { path = "extensions/PdfHandler" }
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
# system's lua5.1 (or php-luasandbox) runs Lua instead.
extension "Scribunto" {
  source "bundled" { path = "extensions/Scribunto" }
  exclude = ["includes/engines/LuaStandalone/binaries"]
}

extension "SecureLinkFixer" {

  source "bundled" { path = "extensions/SecureLinkFixer" }

}
extension "SpamBlacklist" {
  source "bundled" { path = "extensions/SpamBlacklist" }
}
extension "SyntaxHighlight_GeSHi" {
  source "bundled" { path = "extensions/SyntaxHighlight_GeSHi" }
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

# Extensions that are not bundled, from their REL1_39 branches. `mwedition lock` pins each
# to a full commit. They need network access to Wikimedia's Gerrit, so no shipped edition
# uses them; add them to an edition (see README.md) where you have that access.
extension "PluggableAuth" {
  source "git" {
    url = "https://gerrit.wikimedia.org/r/mediawiki/extensions/PluggableAuth"
    ref = "REL1_39"
  }
}

extension "OpenIDConnect" {
  source "git" {
    url = "https://gerrit.wikimedia.org/r/mediawiki/extensions/OpenIDConnect"
    ref = "REL1_39"
  }
}

extension "Lockdown" {
  source "git" {
    url = "https://gerrit.wikimedia.org/r/mediawiki/extensions/Lockdown"
    ref = "REL1_39"
  }
}

extension "UserMerge" {
  source "git" {
    url = "https://gerrit.wikimedia.org/r/mediawiki/extensions/UserMerge"
    ref = "REL1_39"
  }
}
