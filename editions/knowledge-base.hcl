# Knowledge-base: Core plus what documentation and structured-knowledge wikis lean on:
# Lua modules (Scribunto, with the system's lua5.1), code highlighting (needs shell access
# and python3), formulas (Math, source mode needs no service) and PDF pages (PdfHandler,
# needs ghostscript and poppler-utils).
edition "knowledge-base" {
  title    = "MediaWiki Knowledge-base"
  version  = line.edition_version
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
    tags = [line.name, line.release]
    base = "debian:bookworm"
  }
}
