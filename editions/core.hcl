# Core: MediaWiki as upstream's installer sets it up, plus the bundled extensions that need
# nothing outside PHP. All four bundled skins, Vector by default.
edition "core" {
  title   = "MediaWiki Core"
  version = "1.39.17.2"

  skins = ["MinervaNeue", "MonoBook", "Timeless", "Vector"]
  extensions = [
    "AbuseFilter", "CategoryTree", "Cite", "CiteThisPage", "CodeEditor", "ConfirmEdit",
    "Gadgets", "ImageMap", "InputBox", "Interwiki", "MultimediaViewer", "Nuke", "OATHAuth",
    "PageImages", "ParserFunctions", "Poem", "Renameuser", "ReplaceText", "SecureLinkFixer",
    "SpamBlacklist", "TemplateData", "TextExtracts", "TitleBlacklist", "VisualEditor",
  ]
  default_skin = "vector"

  output "deb" {}
  output "rpm" {}
  output "tarball" { compression = ["gz", "xz"] }
  output "image" {
    tags = ["1.39", "1.39.17"]
    base = "debian:bookworm"
  }
}
