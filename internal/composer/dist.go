package composer

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// What composer 2.5.5 (Debian 12's) provides as platform packages itself;
// pass them in Input.Platform to resolve as it does.
const (
	ComposerPluginAPI  = "2.3.0"
	ComposerRuntimeAPI = "2.2.2"
)

// VerifyDist checks a downloaded dist archive against the metadata: the
// SHA-256 when the repository gave one (or the lock pins one: pass it as
// d.SHA256), and composer's SHA-1 shasum when not empty. It returns the
// archive's SHA-256, which a lock records when the repository gives none.
func VerifyDist(name string, d Dist, data []byte) (string, error) {
	s256 := sha256.Sum256(data)
	got := hex.EncodeToString(s256[:])
	if d.SHA256 != "" && !strings.EqualFold(d.SHA256, got) {
		return got, fmt.Errorf("composer library %s: dist %s has sha256 %s, expected %s", name, d.URL, got, d.SHA256)
	}
	if d.Shasum != "" {
		s1 := sha1.Sum(data)
		if g := hex.EncodeToString(s1[:]); !strings.EqualFold(d.Shasum, g) {
			return got, fmt.Errorf("composer library %s: dist %s has sha1 %s, the repository says %s", name, d.URL, g, d.Shasum)
		}
	}

	return got, nil
}
