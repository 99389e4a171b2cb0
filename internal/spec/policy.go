package spec

// PolicyFileName is the file at a project's root holding the security team's policy, which
// build, publish and verify --policy check what they make and send against.
const PolicyFileName = "policy.hcl"

// SignatureKinds are the artifact kinds a policy's signatures block may require signed.
var SignatureKinds = []string{"packages", "tarballs", "images", "repositories"}

// EmbargoModes are the values of a policy's embargo.allow.
var EmbargoModes = []string{"private-targets", "never"}

// SizeUnits are the units a policy's sizes may be written in.
var SizeUnits = []string{"B", "KB", "MB", "GB", "KiB", "MiB", "GiB"}

// PolicyLicensesBlock documents the policy's licenses block.
var PolicyLicensesBlock = Block{
	Type: "licenses",
	Doc: "Which licences may ship. Every component and composer library of every edition has its " +
		"licence checked, as an [SPDX expression](https://spdx.github.io/spdx-spec/v2.3/SPDX-license-expressions/): " +
		"`A OR B` passes when either branch is acceptable, `A AND B` only when both are. " +
		"Identifiers compare case-insensitively, and deprecated ones (`GPL-2.0+`) mean what SPDX " +
		"says (`GPL-2.0-or-later`). Checked at build, publish and verify.",
	Attributes: []Attribute{
		{Name: "allow", Type: "list(string)", Default: "every licence that is not denied",
			Doc: "The only licences that may ship: a licence expression must be satisfiable from this list, less what `deny` names. " +
				"A range here covers the versions it names: `GPL-2.0-or-later` accepts `GPL-3.0-only`. Each entry is an SPDX identifier or a `LicenseRef-`.",
			Example: `allow = ["GPL-2.0-or-later", "MIT", "BSD-3-Clause", "Apache-2.0"]`},
		{Name: "deny", Type: "list(string)", Default: "nothing denied",
			Doc: "Licences that may never ship, with or without an exception (`WITH ...`). An identifier is denied as written, in any case, a deprecated one as SPDX reads it (`GPL-3.0` is `GPL-3.0-only`): " +
				"`GPL-3.0-only` and `GPL-3.0-or-later` are two entries, and denying one leaves the other allowed. Each entry is an SPDX identifier or a `LicenseRef-`.",
			Example: `deny = ["AGPL-3.0-only", "AGPL-3.0-or-later", "SSPL-1.0"]`},
		{Name: "unknown", Type: "string", Default: "`\"allow\"`", Values: []string{"allow", "deny"},
			Doc: "What happens to a component or library whose licence is unknown: none declared, `NOASSERTION`, `NONE`, or text that is not an SPDX expression. " +
				"`deny` refuses it; `allow` lets it pass, `allow` list or not.",
			Example: `unknown = "deny"`},
	},
	Example: `licenses {
  deny    = ["AGPL-3.0-only", "AGPL-3.0-or-later", "GPL-3.0-only"]
  unknown = "deny"
}`,
}

// PolicySignaturesBlock documents the policy's signatures block.
var PolicySignaturesBlock = Block{
	Type: "signatures",
	Doc: "Which artifacts must be signed. Publish and verify refuse an unsigned one; build only " +
		"warns, so that a developer's unsigned local build still works.",
	Attributes: []Attribute{
		{Name: "require", Type: "list(string)", Required: true, Values: SignatureKinds,
			Doc:     "The kinds of artifact that must carry a signature: .deb and .rpm packages, tarballs, OCI images (cosign), apt and dnf repositories (their signed indexes).",
			Example: `require = ["packages", "tarballs", "images", "repositories"]`},
	},
	Example: `signatures {
  require = ["packages", "images", "repositories"]
}`,
}

// PolicyEmbargoBlock documents the policy's embargo block.
var PolicyEmbargoBlock = Block{
	Type: "embargo",
	Doc:  "Where a build holding embargoed patches (`embargoed = true`: fixes not public yet) may go.",
	Attributes: []Attribute{
		{Name: "allow", Type: "string", Required: true, Values: EmbargoModes,
			Doc: "`private-targets`: publish refuses every target that no `private_target` block declares, while an edition " +
				"sending there holds an embargoed patch. `never`: build, publish and verify refuse any edition holding one.",
			Example: `allow = "private-targets"`},
	},
	Example: `embargo {
  allow = "private-targets"
}`,
}

// PolicyEditionBlock documents the policy's edition block.
var PolicyEditionBlock = Block{
	Type: "edition", Labels: []string{"name"},
	Doc: "What one edition must and must not hold, whatever its manifest says: a rule a team keeps " +
		"even as editions inherit and remove. One block per edition name. Checked at build, " +
		"publish and verify; an edition the build does not make gets a warning, so that a typo is seen.",
	Attributes: []Attribute{
		{Name: "require", Type: "list(string)", Default: "nothing required",
			Doc: "Components the edition must hold: a recipe name (`Lockdown`, matching any kind), a component ID (`extension/Lockdown`, `skin/Vector`) " +
				"or a composer library (`library/vendor/name`, or `vendor/name`).",
			Example: `require = ["OATHAuth", "AbuseFilter"]`},
		{Name: "forbid", Type: "list(string)", Default: "nothing forbidden",
			Doc:     "Components the edition must not hold, named as in `require`. A name may not be both required and forbidden.",
			Example: `forbid = ["extension/Math", "SpamBlacklist"]`},
	},
	Example: `edition "enterprise" {
  require = ["OATHAuth", "AbuseFilter"]
  forbid  = ["SpamBlacklist"]
}`,
}

// PolicyImagesBlock documents the policy's images block.
var PolicyImagesBlock = Block{
	Type: "images",
	Doc:  "Limits on the OCI images, checked wherever images are built, published or verified.",
	Attributes: []Attribute{
		{Name: "max_size", Type: "string", Required: true,
			Doc: "The largest an image may be: its config and layers, compressed, as a registry stores them. " +
				"A number and a unit, `B`, `KB`, `MB`, `GB` (powers of 1000) or `KiB`, `MiB`, `GiB` (powers of 1024).",
			Example: `max_size = "1.5GiB"`},
	},
	Example: `images {
  max_size = "1GiB"
}`,
}

// PolicyFile documents policy.hcl.
var PolicyFile = File{
	Glob: PolicyFileName,
	Doc: "Optional: a security team's rules, checked by `build`, again by `publish`, and on demand " +
		"by `verify --policy`. A violation names the rule's file and line. Every block is optional " +
		"and appears at most once, except `edition`, one per edition name.",
	Blocks: []Block{PolicyLicensesBlock, PolicySignaturesBlock, PolicyEmbargoBlock, PolicyEditionBlock, PolicyImagesBlock},
	// The editions' manifests have an edition block of their own.
	AnchorPrefix: "policy-",
}
