# The security team's policy for the MediaWiki editions. mwedition checks it at `build`,
# again at `publish` (which refuses anything that breaks it), and on demand with
# `mwedition verify --policy`. A violation names the line of the rule it breaks.
# Every block and attribute is described in docs/reference.md (policy.hcl).

# MediaWiki is GPL-2.0-or-later, and so is what we distribute with it. Denied:
# - the AGPL and the SSPL, whose network and service clauses would bind every site that
#   runs our packages, beyond what the GPL asks;
# - GPL-3.0-only and LGPL-3.0-only, which would fix the whole distribution to one GPL
#   version forever where MediaWiki's "or later" keeps our users' choice open (GPL-3.0-or-later
#   stays allowed: bundled extensions such as OATHAuth and SecureLinkFixer use it, as
#   upstream's own release does);
# - source-available and non-commercial licences (BUSL, Elastic, JSON's "Good, not Evil",
#   Creative Commons NC and ND), which forbid uses the GPL allows.
# An expression passes when one of its OR branches avoids every denied licence; an AND
# needs all of its parts to. Identifiers are denied as written: "-only" and "-or-later"
# are separate entries.
licenses {
  deny = [
    "AGPL-1.0-only", "AGPL-1.0-or-later", "AGPL-3.0-only", "AGPL-3.0-or-later",
    "GPL-1.0-only", "GPL-3.0-only", "LGPL-3.0-only",
    "SSPL-1.0", "BUSL-1.1", "Elastic-2.0", "JSON",
    "CC-BY-NC-1.0", "CC-BY-NC-2.0", "CC-BY-NC-2.5", "CC-BY-NC-3.0", "CC-BY-NC-4.0",
    "CC-BY-NC-SA-1.0", "CC-BY-NC-SA-2.0", "CC-BY-NC-SA-2.5", "CC-BY-NC-SA-3.0", "CC-BY-NC-SA-4.0",
    "CC-BY-NC-ND-1.0", "CC-BY-NC-ND-2.0", "CC-BY-NC-ND-2.5", "CC-BY-NC-ND-3.0", "CC-BY-NC-ND-4.0",
    "CC-BY-ND-4.0",
  ]
  # Every component and library we ship declares its licence today; one that does not
  # (an extension.json without "license-name", a composer package without "license") is
  # refused until someone has read its terms.
  unknown = "deny"
}

# Nothing leaves this project unsigned: the .rpm packages (each carries its signature;
# a .deb is checked by apt through the signed repository), the tarballs (.asc), the OCI
# images (cosign) and the apt and dnf repositories. A local `build` only warns, so that
# development needs no keys; `publish` and `verify --policy` refuse.
signatures {
  require = ["packages", "tarballs", "images", "repositories"]
}

# A build holding an embargoed security fix may only be published to the targets a
# private_target block declares, until the fix is public.
embargo {
  allow = "private-targets"
}

# Enterprise is sold for closed networks with two-factor authentication and abuse
# filtering; it leaves out what calls public services (Math's mathml mode, SpamBlacklist's
# remote lists). These hold whatever the edition inherits from knowledge-base and core.
edition "enterprise" {
  require = ["OATHAuth", "AbuseFilter", "ConfirmEdit"]
  forbid  = ["Math", "SpamBlacklist"]
}

# The images on debian:bookworm are about 230 MiB compressed; four times that means
# something large got in by mistake (a cache, a dump, binaries).
images {
  max_size = "1GiB"
}
