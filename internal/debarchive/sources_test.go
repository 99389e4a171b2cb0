package debarchive

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ulikunitz/xz"
)

const (
	origSHA  = "3333333333333333333333333333333333333333333333333333333333333333"
	debSHA   = "4444444444444444444444444444444444444444444444444444444444444444"
	dscFiles = "Checksums-Sha256:\n " + origSHA + " 1000 wiki_1.2+dfsg.orig.tar.gz\n " +
		debSHA + " 20 wiki_1.2+dfsg-1.debian.tar.xz\n"
	dscTxt = "Format: 3.0 (quilt)\nSource: wiki\nBinary: wiki, wiki-classes\nArchitecture: all\n" +
		"Version: 1:1.2+dfsg-1\n" + dscFiles
)

// sourcesTxt is a Sources index whose first stanza lists dscTxt (signed or not) under the
// hash dsc gives it.
func sourcesTxt(dsc FileHash) string {
	return "Package: wiki\nBinary: wiki, wiki-classes\nVersion: 1:1.2+dfsg-1\nArchitecture: all\n" +
		"Files:\n d41d8cd98f00b204e9800998ecf8427e 0 ignored.dsc\n" +
		"Checksums-Sha256:\n " + dsc.SHA256 + " " + itoa(dsc.Size) + " wiki_1.2+dfsg-1.dsc\n " +
		origSHA + " 1000 wiki_1.2+dfsg.orig.tar.gz\n " + debSHA + " 20 wiki_1.2+dfsg-1.debian.tar.xz\n" +
		"Directory: pool/main/w/wiki\nSection: web\n\n" +
		"Package: lua5.1\nVersion: 5.1.5-9\nChecksums-Sha256:\n " + phpSHA + " 5 lua5.1_5.1.5-9.dsc\n" +
		"Directory: pool/main/l/lua5.1\n"
}

func wantSources(dsc FileHash) []Source {
	return []Source{
		{Package: "wiki", Version: "1:1.2+dfsg-1", Directory: "pool/main/w/wiki", Files: []SourceFile{
			{Name: "wiki_1.2+dfsg-1.dsc", Size: dsc.Size, SHA256: dsc.SHA256},
			{Name: "wiki_1.2+dfsg.orig.tar.gz", Size: 1000, SHA256: origSHA},
			{Name: "wiki_1.2+dfsg-1.debian.tar.xz", Size: 20, SHA256: debSHA},
		}},
		{Package: "lua5.1", Version: "5.1.5-9", Directory: "pool/main/l/lua5.1", Files: []SourceFile{
			{Name: "lua5.1_5.1.5-9.dsc", Size: 5, SHA256: phpSHA},
		}},
	}
}

func TestReadSourcesIndex(t *testing.T) {
	text := []byte(sourcesTxt(hashOf([]byte(dscTxt))))
	var x bytes.Buffer
	xw, err := xz.NewWriter(&x)
	if err != nil {
		t.Fatal(err)
	}
	xw.Write(text)
	xw.Close()
	const p = "main/source/Sources.xz"
	rel := Release{Files: map[string]FileHash{p: hashOf(x.Bytes())}}
	got, err := ReadSourcesIndex(rel, p, bytes.NewReader(x.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	want := wantSources(hashOf([]byte(dscTxt)))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
	if f, ok := got[0].File("wiki_1.2+dfsg.orig.tar.gz"); !ok || got[0].Path(f) != "pool/main/w/wiki/wiki_1.2+dfsg.orig.tar.gz" {
		t.Errorf("File/Path = %+v %v, %q", f, ok, got[0].Path(f))
	}

	flipped := bytes.Clone(x.Bytes())
	flipped[len(flipped)/2] ^= 1
	if _, err := ReadSourcesIndex(rel, p, bytes.NewReader(flipped)); !errors.Is(err, ErrHashMismatch) {
		t.Errorf("flipped bit: error = %v, want %v", err, ErrHashMismatch)
	}
}

func TestParseSourcesErrors(t *testing.T) {
	one := strings.Split(sourcesTxt(hashOf([]byte(dscTxt))), "\n\n")[1]
	tests := []struct{ name, text, want string }{
		{"no package", strings.Replace(one, "Package: lua5.1\n", "", 1),
			`Sources: stanza at line 1: Package "" is not a Debian package name`},
		{"bad version", strings.Replace(one, "5.1.5-9\n", "v5\n", 1),
			`Sources: stanza at line 1: lua5.1: version "v5" is not a Debian version`},
		{"no checksums", strings.Replace(one, "Checksums-Sha256:\n "+phpSHA+" 5 lua5.1_5.1.5-9.dsc\n", "", 1),
			"Sources: stanza at line 1: lua5.1: no Checksums-Sha256 entries"},
		{"short entry", strings.Replace(one, " 5 lua5.1", " lua5.1", 1),
			`Sources: stanza at line 1: lua5.1: Checksums-Sha256 entry "` + phpSHA + ` lua5.1_5.1.5-9.dsc" is not "hash size name"`},
		{"name with a directory", strings.Replace(one, " lua5.1_5.1.5-9.dsc", " ../lua5.1_5.1.5-9.dsc", 1),
			`Sources: stanza at line 1: lua5.1: Checksums-Sha256 entry's name "../lua5.1_5.1.5-9.dsc" is not a plain file name`},
		{"name twice", strings.Replace(one, ".dsc\n", ".dsc\n "+phpSHA+" 5 lua5.1_5.1.5-9.dsc\n", 1),
			"Sources: stanza at line 1: lua5.1: Checksums-Sha256 names lua5.1_5.1.5-9.dsc twice"},
		{"no directory", strings.Replace(one, "Directory: pool/main/l/lua5.1\n", "", 1),
			`Sources: stanza at line 1: lua5.1: Directory "" is not a clean relative path`},
		{"directory escapes", strings.Replace(one, "Directory: pool", "Directory: ../pool", 1),
			`Sources: stanza at line 1: lua5.1: Directory "../pool/main/l/lua5.1" is not a clean relative path`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSources(strings.NewReader(tt.text))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error = %v\nwant  %s", err, tt.want)
			}
		})
	}
}

func TestReadDsc(t *testing.T) {
	signed := "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n" + dscTxt +
		"\n-----BEGIN PGP SIGNATURE-----\n\niQ==\n=AAAA\n-----END PGP SIGNATURE-----\n"
	wantDsc := Source{Package: "wiki", Version: "1:1.2+dfsg-1", Files: []SourceFile{
		{Name: "wiki_1.2+dfsg.orig.tar.gz", Size: 1000, SHA256: origSHA},
		{Name: "wiki_1.2+dfsg-1.debian.tar.xz", Size: 20, SHA256: debSHA},
	}}
	for name, dsc := range map[string]string{"plain": dscTxt, "clearsigned": signed} {
		t.Run(name, func(t *testing.T) {
			src := wantSources(hashOf([]byte(dsc)))[0]
			got, err := ReadDsc(src, "wiki_1.2+dfsg-1.dsc", strings.NewReader(dsc))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantDsc, got); diff != "" {
				t.Errorf("dsc (-want +got):\n%s", diff)
			}
		})
	}

	otherOrig := strings.Replace(dscTxt, origSHA, debSHA, 1)
	extra := dscTxt + " " + phpSHA + " 1 extra.tar.gz\n"
	otherVersion := strings.Replace(dscTxt, "1:1.2+dfsg-1", "1:1.2+dfsg-2", 1)
	// Each case's index vouches for the bytes it serves, but the first.
	tests := []struct {
		name, file, dsc string
		is              error
		want            string
	}{
		{"bytes differ from the index", "wiki_1.2+dfsg-1.dsc", dscTxt + "\n", ErrHashMismatch, "wiki_1.2+dfsg-1.dsc: size or SHA-256 does not match"},
		{"not a dsc", "wiki_1.2+dfsg.orig.tar.gz", dscTxt, nil, "wiki_1.2+dfsg.orig.tar.gz: not a .dsc of wiki 1:1.2+dfsg-1"},
		{"orig hash differs", "wiki_1.2+dfsg-1.dsc", otherOrig, ErrHashMismatch, ""},
		{"extra file", "wiki_1.2+dfsg-1.dsc", extra, nil, "wiki_1.2+dfsg-1.dsc: lists 3 files, the index 2 besides the .dsc"},
		{"other version", "wiki_1.2+dfsg-1.dsc", otherVersion, nil,
			"wiki_1.2+dfsg-1.dsc: is wiki 1:1.2+dfsg-2, the index says wiki 1:1.2+dfsg-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vouched := tt.dsc
			if tt.name == "bytes differ from the index" {
				vouched = dscTxt
			}
			src := wantSources(hashOf([]byte(vouched)))[0]
			_, err := ReadDsc(src, tt.file, strings.NewReader(tt.dsc))
			if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) || (tt.want != "" && !strings.HasPrefix(err.Error(), tt.want)) {
				t.Errorf("error = %v, want %v %q", err, tt.is, tt.want)
			}
		})
	}
}
