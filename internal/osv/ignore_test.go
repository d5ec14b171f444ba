package osv

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestApplyIgnores(t *testing.T) {
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	findings := []Finding{
		{ID: "GHSA-aaaa-bbbb-cccc", IDs: []string{"CVE-2021-1", "GHSA-aaaa-bbbb-cccc", "PYSEC-2021-1"}},
		{ID: "PYSEC-2022-7", IDs: []string{"CVE-2022-7", "PYSEC-2022-7"}},
		{ID: "PYSEC-2023-9", IDs: []string{"PYSEC-2023-9"}},
	}
	tests := []struct {
		name       string
		ignores    []Ignore
		kept       []string
		suppressed []string
		expired    []string
	}{
		{"none", nil, []string{"GHSA-aaaa-bbbb-cccc", "PYSEC-2022-7", "PYSEC-2023-9"}, nil, nil},
		{"by alias", []Ignore{{ID: "cve-2021-1", Reason: "not reachable"}},
			[]string{"PYSEC-2022-7", "PYSEC-2023-9"}, []string{"GHSA-aaaa-bbbb-cccc"}, nil},
		{"by a non-representative ID", []Ignore{{ID: "PYSEC-2021-1", Reason: "r"}},
			[]string{"PYSEC-2022-7", "PYSEC-2023-9"}, []string{"GHSA-aaaa-bbbb-cccc"}, nil},
		{"future expiry applies", []Ignore{{ID: "CVE-2022-7", Reason: "r", Expires: now.Add(time.Hour)}},
			[]string{"GHSA-aaaa-bbbb-cccc", "PYSEC-2023-9"}, []string{"PYSEC-2022-7"}, nil},
		{"expired no longer applies", []Ignore{{ID: "CVE-2022-7", Reason: "r", Expires: now.Add(-time.Hour)}},
			[]string{"GHSA-aaaa-bbbb-cccc", "PYSEC-2022-7", "PYSEC-2023-9"}, nil, []string{"CVE-2022-7"}},
		{"expiry exactly now has expired", []Ignore{{ID: "PYSEC-2023-9", Reason: "r", Expires: now}},
			[]string{"GHSA-aaaa-bbbb-cccc", "PYSEC-2022-7", "PYSEC-2023-9"}, nil, []string{"PYSEC-2023-9"}},
		{"unknown ID ignored harmlessly", []Ignore{{ID: "CVE-1999-0001", Reason: "r", Expires: now.Add(-time.Hour)}},
			[]string{"GHSA-aaaa-bbbb-cccc", "PYSEC-2022-7", "PYSEC-2023-9"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ApplyIgnores(findings, tt.ignores, now)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(res.Kept); !slices.Equal(got, tt.kept) {
				t.Errorf("kept %v, want %v", got, tt.kept)
			}
			var sup []string
			for _, s := range res.Suppressed {
				sup = append(sup, s.Finding.ID)
				if s.Ignore.Reason == "" {
					t.Error("suppressed without the ignore that did it")
				}
			}
			if !slices.Equal(sup, tt.suppressed) {
				t.Errorf("suppressed %v, want %v", sup, tt.suppressed)
			}
			var exp []string
			for _, ig := range res.Expired {
				exp = append(exp, ig.ID)
			}
			if !slices.Equal(exp, tt.expired) {
				t.Errorf("expired %v, want %v", exp, tt.expired)
			}
		})
	}
}

func TestIgnoreValidation(t *testing.T) {
	_, err := ApplyIgnores(nil, []Ignore{{ID: "CVE-1", Reason: "ok"}, {ID: "CVE-2"}, {ID: "CVE-3", Reason: "  "}, {Reason: "no id"}}, time.Now())
	if !errors.Is(err, ErrIgnoreReason) {
		t.Fatalf("err = %v, want ErrIgnoreReason", err)
	}
	for _, want := range []string{"CVE-2", "CVE-3", "needs a vulnerability ID"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// The kept findings are one allocation, not a slice grown by doubling.
func TestApplyIgnoresAllocations(t *testing.T) {
	fs := make([]Finding, 2000)
	for i := range fs {
		fs[i] = Finding{Package: "p", Version: "1", ID: fmt.Sprintf("PYSEC-%d", i)}
	}
	ignores := []Ignore{{ID: "PYSEC-7", Reason: "not reachable"}}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	allocs := testing.AllocsPerRun(5, func() {
		res, err := ApplyIgnores(fs, ignores, now)
		if err != nil || len(res.Kept) != len(fs)-1 || len(res.Suppressed) != 1 {
			t.Fatalf("ApplyIgnores = %d kept, %d suppressed, %v", len(res.Kept), len(res.Suppressed), err)
		}
	})
	if allocs > 4 {
		t.Errorf("ApplyIgnores of %d findings made %.0f allocations, want at most 4", len(fs), allocs)
	}
}
