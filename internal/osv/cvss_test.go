package osv

import (
	"testing"
	"time"

	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

func TestCVSS3BaseScore(t *testing.T) {
	// Scores as published by NVD / the FIRST CVSS calculator.
	tests := []struct {
		vector string
		want   float64
		level  Level
	}{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, LevelCritical},          // e.g. CVE-2021-44228 class
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, LevelCritical},         // CVE-2021-44228 (Log4Shell)
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, LevelCritical},          // v3.0 prefix
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, LevelMedium},            // reflected XSS
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4, LevelMedium},            // stored XSS
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5, LevelHigh},              // remote DoS
		{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8, LevelHigh},              // local privesc
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8, LevelHigh},              // authenticated RCE
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8, LevelHigh},              // user-assisted RCE
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 5.3, LevelMedium},            // info leak
		{"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9, LevelMedium},            // e.g. CVE-2016-2183 class
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N", 5.4, LevelMedium},            //
		{"CVSS:3.1/AV:L/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N", 2.8, LevelLow},               //
		{"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6, LevelLow},               // lowest non-zero region
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0, LevelLow},               // no impact
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, LevelHigh},              // CVE-2014-0160 (Heartbleed)
		{"CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.8, LevelHigh},              // adjacent
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O", 9.8, LevelCritical}, // temporal ignored
	}
	for _, tt := range tests {
		got, err := CVSS3BaseScore(tt.vector)
		if err != nil {
			t.Errorf("%s: %v", tt.vector, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: score %.1f, want %.1f", tt.vector, got, tt.want)
		}
		if l := LevelForScore(got); l != tt.level {
			t.Errorf("%s: level %v, want %v", tt.vector, l, tt.level)
		}
	}
}

func TestCVSS3BaseScoreErrors(t *testing.T) {
	for _, v := range []string{
		"",
		"AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", // no prefix
		"CVSS:2.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",      // wrong version
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",          // missing A
		"CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",      // bad value
		"CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", // duplicate
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:Q/C:H/I:H/A:H",      // bad scope
		"CVSS:3.1/AV:N/AC:L/UI:N/S:U/C:H/I:H/A:H",           // missing PR
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:HH",     // long value
		"CVSS:3.1/AVN/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",       // no colon
	} {
		if s, err := CVSS3BaseScore(v); err == nil {
			t.Errorf("%q: got score %v, want error", v, s)
		}
	}
}

func TestLevels(t *testing.T) {
	tests := []struct {
		in   string
		want Level
		err  bool
	}{
		{"CRITICAL", LevelCritical, false},
		{"High", LevelHigh, false},
		{"MODERATE", LevelMedium, false},
		{"medium", LevelMedium, false},
		{"LOW", LevelLow, false},
		{"", LevelUnknown, false},
		{"severe", LevelUnknown, true},
	}
	for _, tt := range tests {
		got, err := ParseLevel(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v, err=%v", tt.in, got, err, tt.want, tt.err)
		}
		if !tt.err && tt.in != "" && got.String() == "unknown" {
			t.Errorf("%v prints as unknown", got)
		}
	}
	for score, want := range map[float64]Level{9.0: LevelCritical, 8.9: LevelHigh, 7.0: LevelHigh, 6.9: LevelMedium, 4.0: LevelMedium, 3.9: LevelLow, 0.1: LevelLow} {
		if got := LevelForScore(score); got != want {
			t.Errorf("LevelForScore(%v) = %v, want %v", score, got, want)
		}
	}
}

func TestCVSS4Score(t *testing.T) {
	// Scores as the FIRST CVSS v4.0 calculator gives them.
	tests := []struct {
		vector string
		want   float64
		level  Level
	}{
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, LevelCritical},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0, LevelCritical},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:H/SA:H", 7.9, LevelHigh},
		{"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:P/VC:N/VI:H/VA:H/SC:N/SI:L/SA:L", 5.2, LevelMedium},
		{"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 1.0, LevelLow},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0, LevelLow},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U", 9.1, LevelCritical}, // threat metric lowers it
	}
	for _, tt := range tests {
		got, err := CVSS4Score(tt.vector)
		if err != nil {
			t.Errorf("%s: %v", tt.vector, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: score %.1f, want %.1f", tt.vector, got, tt.want)
		}
		if l := LevelForScore(got); l != tt.level {
			t.Errorf("%s: level %v, want %v", tt.vector, l, tt.level)
		}
	}
	for _, v := range []string{
		"",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",                    // v3 vector
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H",                // missing subsequent-system metrics
		"CVSS:4.0/AV:X/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", // bad value
		"CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", // out of order
	} {
		if s, err := CVSS4Score(v); err == nil {
			t.Errorf("%q: got score %v, want error", v, s)
		}
	}
}

func FuzzCVSS4Score(f *testing.F) {
	f.Add("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
	f.Add("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:P/VC:N/VI:H/VA:H/SC:N/SI:L/SA:L/E:P/CR:H")
	f.Fuzz(func(t *testing.T, v string) {
		start := time.Now()
		s, err := CVSS4Score(v)
		budgettest.Check(t, len(v), start)
		if err == nil && (s < 0 || s > 10) {
			t.Fatalf("%q: score %v out of [0,10]", v, s)
		}
	})
}

func FuzzCVSS3BaseScore(f *testing.F) {
	f.Add("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
	f.Add("CVSS:3.0/AV:N/AC:H/PR:L/UI:R/S:C/C:L/I:N/A:N")
	f.Fuzz(func(t *testing.T, v string) {
		start := time.Now()
		s, err := CVSS3BaseScore(v)
		budgettest.Check(t, len(v), start)
		if err == nil && (s < 0 || s > 10) {
			t.Fatalf("%q: score %v out of [0,10]", v, s)
		}
	})
}
