package report

import (
	"time"

	"github.com/pyward/pyward/internal/audit"
	"github.com/pyward/pyward/internal/inventory"
)

// testBase is the working directory the fixture's absolute paths live in.
const testBase = "/home/dev/project"

// fixtureReport has one finding of each kind and location shape.
func fixtureReport() *audit.Report {
	rep := &audit.Report{
		Sources:  []string{"requirements.txt", "poetry.lock"},
		Packages: 5,
		Findings: []audit.Finding{
			{Kind: audit.KindMalicious, Rule: "malicious", Severity: audit.SeverityCritical, Package: "colourama", Version: "0.1.0",
				ID: "MAL-2022-1", Title: "malicious package: colourama steals wallets", Fix: "remove colourama",
				File: "requirements.txt", Line: 4, URL: "https://osv.dev/vulnerability/MAL-2022-1"},
			{Kind: audit.KindIndexConfig, Rule: "index-config/extra-index-url", Severity: audit.SeverityHigh,
				Title: "--extra-index-url https://pkgs.example.com/simple mixes indexes", File: "$PIP_EXTRA_INDEX_URL"},
			{Kind: audit.KindVulnerability, Rule: "vulnerability", Severity: audit.SeverityHigh, Package: "requests", Version: "2.19.1",
				ID: "PYSEC-2018-28", Aliases: []string{"CVE-2018-18074", "GHSA-x84v-xcm2-53pg"},
				Title: "Requests sends <Authorization> headers on redirects to http", FixedVersions: []string{"2.20.0"},
				Fix: "upgrade requests to 2.20.0 or later", File: "requirements.txt", Line: 2, URL: "https://osv.dev/vulnerability/PYSEC-2018-28"},
			{Kind: audit.KindVulnerability, Rule: "vulnerability", Severity: audit.SeverityHigh, Package: "Requests", Version: "2.19.1",
				ID: "PYSEC-2018-28", Aliases: []string{"CVE-2018-18074"}, Title: "Requests sends <Authorization> headers on redirects to http",
				FixedVersions: []string{"2.20.0"}, Fix: "upgrade requests to 2.20.0 or later", File: testBase + "/sub dir/poetry.lock", Line: 10},
			{Kind: audit.KindTyposquat, Rule: "typosquat/edit-distance-1/delete", Severity: audit.SeverityMedium, Package: "colourama", Version: "0.1.0",
				Title: "colourama looks like a typo-squat of colorama (download rank 40): one letter added", Fix: "did you mean colorama?",
				File: "requirements.txt", Line: 4},
			{Kind: audit.KindConfusion, Rule: "confusion/unclaimed", Severity: audit.SeverityMedium, Package: "acme-internal", Version: "1.0",
				Title: "acme-internal comes from a private index and the name is free on the public index", File: "poetry.lock", Line: 20},
			{Kind: audit.KindHygiene, Rule: "hygiene/missing-hash", Severity: audit.SeverityLow, Package: "certifi", Version: "2024.2.2",
				Title: "certifi has no hash: café ünïcode", File: "/elsewhere/requirements.txt", Line: 6},
			{Kind: audit.KindHygiene, Rule: "hygiene/unpinned", Severity: audit.SeverityInfo, Package: "six",
				Title: "six is not pinned", File: "../other/requirements.in"},
		},
		Suppressed: []audit.Suppressed{{
			Finding: audit.Finding{Kind: audit.KindVulnerability, Rule: "vulnerability", Severity: audit.SeverityMedium, Package: "urllib3",
				Version: "1.26.0", ID: "GHSA-v845-jxx5-vc9f", Title: "urllib3 leaks cookies", File: "requirements.txt", Line: 7,
				URL: "https://github.com/advisories/GHSA-v845-jxx5-vc9f"},
			Reason: "not reachable: no redirects", Expires: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC),
		}},
	}
	return rep
}

// fixtureInventories are the sources the fixture report was made from.
func fixtureInventories() []*inventory.Inventory {
	return []*inventory.Inventory{
		{Source: "requirements.txt", Format: inventory.FormatRequirements, Packages: []inventory.Package{
			{Name: "requests", Version: "2.19.1", Pinned: true, File: "requirements.txt", Line: 2,
				Hashes: []string{"sha256:63b52e3c866428a224f97cab011de738c36aec0185aa91cfacd418b5d58911d1", "md5:0123456789abcdef0123456789abcdef", "sha256:not-hex"}},
			{Name: "colourama", Version: "0.1.0", Pinned: true, File: "requirements.txt", Line: 4},
			{Name: "certifi", Version: "2024.2.2", Pinned: true, File: "requirements.txt", Line: 6},
			{Name: "urllib3", Version: "1.26.0", Pinned: true, File: "requirements.txt", Line: 7},
			{Name: "six", Spec: ">=1", File: "requirements.txt", Line: 8},
			{Name: "mylib", URL: "git+https://user:secret@git.example.com/mylib.git@0123456789abcdef0123456789abcdef01234567", VCS: "git", File: "requirements.txt", Line: 9},
		}},
		{Source: "poetry.lock", Format: inventory.FormatPoetryLock, Packages: []inventory.Package{
			{Name: "Requests", Version: "2.19.1", Pinned: true, File: "poetry.lock", Line: 10},
			{Name: "acme_internal", Version: "1.0", Pinned: true, Index: "https://token:xyz@pkgs.example.com/simple/", File: "poetry.lock", Line: 20, Dev: true},
		}},
	}
}
