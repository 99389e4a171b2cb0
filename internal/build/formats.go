package build

import (
	"fmt"
	"slices"

	"github.com/mwedition/mwedition/internal/format"
	"github.com/mwedition/mwedition/internal/format/image"
	"github.com/mwedition/mwedition/internal/format/ospkg"
	"github.com/mwedition/mwedition/internal/format/tarballs"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/spec"
)

// formats are the output formats' implementations, in spec.OutputFormats' order (a test
// holds the two lists together). A new format is a package implementing format.Format, one
// line here, and its name and output block's attributes in spec.OutputFormats, which the
// manifests are checked against before anything is built.
var formats = []format.Format{ospkg.Deb, ospkg.RPM, tarballs.Format, image.Format}

// FormatNames are the names of the output formats, as --format and output blocks say them.
func FormatNames() []string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.Name()
	}
	return names
}

// FormatLayouts are the layout versions of the output formats, by name.
func FormatLayouts() map[string]string {
	m := make(map[string]string, len(formats))
	for _, f := range formats {
		m[f.Name()] = f.Layout()
	}
	return m
}

// Format names the build's defaults and checks refer to.
const (
	FormatDeb     = spec.FormatDeb
	FormatRPM     = spec.FormatRPM
	FormatTarball = spec.FormatTarball
	FormatImage   = spec.FormatImage
)

// Where the formats publish, below the output directory.
const (
	TarballDir = tarballs.Dir
	ImageDir   = image.Dir
)

// FormatOfDir names the format that publishes into dir below out/.
func FormatOfDir(dir string) (string, bool) {
	for _, f := range formats {
		if f.Dir() == dir {
			return f.Name(), true
		}
	}
	return "", false
}

// CheckFormats refuses a format name no registered format has.
func CheckFormats(names []string) error {
	known := FormatNames()
	for _, n := range names {
		if !slices.Contains(known, n) {
			return fmt.Errorf("unknown format %q (known: %v)", n, known)
		}
	}
	return nil
}

// selected are the registered formats this build makes, in registration order.
func (o Options) selected() []format.Format {
	var out []format.Format
	for _, f := range formats {
		if slices.Contains(o.Formats, f.Name()) {
			out = append(out, f)
		}
	}
	return out
}

// env is what the formats are given for one resolved project.
func (o Options) env(g resolve.Graph, lk lock.File) format.Env {
	return format.Env{Graph: g, Store: o.store(), Fetcher: o.Fetcher, Root: o.Root, Jobs: o.jobs(),
		SourceDateEpoch: o.SourceDateEpoch, Formats: o.Formats, Signer: o.Signer, ImageBase: o.ImageBase, Keychain: o.Keychain,
		DebianBases: lk.DebianBases}
}

// PackageName is the OS package name of a component.
var PackageName = format.PackageName

// EditionPackageName is the meta-package of an edition.
var EditionPackageName = ospkg.EditionPackageName
