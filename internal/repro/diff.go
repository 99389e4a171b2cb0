package repro

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/outdir"
	"github.com/mwedition/mwedition/internal/rpmtag"
)

// Difference is one attribute of one entry that differs between the original artifact and
// the rebuilt one. Field is "missing" or "extra" for an entry only one side has, and
// "position" when both have the same entries in another order.
type Difference struct {
	Entry    string `json:"entry"`
	Field    string `json:"field"`
	Original string `json:"original"`
	Rebuilt  string `json:"rebuilt"`
}

func (d Difference) String() string {
	switch d.Field {
	case "missing":
		return d.Entry + ": only in the original"
	case "extra":
		return d.Entry + ": only in the rebuild"
	}
	return fmt.Sprintf("%s: %s %s (original) != %s (rebuilt)", d.Entry, d.Field, quoteIfNeeded(d.Original), quoteIfNeeded(d.Rebuilt))
}

func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsAny(s, " \n\t\"") || len(s) > 80 {
		if len(s) > 200 {
			s = s[:200] + "..."
		}
		return strconv.Quote(s)
	}
	return s
}

// MaxDifferences is how many differences of one artifact a report lists; Result.More
// counts the rest.
const MaxDifferences = 20

// fields lists an entry's attributes by name, in a fixed order; zero values are shown too
// where they matter for reproducibility (owner, mode, time).
func fields(e Entry) [][2]string {
	t := func(x time.Time) string {
		if x.IsZero() {
			return ""
		}
		return x.UTC().Format(time.RFC3339Nano)
	}
	var out [][2]string
	add := func(k, v string) { out = append(out, [2]string{k, v}) }
	switch e.Kind {
	case KindField:
		add("value", e.Value)
		if e.Digest != "" {
			add("sha256", e.Digest)
		}
		return out
	case KindGzip:
		add("mtime", t(e.MTime))
		add("name", e.Value)
		add("comment", e.Comment)
		add("os", strconv.Itoa(e.OS))
		add("extra", e.Digest)
		return out
	case KindFile:
		add("size", strconv.FormatInt(e.Size, 10))
		add("sha256", e.Digest)
		return out
	}
	add("type", e.Type)
	add("mode", fmt.Sprintf("%#o", e.Mode))
	add("uid", strconv.Itoa(e.UID))
	add("gid", strconv.Itoa(e.GID))
	if e.Kind == KindTar {
		add("uname", e.Uname)
		add("gname", e.Gname)
	}
	add("mtime", t(e.MTime))
	if e.Kind == KindTar {
		add("atime", t(e.ATime))
		add("ctime", t(e.CTime))
		add("format", e.Format)
		keys := make([]string, 0, len(e.PAX))
		for k := range e.PAX {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var pax []string
		for _, k := range keys {
			pax = append(pax, k+"="+e.PAX[k])
		}
		add("pax", strings.Join(pax, " "))
	}
	if e.Kind == KindCPIO {
		add("nlink", strconv.Itoa(e.Nlink))
		add("inode", strconv.Itoa(e.Ino))
	}
	add("size", strconv.FormatInt(e.Size, 10))
	add("link", e.Link)
	add("sha256", e.Digest)
	return out
}

// DiffEntries compares two entry lists: entries are matched by ID, each attribute
// compared; then, if both hold the same entries, their order. It returns every difference.
func DiffEntries(orig, rebuilt []Entry) []Difference {
	var out []Difference
	byID := make(map[string]int, len(rebuilt))
	for i, e := range rebuilt {
		byID[e.ID()] = i
	}
	seen := make(map[string]bool, len(orig))
	for _, o := range orig {
		id := o.ID()
		seen[id] = true
		i, ok := byID[id]
		if !ok {
			out = append(out, Difference{Entry: id, Field: "missing"})
			continue
		}
		of, rf := fields(o), fields(rebuilt[i])
		for k := range of {
			if of[k] != rf[k] {
				out = append(out, Difference{Entry: id, Field: of[k][0], Original: of[k][1], Rebuilt: rf[k][1]})
			}
		}
	}
	for _, r := range rebuilt {
		if !seen[r.ID()] {
			out = append(out, Difference{Entry: r.ID(), Field: "extra"})
		}
	}
	if len(out) == 0 && len(orig) == len(rebuilt) {
		for i := range orig {
			if orig[i].ID() != rebuilt[i].ID() {
				out = append(out, Difference{Entry: "entry " + strconv.Itoa(i), Field: "position", Original: orig[i].ID(), Rebuilt: rebuilt[i].ID()})
				break
			}
		}
	}
	return out
}

// Status is what comparing one artifact found.
type Status string

// Statuses.
const (
	Identical Status = "identical"
	Differs   Status = "differs"
	Missing   Status = "missing" // in the original (or the sums), not in the rebuild
	Extra     Status = "extra"   // in the rebuild, not in the original
	Skipped   Status = "skipped" // not rebuilt: a signature, which needs the release manager's key
)

// Result is the comparison of one artifact.
type Result struct {
	Artifact    string       `json:"artifact"` // path relative to out/, or "oci/<image>"
	Status      Status       `json:"status"`
	Original    string       `json:"original,omitempty"` // SHA-256
	Rebuilt     string       `json:"rebuilt,omitempty"`
	Note        string       `json:"note,omitempty"`
	Differences []Difference `json:"differences,omitempty"` // the first MaxDifferences
	More        int          `json:"more,omitempty"`        // differences not listed
}

func (r *Result) setDifferences(ds []Difference) {
	if len(ds) > MaxDifferences {
		r.More = len(ds) - MaxDifferences
		ds = ds[:MaxDifferences]
	}
	r.Differences = ds
}

// CompareFiles compares an original artifact with its rebuild. Identical bytes end it;
// otherwise both are read entry by entry (JSON files field by field) and the entries that
// differ are listed. rel names the artifact in the result (a path relative to out/).
func CompareFiles(rel, orig, rebuilt string) (Result, error) {
	res := Result{Artifact: rel}
	var err error
	if res.Original, err = fstree.FileSHA256(orig); err != nil {
		return res, err
	}
	if res.Rebuilt, err = fstree.FileSHA256(rebuilt); err != nil {
		return res, err
	}
	if res.Original == res.Rebuilt {
		res.Status = Identical
		return res, nil
	}
	res.Status = Differs
	var ds []Difference
	if strings.HasSuffix(rel, ".json") {
		ds, err = diffJSONFiles(orig, rebuilt)
	} else {
		ds, err = diffArtifacts(rel, orig, rebuilt)
	}
	if err != nil {
		res.Note = err.Error()
		return res, nil
	}
	if strings.HasSuffix(rel, ".rpm") {
		ds, res.Note = unsignedRPM(ds)
		if len(ds) == 0 {
			res.Status = Identical
			return res, nil
		}
	}
	if len(ds) == 0 {
		ds = []Difference{{Entry: path.Base(rel), Field: "bytes", Original: res.Original, Rebuilt: res.Rebuilt}}
		res.Note = "every entry and header is the same: the compressed bytes differ (the compressor's version or settings?)"
	}
	res.setDifferences(ds)
	return res, nil
}

func diffArtifacts(rel, orig, rebuilt string) ([]Difference, error) {
	if path.Base(rel) == outdir.Sums {
		return diffLines(orig, rebuilt)
	}
	o, err := Walk(orig, nil)
	if err != nil {
		return nil, fmt.Errorf("the original: %w", err)
	}
	r, err := Walk(rebuilt, nil)
	if err != nil {
		return nil, fmt.Errorf("the rebuild: %w", err)
	}
	return DiffEntries(o, r), nil
}

// unsignedRPM drops the differences a signature makes: an original signed with the
// release manager's key, rebuilt without it.
func unsignedRPM(ds []Difference) ([]Difference, string) {
	var out []Difference
	dropped := false
	for _, d := range ds {
		if d.Field == "missing" && (d.Entry == "signature: field "+rpmtag.Label(rpmtag.SigDSA) || d.Entry == "signature: field "+rpmtag.Label(rpmtag.SigRSA)) {
			dropped = true
			continue
		}
		out = append(out, d)
	}
	if dropped {
		return out, "the original is signed and the rebuild is not (verify has no key): every other header tag and the payload were compared"
	}
	return out, ""
}

// diffLines compares small text files line by line (SHA256SUMS).
func diffLines(orig, rebuilt string) ([]Difference, error) {
	o, r, err := readPair(orig, rebuilt)
	if err != nil {
		return nil, err
	}
	ol, rl := strings.Split(string(o), "\n"), strings.Split(string(r), "\n")
	var out []Difference
	for i := 0; i < max(len(ol), len(rl)); i++ {
		var a, b string
		if i < len(ol) {
			a = ol[i]
		}
		if i < len(rl) {
			b = rl[i]
		}
		if a != b {
			out = append(out, Difference{Entry: "line " + strconv.Itoa(i+1), Field: "text", Original: a, Rebuilt: b})
		}
	}
	return out, nil
}

// FlattenJSON lists a JSON document's leaves by path: "config.Labels.io\.mwedition\.edition".
func FlattenJSON(b []byte) ([][2]string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var out [][2]string
	var walk func(p string, v any)
	walk = func(p string, v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if len(keys) == 0 {
				out = append(out, [2]string{p, "{}"})
			}
			for _, k := range keys {
				walk(joinKey(p, k), x[k])
			}
		case []any:
			if len(x) == 0 {
				out = append(out, [2]string{p, "[]"})
			}
			for i, e := range x {
				walk(p+"["+strconv.Itoa(i)+"]", e)
			}
		case nil:
			out = append(out, [2]string{p, "null"})
		default:
			out = append(out, [2]string{p, fmt.Sprint(x)})
		}
	}
	walk("", v)
	return out, nil
}

func joinKey(p, k string) string {
	k = strings.ReplaceAll(k, ".", `\.`)
	if p == "" {
		return k
	}
	return p + "." + k
}

// DiffJSON compares two JSON documents leaf by leaf; where names the document in entries.
func DiffJSON(where string, orig, rebuilt []byte) ([]Difference, error) {
	o, err := FlattenJSON(orig)
	if err != nil {
		return nil, fmt.Errorf("the original %s: %w", where, err)
	}
	r, err := FlattenJSON(rebuilt)
	if err != nil {
		return nil, fmt.Errorf("the rebuilt %s: %w", where, err)
	}
	toEntries := func(kv [][2]string) []Entry {
		out := make([]Entry, len(kv))
		for i, x := range kv {
			out[i] = Entry{Where: where, Kind: KindField, Name: x[0], Value: x[1]}
		}
		return out
	}
	return DiffEntries(toEntries(o), toEntries(r)), nil
}

// readPair reads a small file of both builds.
func readPair(orig, rebuilt string) (o, r []byte, err error) {
	if o, err = os.ReadFile(orig); err != nil {
		return nil, nil, err
	}
	if r, err = os.ReadFile(rebuilt); err != nil {
		return nil, nil, err
	}
	return o, r, nil
}

func diffJSONFiles(orig, rebuilt string) ([]Difference, error) {
	o, r, err := readPair(orig, rebuilt)
	if err != nil {
		return nil, err
	}
	return DiffJSON(path.Base(orig), o, r)
}
