package osv_test

import (
	"fmt"
	"time"

	"github.com/pyward/pyward/internal/osv"
)

func ExampleDB_Query() {
	rec, err := osv.ParseJSON([]byte(`{"id": "PYSEC-2018-28", "modified": "2021-06-16T00:03:24Z",
		"aliases": ["CVE-2018-18074", "GHSA-x84v-xcm2-53pg"],
		"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
		"affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
			"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.20.0"}]}]}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	db := osv.Build([]*osv.Record{rec})
	for _, f := range db.Query("Requests", "2.19.1") {
		fmt.Println(f.ID, f.IDs, f.Severity, f.Score, "fix:", f.FixedAbove())
	}
	res, _ := osv.ApplyIgnores(db.Query("requests", "2.19.1"),
		[]osv.Ignore{{ID: "CVE-2018-18074", Reason: "no redirects to http in our deployment"}}, time.Now())
	fmt.Println(len(res.Kept), "kept,", len(res.Suppressed), "suppressed")
	// Output:
	// PYSEC-2018-28 [CVE-2018-18074 GHSA-x84v-xcm2-53pg PYSEC-2018-28] high 7.5 fix: 2.20.0
	// 0 kept, 1 suppressed
}
