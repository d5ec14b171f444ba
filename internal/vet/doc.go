// Package vet judges a project whose name looks like a popular one
// (internal/typosquat) from what the index says about both: the look-alike
// (the candidate) and the project it imitates (the target). The name alone
// cannot tell a squat from a legitimate neighbour; a squat is also young,
// has one or two releases, copies its target's description and points at
// its target's repository. vet turns those facts into one explained score.
//
// # Facts (Lookup)
//
// From the simple API (PEP 691 JSON, with PEP 700 upload-time and
// versions, PEP 792 project-status, PEP 740 provenance) and the core
// metadata (PEP 658 file, else the wheel's METADATA) of the newest
// release: first and last upload time, number of releases, status, whether
// the newest release's files carry provenance, and summary, description,
// author and the Home-page / Download-URL / Project-URL links.
//
// # Signals and weights (Assess)
//
// The score starts from the name finding's own score times NameWeight and
// adds the weight of every signal that fires, clamped to [0, 1]:
//
//	signal               weight  fires when
//	quarantined          +0.50   PEP 792 status "quarantined" (the index took it down)
//	young                +0.35   first upload less than YoungAge (30 days) ago
//	recent               +0.15   first upload less than RecentAge (180 days) ago, not young
//	single-release       +0.20   one release
//	few-releases         +0.10   two or three releases
//	copied-metadata      +0.30   summary or description equal to the target's
//	                             (compared after folding case and spaces), or
//	                             the same author / author e-mail
//	starjacking          +0.35   a project link names the repository of a
//	                             different popular project (the target's
//	                             own repository, or any repository named
//	                             like a reference project other than itself)
//	version-above-target +0.20   newest major version at least
//	                             VersionJump (5) above the target's
//	missing-provenance   +0.10   the target's newest release has provenance,
//	                             the candidate's has none
//	established          -0.50   first upload more than EstablishedAge
//	                             (2 years) ago with at least
//	                             EstablishedReleases (10) releases
//
// A project that is not on the index gets no project signals (the name
// verdict stands alone, and the report says the name is unclaimed).
// Levels: score >= 0.70 high, >= 0.45 medium, >= 0.25 low, else info. With
// a typical look-alike name (score 0.6, contributing 0.24), a young
// single-release project scores 0.79 (high); the same name on an
// established project scores 0 (info).
package vet
