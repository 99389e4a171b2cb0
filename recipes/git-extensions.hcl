# Extensions that are not bundled, from the release line's branch (line.branch in line.hcl:
# REL1_39 here, REL1_43 in lines/1.43, which includes this file). `mwedition lock` pins each
# to a full commit. They need network access to Wikimedia's Gerrit, so no shipped edition
# uses them; add them to an edition (see README.md) where you have that access.
extension "PluggableAuth" {
  source "git" {
    url = "https://gerrit.wikimedia.org/r/mediawiki/extensions/PluggableAuth"
    ref = line.branch
  }
}

extension "OpenIDConnect" {
  source "git" {
    url = "https://gerrit.wikimedia.org/r/mediawiki/extensions/OpenIDConnect"
    ref = line.branch
  }
}

extension "Lockdown" {
  source "git" {
    url = "https://gerrit.wikimedia.org/r/mediawiki/extensions/Lockdown"
    ref = line.branch
  }
}

extension "UserMerge" {
  source "git" {
    url = "https://gerrit.wikimedia.org/r/mediawiki/extensions/UserMerge"
    ref = line.branch
  }
}
