package bump

import "testing"

func TestDeriveURL(t *testing.T) {
	for _, tc := range []struct{ url, prev, next, want string }{
		{"https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz", "1.39.17", "1.39.18", "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.18.tar.gz"},
		{"https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz.sig", "1.39.17", "1.43.1", "https://releases.wikimedia.org/mediawiki/1.43/mediawiki-1.43.1.tar.gz.sig"},
		{"http://127.0.0.1:8080/mediawiki-1.39.17.tar.gz", "1.39.17", "1.39.18", "http://127.0.0.1:8080/mediawiki-1.39.18.tar.gz"},
		{"https://example.org/latest.tar.gz", "1.39.17", "1.39.18", ""},
	} {
		got, err := DeriveURL(tc.url, tc.prev, tc.next)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("DeriveURL(%q, %q, %q) = %q, %v; want %q", tc.url, tc.prev, tc.next, got, err, tc.want)
		}
	}
}

func TestEditionVersion(t *testing.T) {
	for _, tc := range []struct{ v, prev, next, want string }{
		{"1.39.17.2", "1.39.17", "1.39.18", "1.39.18.1"},
		{"1.39.17.2", "1.39.1", "1.39.2", "1.39.17.3"}, // 1.39.17 is not a release 1.39.1 numbers
		{"1.39.17.2", "", "", "1.39.17.3"},
		{"2.9", "1.39.17", "1.39.18", "2.10"},
		{"7", "", "", "8"},
		{"1.0~rc", "", "", ""},
	} {
		got, err := EditionVersion(tc.v, tc.prev, tc.next)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("EditionVersion(%q, %q, %q) = %q, %v; want %q", tc.v, tc.prev, tc.next, got, err, tc.want)
		}
	}
}
