package resolve

import "testing"

// A library's ID has two slashes: its name is vendor/name, and its kind's plural is not
// made by adding an s.
func TestByKind(t *testing.T) {
	for _, tc := range []struct {
		ids  []string
		want string
	}{
		{[]string{"extension/Cite"}, "extension Cite"},
		{[]string{"extension/Cite", "extension/Math", "skin/Vector"}, "extensions Cite, Math; skin Vector"},
		{[]string{"library/jumbojett/openid-connect-php"}, "library jumbojett/openid-connect-php"},
		{[]string{"library/paragonie/random_compat", "library/phpseclib/phpseclib"}, "libraries paragonie/random_compat, phpseclib/phpseclib"},
	} {
		if got := ByKind(tc.ids); got != tc.want {
			t.Errorf("ByKind(%q) = %q, want %q", tc.ids, got, tc.want)
		}
	}
}
