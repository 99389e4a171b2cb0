// Package tests holds mwedition's end-to-end tests (build tag e2e): the real binary on the
// real MediaWiki 1.39.17 release, against the real tools a user has. Run them with `make e2e`.
package tests
