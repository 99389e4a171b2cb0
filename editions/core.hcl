# Core: MediaWiki as upstream's installer sets it up, plus the bundled extensions that need
# nothing outside PHP. All four bundled skins, Vector by default.
edition "core" {
  title   = "MediaWiki Core"
  version = line.edition_version

  skins = ["MinervaNeue", "MonoBook", "Timeless", "Vector"]
  extensions = concat([
    "AbuseFilter", "CategoryTree", "Cite", "CiteThisPage", "CodeEditor", "ConfirmEdit",
    "Gadgets", "ImageMap", "InputBox", "Interwiki", "MultimediaViewer", "Nuke", "OATHAuth",
    "PageImages", "ParserFunctions", "Poem", "ReplaceText", "SecureLinkFixer",
    "SpamBlacklist", "TemplateData", "TextExtracts", "TitleBlacklist", "VisualEditor",
    ],
    # Renaming users is part of core since 1.40: the extension only on the 1.39 line.
    line.name == "1.39" ? ["Renameuser"] : [],
  )
  default_skin = "vector"

  output "deb" {}
  output "rpm" {}
  output "tarball" { compression = ["gz", "xz"] }
  output "image" {
    tags = [line.name, line.release]
    base = "debian:bookworm"
  }
}
