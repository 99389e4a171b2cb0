package debarchive

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestVerifyDeb(t *testing.T) {
	deb := []byte("!<arch>\ndebian-binary   0           0     0     100644  4         `\n2.0\n")
	h := hashOf(deb)
	pin := Pin{Name: "hello", Version: "2.10-3", Architecture: "amd64",
		Filename: "pool/main/h/hello/hello_2.10-3_amd64.deb", Size: h.Size, SHA256: h.SHA256}
	tampered := bytes.Clone(deb)
	tampered[len(tampered)-2] = '1'
	badPin := pin
	badPin.Filename = "pool/../../hello.deb"
	tests := []struct {
		name string
		pin  Pin
		data []byte
		is   error
		want string
	}{
		{name: "as pinned", pin: pin, data: deb},
		{name: "one byte changed", pin: pin, data: tampered, is: ErrHashMismatch,
			want: "hello_2.10-3_amd64.deb: size or SHA-256 does not match: got " + itoa(h.Size) + " bytes with sha256 " +
				hashOf(tampered).SHA256 + ", pinned " + itoa(h.Size) + " bytes with sha256 " + h.SHA256},
		{name: "truncated", pin: pin, data: deb[:10], is: ErrHashMismatch},
		{name: "longer", pin: pin, data: append(bytes.Clone(deb), 'x'), is: ErrHashMismatch,
			want: "hello_2.10-3_amd64.deb: size or SHA-256 does not match: got more than " + itoa(h.Size) +
				" bytes, pinned " + itoa(h.Size) + " bytes with sha256 " + h.SHA256},
		{name: "pin escapes the pool", pin: badPin, data: deb,
			want: `pin hello.deb: hello: Filename "pool/../../hello.deb" is not a clean relative path`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyDeb(tt.pin, bytes.NewReader(tt.data))
			switch {
			case tt.is == nil && tt.want == "":
				if err != nil {
					t.Fatal(err)
				}
			case err == nil, tt.is != nil && !errors.Is(err, tt.is), tt.want != "" && err.Error() != tt.want:
				t.Errorf("error = %v\nwant  %v %s", err, tt.is, tt.want)
			}
		})
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestPinJSON(t *testing.T) {
	// The lock's form: field names are part of editions.lock's format.
	got, err := json.Marshal(wantPackages[0].Pin())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"php8.2-cli","version":"8.2.28-1~deb12u1","architecture":"amd64",` +
		`"filename":"pool/main/p/php8.2/php8.2-cli_8.2.28-1~deb12u1_amd64.deb","size":1785112,"sha256":"` + phpSHA + `"}`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("pin JSON (-want +got):\n%s", diff)
	}
}
