package fix

import (
	"strings"
	"testing"
)

func TestBranchName(t *testing.T) {
	tests := []struct {
		flag   string
		ids    []string
		dir    string
		groups int
		want   string
	}{
		{"", []string{"PYSEC-2099-1"}, ".", 1, "pyward/fix-pysec-2099-1"},
		{"", []string{"GHSA-aaaa-bbbb-cccc", "PYSEC-2099-1"}, "services/api", 2, "pyward/fix-ghsa-aaaa-bbbb-cccc-pysec-2099-1-services-api"},
		{"", []string{"A", "B", "C"}, ".", 1, "pyward/fix-a-b-and-1-more-"},
		{"security/weekly", []string{"A"}, ".", 1, "security/weekly"},
		{"security/weekly", []string{"A"}, "svc", 2, "security/weekly-svc"},
	}
	for _, tt := range tests {
		got := BranchName(tt.flag, tt.ids, tt.dir, tt.groups)
		if !strings.HasPrefix(got, tt.want) || (!strings.HasSuffix(tt.want, "-") && got != tt.want) {
			t.Errorf("BranchName(%v, %q) = %q, want %q", tt.ids, tt.dir, got, tt.want)
		}
	}
	// Different sets beyond the spelled-out IDs get different names.
	if BranchName("", []string{"A", "B", "C"}, ".", 1) == BranchName("", []string{"A", "B", "D"}, ".", 1) {
		t.Error("two advisory sets share a branch name")
	}
}

func TestCommitMessage(t *testing.T) {
	report := func(path string, cs ...Change) LockReport {
		return LockReport{Result: &Result{Path: path, Changes: cs}}
	}
	vuln := Change{Package: "vulnlib", From: "1.0.0", To: "1.1.1", Targeted: true, Advisories: []string{"PYSEC-1 (CVE-1)"}}
	moved := Change{Package: "helper", From: "1.0.0", To: "1.1.0"}
	long := Change{Package: strings.Repeat("x", 60), From: "1.0.0", To: "2.0.0", Targeted: true}
	tests := []struct {
		name    string
		grp     Group
		subject string
		body    []string
	}{
		{"one package", Group{Dir: ".", Reports: []LockReport{report("r.txt", vuln, moved)}},
			"fix(deps): bump vulnlib from 1.0.0 to 1.1.1", []string{"r.txt:\n- vulnlib 1.0.0 -> 1.1.1 (PYSEC-1 (CVE-1))\n- helper 1.0.0 -> 1.1.0\n", "Pyward-Advisories: PYSEC-1\n"}},
		{"in a directory", Group{Dir: "svc", Reports: []LockReport{report("svc/r.txt", vuln)}},
			"fix(deps): bump vulnlib from 1.0.0 to 1.1.1 in svc", nil},
		{"several", Group{Dir: ".", Reports: []LockReport{report("a.txt", vuln), report("b.toml", vuln)}},
			"fix(deps): bump 2 vulnerable packages", []string{"a.txt:", "b.toml:"}},
		{"too long for a subject", Group{Dir: ".", Reports: []LockReport{report("r.txt", long)}},
			"fix(deps): bump 1 vulnerable package(s)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var paths []string
			for _, r := range tt.grp.Reports {
				paths = append(paths, r.Result.Path)
			}
			subject, msg := CommitMessage(tt.grp, []string{"PYSEC-1"}, paths)
			if subject != tt.subject || len(subject) > maxSubject {
				t.Errorf("subject %q, want %q", subject, tt.subject)
			}
			if !strings.HasPrefix(msg, subject+"\n\n") {
				t.Errorf("message does not open with the subject:\n%s", msg)
			}
			for _, want := range tt.body {
				if !strings.Contains(msg, want) {
					t.Errorf("message lacks %q:\n%s", want, msg)
				}
			}
		})
	}
}
