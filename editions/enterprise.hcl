# Enterprise: Knowledge-base for closed networks. Nothing that calls out to public services
# (Math's mathml mode, SpamBlacklist's remote lists), two-factor authentication and abuse
# filtering kept, stricter account defaults. Single sign-on and page-level access control
# (PluggableAuth, OpenIDConnect, Lockdown) are in recipes/extensions.hcl for sites that can
# reach Wikimedia's Gerrit: add them to the extensions list below.
edition "enterprise" {
  title    = "MediaWiki Enterprise"
  version  = line.edition_version
  inherits = "knowledge-base"

  remove = ["Math", "SpamBlacklist"]

  settings = {
    wgBlockDisablesLogin    = true
    wgEmailConfirmToEdit    = true
    wgAllowExternalImages   = false
    # MediaWiki's own limits, both kept: setting the variable replaces the whole list, and
    # the short-term limit alone would drop the 48-hour one.
    wgPasswordAttemptThrottle = [{ count = 5, seconds = 300 }, { count = 150, seconds = 172800 }]
  }

  output "deb" {}
  output "rpm" {}
  output "tarball" { compression = ["gz", "xz"] }
  output "image" {
    tags = [line.name, line.release]
    base = "debian:bookworm"
  }
}
