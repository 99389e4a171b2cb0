# The Debian root images are built on: Apache with mod_php and the PHP 8.2 modules core and
# the bundled extensions use, from bookworm and its updates, every .deb pinned in
# editions.lock. An image output uses it with base = "debian:bookworm".
debian_base "bookworm" {
  source "http://deb.debian.org/debian" { suites = ["bookworm", "bookworm-updates"] }
  source "http://deb.debian.org/debian-security" { suites = ["bookworm-security"] }
  packages = [
    "apache2", "libapache2-mod-php", "php-apcu", "php-cli", "php-curl", "php-intl",
    "php-mbstring", "php-sqlite3", "php-xml",
  ]
}
