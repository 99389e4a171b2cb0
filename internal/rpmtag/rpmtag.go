// Package rpmtag is the vocabulary of RPM headers (rpm's lib/rpmtag.h) that mwedition
// writes (internal/pack) and reads back to explain a difference (internal/repro): tag
// numbers, their names, and the data types of header entries. Keeping one table means a
// tag the writer adds is one the reader can name.
package rpmtag

import "strconv"

// Region tags: the first index entry of a header names the region that the whole header
// is, and points at a copy of itself (the trailer) at the end of the data store.
const (
	HeaderSignatures = 62 // the signature header
	HeaderImmutable  = 63 // the main header
)

// Main header tags. The constants are untyped, so that a writer's uint32 and a reader's
// int both take them.
const (
	HeaderI18NTable   = 100
	Name              = 1000
	Version           = 1001
	Release           = 1002
	Epoch             = 1003
	Summary           = 1004
	Description       = 1005
	BuildTime         = 1006
	BuildHost         = 1007
	Size              = 1009
	Vendor            = 1011
	License           = 1014
	Packager          = 1015
	Group             = 1016
	URL               = 1020
	OS                = 1021
	Arch              = 1022
	PreIn             = 1023
	PostIn            = 1024
	PreUn             = 1025
	PostUn            = 1026
	FileSizes         = 1028
	FileModes         = 1030
	FileRdevs         = 1033
	FileMtimes        = 1034
	FileDigests       = 1035
	FileLinkTos       = 1036
	FileFlags         = 1037
	FileUserName      = 1039
	FileGroupName     = 1040
	SourceRPM         = 1044
	FileVerifyFlags   = 1045
	ProvideName       = 1047
	RequireFlags      = 1048
	RequireName       = 1049
	RequireVersion    = 1050
	ConflictFlags     = 1053
	ConflictName      = 1054
	ConflictVersion   = 1055
	RPMVersion        = 1064
	ChangelogTime     = 1080
	ChangelogName     = 1081
	ChangelogText     = 1082
	PreInProg         = 1085
	PostInProg        = 1086
	PreUnProg         = 1087
	PostUnProg        = 1088
	ObsoleteName      = 1090
	FileDevices       = 1095
	FileInodes        = 1096
	FileLangs         = 1097
	ProvideFlags      = 1112
	ProvideVersion    = 1113
	ObsoleteFlags     = 1114
	ObsoleteVersion   = 1115
	DirIndexes        = 1116
	BaseNames         = 1117
	DirNames          = 1118
	PayloadFormat     = 1124
	PayloadCompressor = 1125
	PayloadFlags      = 1126
	Platform          = 1132
	LongSize          = 5009
	FileDigestAlgo    = 5011
	RecommendName     = 5046
	RecommendVersion  = 5047
	RecommendFlags    = 5048
	SuggestName       = 5049
	SuggestVersion    = 5050
	SuggestFlags      = 5051
	PayloadDigest     = 5092
	PayloadDigestAlgo = 5093
	PayloadDigestAlt  = 5097
)

// Signature header tags. Some share numbers with main header tags (SigSize is Name's
// 1000): a tag's meaning depends on the header it is in.
const (
	SigDSA             = 267 // OpenPGP signature of the main header, DSA and ECDSA keys
	SigRSA             = 268 // OpenPGP signature of the main header, other keys
	SigSHA1            = 269
	SigLongSize        = 270
	SigLongArchiveSize = 271
	SigSHA256          = 273
	SigSize            = 1000 // main header and compressed payload
	SigPayloadSize     = 1007 // uncompressed payload
)

// Data types of header entries (rpm's rpmTagType).
const (
	Char        = 1
	Int8        = 2
	Int16       = 3
	Int32       = 4
	Int64       = 5
	String      = 6
	Bin         = 7
	StringArray = 8
	I18NString  = 9
)

// Magic starts every header: magic, version 1, four reserved bytes.
var Magic = [8]byte{0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0}

// names are rpm's names for the tags mwedition writes, by number. Numbers the two headers
// share are named as in the main header.
var names = map[int]string{
	HeaderSignatures: "HEADERSIGNATURES", HeaderImmutable: "HEADERIMMUTABLE",
	SigDSA: "DSAHEADER", SigRSA: "RSAHEADER", SigSHA1: "SHA1HEADER", SigLongSize: "LONGSIGSIZE",
	SigLongArchiveSize: "LONGARCHIVESIZE", SigSHA256: "SHA256HEADER",
	HeaderI18NTable: "HEADERI18NTABLE", Name: "NAME", Version: "VERSION", Release: "RELEASE",
	Epoch: "EPOCH", Summary: "SUMMARY", Description: "DESCRIPTION", BuildTime: "BUILDTIME",
	BuildHost: "BUILDHOST", Size: "SIZE", Vendor: "VENDOR", License: "LICENSE", Packager: "PACKAGER",
	Group: "GROUP", URL: "URL", OS: "OS", Arch: "ARCH", PreIn: "PREIN", PostIn: "POSTIN",
	PreUn: "PREUN", PostUn: "POSTUN", FileSizes: "FILESIZES", FileModes: "FILEMODES",
	FileRdevs: "FILERDEVS", FileMtimes: "FILEMTIMES", FileDigests: "FILEDIGESTS",
	FileLinkTos: "FILELINKTOS", FileFlags: "FILEFLAGS", FileUserName: "FILEUSERNAME",
	FileGroupName: "FILEGROUPNAME", SourceRPM: "SOURCERPM", FileVerifyFlags: "FILEVERIFYFLAGS",
	ProvideName: "PROVIDENAME", RequireFlags: "REQUIREFLAGS", RequireName: "REQUIRENAME",
	RequireVersion: "REQUIREVERSION", ConflictFlags: "CONFLICTFLAGS", ConflictName: "CONFLICTNAME",
	ConflictVersion: "CONFLICTVERSION", RPMVersion: "RPMVERSION", ChangelogTime: "CHANGELOGTIME",
	ChangelogName: "CHANGELOGNAME", ChangelogText: "CHANGELOGTEXT", PreInProg: "PREINPROG",
	PostInProg: "POSTINPROG", PreUnProg: "PREUNPROG", PostUnProg: "POSTUNPROG",
	ObsoleteName: "OBSOLETENAME", FileDevices: "FILEDEVICES", FileInodes: "FILEINODES",
	FileLangs: "FILELANGS", ProvideFlags: "PROVIDEFLAGS", ProvideVersion: "PROVIDEVERSION",
	ObsoleteFlags: "OBSOLETEFLAGS", ObsoleteVersion: "OBSOLETEVERSION", DirIndexes: "DIRINDEXES",
	BaseNames: "BASENAMES", DirNames: "DIRNAMES", PayloadFormat: "PAYLOADFORMAT",
	PayloadCompressor: "PAYLOADCOMPRESSOR", PayloadFlags: "PAYLOADFLAGS", Platform: "PLATFORM",
	LongSize: "LONGSIZE", FileDigestAlgo: "FILEDIGESTALGO", RecommendName: "RECOMMENDNAME",
	RecommendVersion: "RECOMMENDVERSION", RecommendFlags: "RECOMMENDFLAGS",
	SuggestName: "SUGGESTNAME", SuggestVersion: "SUGGESTVERSION", SuggestFlags: "SUGGESTFLAGS",
	PayloadDigest: "PAYLOADDIGEST", PayloadDigestAlgo: "PAYLOADDIGESTALGO",
	PayloadDigestAlt: "PAYLOADDIGESTALT",
}

// Label is how a tag is shown: its number and rpm's name, "1006 BUILDTIME", or the number
// alone for a tag mwedition does not write.
func Label(tag int) string {
	if n, ok := names[tag]; ok {
		return strconv.Itoa(tag) + " " + n
	}
	return strconv.Itoa(tag)
}

// PerFile says whether a main header tag holds one element per file, in the order of the
// file list, so that a reader can report an element under the file's path.
func PerFile(tag int) bool {
	switch tag {
	case FileSizes, FileModes, FileRdevs, FileMtimes, FileDigests, FileLinkTos, FileFlags,
		FileUserName, FileGroupName, FileVerifyFlags, FileDevices, FileInodes, FileLangs,
		DirIndexes, BaseNames:
		return true
	}
	return false
}
