// Package oci builds OCI images out of normalised file trees, with go-containerregistry's
// types: the mechanics of mwedition's image output, while internal/build decides what goes
// into each image.
//
//   - WriteLayer turns a tree into a gzip-compressed tar layer, deterministically: entries
//     sorted bytewise, uid/gid 0 unless an Attr says otherwise, one modification time, no
//     user or group names, gzip headers without name or time. The same tree at the same
//     place and time gives the same bytes in every image that holds it, so images of
//     different editions share layers byte for byte.
//   - Import copies a base image into the content store once, from a registry reference
//     pinned by digest, an OCI image layout, a docker-archive tarball or a root filesystem
//     tarball; Inspect records what the base holds (its paths and users), which is what
//     the caller needs to configure a web server for it.
//   - WriteImage and WriteIndex store image configurations, manifests and indexes built
//     over a base from stored layers, always with OCI media types.
//   - WriteLayout publishes stored images as one OCI image layout, each blob once, built
//     aside and renamed into place.
//   - LayoutDir reads a layout back (index.json, blobs by digest, what an image reaches):
//     the one reader that publishing, verify's comparison and layout bases all use.
//
// Blobs live in a Store (internal/cache.Store satisfies it) at blobs/sha256/<hex>, the path
// an OCI layout uses. Everything here is a function of its inputs: no clock, host name or
// environment is read, and nothing prints. Only Import touches the network, for registry
// bases, through the transport and credentials its caller passes.
package oci
