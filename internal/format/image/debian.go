package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mwedition/mwedition/internal/debroot"
	"github.com/mwedition/mwedition/internal/engine"
	"github.com/mwedition/mwedition/internal/format"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/pack/oci"
)

// kindDebian makes a locked Debian base's root and its layers.
const kindDebian = "image.debian"

// debianParams identify a Debian base's image by what its bytes come from: the pinned
// packages, the archives its sources.list names, its time, and its name (which its
// history names).
type debianParams struct {
	Layout   string
	Name     string
	Time     int64
	Suites   []debianSuite
	Packages []lock.DebPackage
}

type debianSuite struct{ Archive, Suite string }

// debianBase is the locked base an image output names, or an error saying how to lock it.
func (o env) debianBase(b oci.BaseRef) (lock.DebianBase, error) {
	for _, lb := range o.DebianBases {
		if lb.Name == b.Ref {
			return lb, nil
		}
	}
	return lock.DebianBase{}, fmt.Errorf("base %s: %s locks no Debian base %q: declare it in a debian_base block and run mwedition lock (Docker Hub's debian image is named by digest, as debian:TAG@sha256:...)",
		b, lock.FileName, b.Ref)
}

// debianAction makes a Debian base's root from its pinned .debs and stores it as an image
// of a few layers (debroot.Split), which every edition on the base shares. Its outcome is
// a Base, as an imported base's is, so that images are made on it the same way.
func (o env) debianAction(ref string, lb lock.DebianBase, where string) engine.Action {
	dp := debianParams{Layout: imageLayout + "+" + debroot.Layout, Name: lb.Name, Time: lb.Time, Packages: lb.Packages}
	for _, s := range lb.Suites {
		dp.Suites = append(dp.Suites, debianSuite{Archive: s.Archive, Suite: s.Suite})
	}
	return engine.Action{
		ID: baseActionID(ref), Kind: kindDebian, Key: format.Key(kindDebian, dp),
		Where: where, Label: "base " + ref,
		Valid: format.Valid(func(b Base) bool {
			return oci.Complete(o.store(), b.Image.Descriptor()) && o.store().HasBlob(b.Contents)
		}),
		Run: func(ctx context.Context, _ engine.Inputs) (engine.Outcome, error) {
			return o.makeDebianBase(ctx, lb)
		},
	}
}

func (o env) makeDebianBase(ctx context.Context, lb lock.DebianBase) (_ engine.Outcome, err error) {
	st := o.store()
	if err := os.MkdirAll(st.TempDir(), 0o755); err != nil {
		return engine.Outcome{}, err
	}
	// In the store, so that the pinned .debs are linked rather than copied.
	work, err := os.MkdirTemp(st.TempDir(), "debroot-*")
	if err != nil {
		return engine.Outcome{}, err
	}
	defer func() {
		if rerr := debroot.RemoveWork(work); err == nil && rerr != nil {
			err = fmt.Errorf("debian base %s: %w", lb.Name, rerr)
		}
	}()
	tarball := filepath.Join(work, "root.tar")
	if err := debroot.Root(ctx, debroot.Options{Store: st, Work: work}, lb, tarball); err != nil {
		return engine.Outcome{}, err
	}
	layers, inst, err := splitRoot(st, tarball, lb.Time)
	if err != nil {
		return engine.Outcome{}, fmt.Errorf("debian base %s: %w", lb.Name, err)
	}
	if err := debroot.Check(lb, inst); err != nil {
		return engine.Outcome{}, err
	}
	return o.storeDebianBase(lb, layers)
}

// splitRoot stores the root's layers, each streamed into the store as Split writes it.
func splitRoot(st oci.Store, tarball string, mtime int64) ([]oci.Layer, []debroot.Installed, error) {
	f, err := os.Open(tarball)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	var ws [debroot.NumLayers]io.Writer
	pws := make([]*io.PipeWriter, debroot.NumLayers)
	layers := make([]oci.Layer, debroot.NumLayers)
	errs := make([]error, debroot.NumLayers)
	done := make(chan struct{})
	for i := range ws {
		pr, pw := io.Pipe()
		ws[i], pws[i] = pw, pw
		go func() {
			layers[i], errs[i] = oci.AddLayer(st, pr)
			pr.CloseWithError(errs[i])
			done <- struct{}{}
		}()
	}
	inst, err := debroot.Split(f, fi.Size(), mtime, ws)
	for _, pw := range pws {
		pw.CloseWithError(err)
	}
	for range pws {
		<-done
	}
	if err != nil {
		return nil, nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	return layers, inst, nil
}

// storeDebianBase writes the base's image (its layers, and a configuration that says only
// its platform, search path and history) and what it holds, as importBase does.
func (o env) storeDebianBase(lb lock.DebianBase, layers []oci.Layer) (engine.Outcome, error) {
	st := o.store()
	created := oci.Time(time.Unix(lb.Time, 0))
	arch := scratchPlatform.Architecture
	for _, p := range lb.Packages {
		if p.Architecture != "all" {
			arch = p.Architecture
			break
		}
	}
	for i := range layers {
		layers[i].History = v1.History{Created: created,
			CreatedBy: fmt.Sprintf("mwedition: debian base %s, %s layer (%d pinned packages)", lb.Name, debroot.Layer(i), len(lb.Packages))}
	}
	cfg := v1.ConfigFile{Architecture: arch, OS: "linux", Created: created, Config: v1.Config{Env: []string{defaultPath}}}
	d, err := oci.WriteImage(st, oci.Base{}, layers, cfg, nil)
	if err != nil {
		return engine.Outcome{}, err
	}
	c, err := oci.Inspect(st, d)
	if err != nil {
		return engine.Outcome{}, fmt.Errorf("debian base %s: %w", lb.Name, err)
	}
	js, err := json.Marshal(map[string]oci.Contents{d.Digest.String(): c})
	if err != nil {
		return engine.Outcome{}, err
	}
	sha, err := st.PutBytes(js)
	if err != nil {
		return engine.Outcome{}, err
	}
	var size int64
	for _, l := range layers {
		size += l.Size
	}
	return format.Encode(Base{Image: imageOf(d), Contents: sha}, size)
}
