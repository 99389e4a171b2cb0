// Package policy reads a project's policy.hcl, the rules a security team sets for what may
// ship, and checks a build's or a publication's facts against them.
//
// A policy is checked three times, and what it checks depends on the stage:
//
//   - licences (licenses.allow, licenses.deny, licenses.unknown), what each edition must
//     and must not hold (edition "NAME".require and .forbid) and embargo allow = "never"
//     are checked at every stage: Build, Publish and Verify;
//   - signatures.require is checked at Publish and Verify; at Build an unsigned artifact is a
//     warning (Violation.Warning), so that a developer's unsigned local build still works
//     while publish refuses it;
//   - images.max_size is checked at every stage whose facts hold image artifacts;
//   - embargo allow = "private-targets" is checked at Publish: an edition holding an
//     embargoed patch may not be sent to a target that is not declared private.
//
// An edition rule naming an edition the facts do not hold is a warning at every stage: a
// build of some editions only does not fail on it, and a misspelt name is still seen.
//
// The package judges the plain facts it is given (Facts) and knows nothing of how a build
// or an out/ directory is read: the caller fills them.
package policy

import (
	"encoding/json"
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/spec"
)

// FileName is the policy's file at a project's root.
const FileName = spec.PolicyFileName

// Policy is a decoded policy.hcl. A nil block pointer is a block the file does not hold,
// whose rules are not checked.
type Policy struct {
	Licenses   *Licenses
	Signatures *Signatures
	Embargo    *Embargo
	Editions   []EditionRules // in the file's order, one per name
	Images     *Images
}

// Licenses is the licenses block. Allow and Deny hold SPDX identifiers (possibly with a
// WITH exception) as written; a nil Allow accepts every licence that is not denied.
type Licenses struct {
	Allow       []string
	Deny        []string
	DenyUnknown bool
	AllowRule   Rule // zero when the attribute is absent
	DenyRule    Rule
	UnknownRule Rule
}

// Signatures is the signatures block: the artifact kinds (spec.SignatureKinds) that must be
// signed.
type Signatures struct {
	Require []string
	Rule    Rule
}

// Embargo is the embargo block: Allow is "private-targets" or "never".
type Embargo struct {
	Allow string
	Rule  Rule
}

// EditionRules is an edition block: the components one edition must and must not hold,
// each a recipe name, a component ID or a composer library name.
type EditionRules struct {
	Name        string
	Require     []string
	Forbid      []string
	RequireRule Rule
	ForbidRule  Rule
	Block       Rule // the block itself, cited when the edition is not among the facts
}

// Images is the images block: the largest an image may be, in bytes.
type Images struct {
	MaxSize int64
	Rule    Rule
}

// Rule names one attribute of the policy, such as licenses.deny or edition
// "enterprise".require, and where it is written, so that a violation cites its line.
type Rule struct {
	Name  string
	Range hcl.Range
}

// Stage is when a policy is checked; what it checks depends on it (see the package doc).
type Stage int

// The stages. The zero Stage is none of them and is checked as strictly as Publish, except
// for the embargo's targets, which only a publication has.
const (
	Build Stage = iota + 1
	Publish
	Verify
)

func (s Stage) String() string {
	switch s {
	case Build:
		return "build"
	case Publish:
		return "publish"
	case Verify:
		return "verify"
	}
	return fmt.Sprintf("stage(%d)", int(s))
}

// Facts are what a policy is checked against: a build's resolved editions, or what an out/
// directory holds, as the caller reads them.
type Facts struct {
	Editions  []Edition
	Packages  []Package  // every component and composer library shipped, per edition
	Artifacts []Artifact // what a build made or a publish sends
	Stage     Stage
	Targets   []Target // Publish only: where the editions go
}

// Edition is one edition: its component IDs (core/mediawiki, extension/Cite, skin/Vector,
// library/vendor/name) and the embargoed patches it holds (their files).
type Edition struct {
	Name             string
	Components       []string
	EmbargoedPatches []string
}

// Package is one component or composer library of one edition. License is an SPDX
// expression; "", "NOASSERTION" and "NONE" are an unknown licence.
type Package struct {
	Edition, ID, Name, Version, License string
	Library                             bool
}

// Artifact is one thing a build made or a publication sends. Kind is "package", "tarball",
// "image" or "repository"; Size matters for images: their config and layers, compressed.
type Artifact struct {
	Path    string
	Kind    string
	Edition string
	Signed  bool
	Size    int64
}

// Target is where a publication goes; Private when a private_target block declares it.
type Target struct {
	Name    string
	Private bool
}

// Violation is one thing that breaks a rule. A Warning does not refuse anything.
type Violation struct {
	Rule    Rule
	Subject string // the artifact's path, the component ID, library name@version, edition or target
	Message string
	Warning bool
}

// String is the violation as a person reads it: "policy.hcl:4: licenses.deny: ...".
func (v Violation) String() string {
	warn := ""
	if v.Warning {
		warn = "warning: "
	}
	return fmt.Sprintf("%s:%d: %s%s: %s", v.Rule.Range.Filename, v.Rule.Range.Start.Line, warn, v.Rule.Name, v.Message)
}

// MarshalJSON writes the violation as --json prints it: the rule by name, file and line.
func (v Violation) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Rule    string `json:"rule"`
		File    string `json:"file"`
		Line    int    `json:"line"`
		Subject string `json:"subject"`
		Message string `json:"message"`
		Warning bool   `json:"warning"`
	}{v.Rule.Name, v.Rule.Range.Filename, v.Rule.Range.Start.Line, v.Subject, v.Message, v.Warning})
}
