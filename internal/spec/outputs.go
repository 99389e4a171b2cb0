package spec

// OutputFormat is an output format as manifests and --format name it: the attributes its
// output block takes, and the PHP branch it targets when the edition does not say.
type OutputFormat struct {
	Name       string
	Attributes []string
	DefaultPHP string // "" for a format that runs no PHP of its own choosing
}

// The output formats' names. Their implementations (internal/format/...) are registered
// under these names in internal/build, which checks that the two lists agree.
const (
	FormatDeb     = "deb"
	FormatRPM     = "rpm"
	FormatTarball = "tarball"
	FormatImage   = "image"
)

// OutputFormats are the output formats, in the order they are built and published: the
// one list every other package asks. PHP branches are Debian bookworm's for deb and
// images, Fedora's for rpm.
var OutputFormats = []OutputFormat{
	{Name: FormatDeb, Attributes: []string{"php"}, DefaultPHP: "8.2"},
	{Name: FormatRPM, Attributes: []string{"php"}, DefaultPHP: "8.3"},
	{Name: FormatTarball, Attributes: []string{"compression"}},
	{Name: FormatImage, Attributes: []string{"base", "tags", "php"}, DefaultPHP: "8.2"},
}

// OutputFormatNames are the names of OutputFormats, in their order.
func OutputFormatNames() []string {
	names := make([]string, len(OutputFormats))
	for i, f := range OutputFormats {
		names[i] = f.Name
	}
	return names
}

// LookupOutputFormat finds an output format by name.
func LookupOutputFormat(name string) (OutputFormat, bool) {
	for _, f := range OutputFormats {
		if f.Name == name {
			return f, true
		}
	}
	return OutputFormat{}, false
}
