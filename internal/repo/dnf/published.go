package dnf

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"time"
)

// Served is what a served repository lists.
type Served struct {
	Revision time.Time // repomd.xml's revision (zero if it is not a Unix time)
	Packages []Published
}

// Published is a package a served repository lists.
type Published struct {
	Name, Arch              string
	Epoch, Version, Release string
	Href, Checksum          string
}

type repomdDoc struct {
	Revision string `xml:"revision"`
	Data     []struct {
		Type     string `xml:"type,attr"`
		Checksum struct {
			Type  string `xml:"type,attr"`
			Value string `xml:",chardata"`
		} `xml:"checksum"`
		Location struct {
			Href string `xml:"href,attr"`
		} `xml:"location"`
	} `xml:"data"`
}

type primaryDoc struct {
	Packages []struct {
		Name    string `xml:"name"`
		Arch    string `xml:"arch"`
		Version struct {
			Epoch string `xml:"epoch,attr"`
			Ver   string `xml:"ver,attr"`
			Rel   string `xml:"rel,attr"`
		} `xml:"version"`
		Checksum struct {
			Type  string `xml:"type,attr"`
			Value string `xml:",chardata"`
		} `xml:"checksum"`
		Location struct {
			Href string `xml:"href,attr"`
		} `xml:"location"`
	} `xml:"package"`
}

// ReadServed reads what the repository whose metadata read returns (by path relative to
// the root, as repo.Repo.ReadFile does) lists. A repository with nothing served yet (read
// fails with fs.ErrNotExist for repomd.xml) lists nothing. The primary file must match the
// checksum repomd.xml gives it.
func ReadServed(read func(path string) ([]byte, error)) (Served, error) {
	b, err := read(RepomdPath)
	if errors.Is(err, fs.ErrNotExist) {
		return Served{}, nil
	}
	if err != nil {
		return Served{}, fmt.Errorf("reading the published %s: %w", RepomdPath, err)
	}
	var md repomdDoc
	if err := xml.Unmarshal(b, &md); err != nil {
		return Served{}, fmt.Errorf("reading the published %s: %w", RepomdPath, err)
	}
	var s Served
	if n, err := strconv.ParseInt(md.Revision, 10, 64); err == nil && n > 0 {
		s.Revision = time.Unix(n, 0).UTC()
	}
	s.Packages, err = readPrimary(md, read)
	return s, err
}

func readPrimary(md repomdDoc, read func(path string) ([]byte, error)) ([]Published, error) {
	for _, d := range md.Data {
		if d.Type != "primary" {
			continue
		}
		if d.Checksum.Type != "sha256" {
			return nil, fmt.Errorf("the published %s gives primary a %q checksum; only sha256 is read", RepomdPath, d.Checksum.Type)
		}
		gz, err := read(d.Location.Href)
		if err != nil {
			return nil, fmt.Errorf("reading the published primary: %w", err)
		}
		if sha256hex(gz) != d.Checksum.Value {
			return nil, fmt.Errorf("the published %s does not match the checksum in %s", d.Location.Href, RepomdPath)
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			return nil, fmt.Errorf("reading the published %s: %w", d.Location.Href, err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("reading the published %s: %w", d.Location.Href, err)
		}
		var pd primaryDoc
		if err := xml.Unmarshal(raw, &pd); err != nil {
			return nil, fmt.Errorf("reading the published %s: %w", d.Location.Href, err)
		}
		out := make([]Published, 0, len(pd.Packages))
		for _, p := range pd.Packages {
			if p.Checksum.Type != "sha256" || p.Location.Href == "" {
				return nil, fmt.Errorf("the published primary lists %s without a location or a sha256 checksum", p.Name)
			}
			out = append(out, Published{Name: p.Name, Arch: p.Arch, Epoch: p.Version.Epoch, Version: p.Version.Ver,
				Release: p.Version.Rel, Href: p.Location.Href, Checksum: p.Checksum.Value})
		}
		return out, nil
	}
	return nil, fmt.Errorf("the published %s lists no primary metadata", RepomdPath)
}
