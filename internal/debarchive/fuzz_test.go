package debarchive

import (
	"bytes"
	"path"
	"testing"

	"github.com/mwedition/mwedition/internal/signature/signaturetest"
)

// FuzzVerifyInRelease feeds arbitrary bytes to the whole InRelease path (cleartext framing,
// signature packets, the Release parser) and to the parser alone: neither may panic, and
// whatever is accepted must be well formed.
func FuzzVerifyInRelease(f *testing.F) {
	keys := signaturetest.Keys(f)
	kr := keyring(f, keys[0])
	f.Add(clearsigned(f, releaseText, keys[1], keys[0]))
	f.Add([]byte(releaseText))
	f.Add([]byte("Codename: x\nDate: Mon, 2 Jan 2006 15:04:05 -0700\nSHA256:\n " + phpSHA + " 1 a\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkRelease := func(r Release) {
			for p, h := range r.Files {
				if !isHexSHA256(h.SHA256) || h.Size < 0 || !isCleanRelPath(p) {
					t.Fatalf("accepted bad entry %q: %+v", p, h)
				}
			}
		}
		if r, err := VerifyInRelease(kr, b, beforeEnd, "fuzz"); err == nil {
			checkRelease(r)
		}
		if r, err := ParseRelease(b); err == nil {
			checkRelease(r)
		}
	})
}

// FuzzParsePackages checks that a Packages index never panics the parser and that every
// package it accepts could be pinned.
func FuzzParsePackages(f *testing.F) {
	f.Add([]byte(packagesTxt))
	f.Add([]byte("Package: a1\nVersion: 1:1.0~rc1\nArchitecture: all\nDepends: b,\n c\nFilename: pool/a\nSize: 0\nSHA256: " + phpSHA + "\n\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		pkgs, err := ParsePackages(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, p := range pkgs {
			if err := p.Pin().Check(); err != nil {
				t.Fatalf("accepted %+v, whose pin is refused: %v", p, err)
			}
		}
	})
}

// FuzzParseSources checks that a Sources index never panics the parser and that every file
// it accepts lies inside the archive, below its package's directory.
func FuzzParseSources(f *testing.F) {
	f.Add([]byte(sourcesTxt(hashOf([]byte(dscTxt)))))
	f.Add([]byte(dscTxt))
	f.Fuzz(func(t *testing.T, b []byte) {
		srcs, err := ParseSources(bytes.NewReader(b))
		if err == nil {
			for _, s := range srcs {
				for _, file := range s.Files {
					if p := s.Path(file); !isCleanRelPath(p) || path.Dir(p) != s.Directory || !isHexSHA256(file.SHA256) {
						t.Fatalf("accepted %+v, whose file %q is not below its directory", s, p)
					}
				}
			}
		}
		if dsc, err := ParseDsc(b); err == nil && len(dsc.Files) == 0 {
			t.Fatalf("accepted a .dsc with no files: %+v", dsc)
		}
	})
}
