# Knowledge-base: Core plus what documentation and structured-knowledge wikis lean on:
# Lua modules (Scribunto, with the system's lua5.1), code highlighting (needs shell access
# and python3), formulas (Math, source mode needs no service) and PDF pages (PdfHandler,
# needs ghostscript and poppler-utils).
edition "knowledge-base" {
  title    = "MediaWiki Knowledge-base"
  version  = "1.39.17.2"
  inherits = "core"

  extensions = ["Math", "PdfHandler", "Scribunto", "SyntaxHighlight_GeSHi"]

  settings = {
    wgScribuntoDefaultEngine = "luastandalone"
    wgEnableUploads          = true
  }

  output "deb" {}
  output "rpm" {}
  output "tarball" { compression = ["gz", "xz"] }
  output "image" {
    tags = ["1.39", "1.39.17"]
    base = "debian:bookworm"
  }
}
