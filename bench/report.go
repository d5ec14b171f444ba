package main

import (
	"fmt"
	"strings"
	"time"
)

// row is one line of a suite's table: one tool on one case.
type row struct {
	Tool    string
	Case    string
	Samples []time.Duration
	CPU     []time.Duration // user + system time of each sample
	Minflt  []int64         // minor page faults of each sample
	RSSKB   int64           // highest peak RSS over the samples (0: not measured)
	// Ref is the pyward row this row is compared with (nil for pyward's own
	// rows, which show the ratio as 1×).
	Ref    *row
	Checks []check
	// Skipped, when set, explains why the row has no samples.
	Skipped string
}

// check is one target evaluated on measured figures.
type check struct {
	Target string // e.g. "< 150 ms"
	Pass   bool
}

// suite is the outcome of one benchmark suite.
type suite struct {
	Name  string
	Title string
	Setup []string // what was measured, on what data (one line each)
	Rows  []*row
	// Tables are extra markdown tables (detection figures), rendered
	// after the timing table.
	Tables []string
	Notes  []string // findings, differences, failures to report
}

func (r *row) median() time.Duration { return median(r.Samples) }

func (r *row) add(s sample) {
	r.Samples = append(r.Samples, s.Wall)
	r.CPU = append(r.CPU, s.CPU)
	r.Minflt = append(r.Minflt, s.Minflt)
	r.RSSKB = max(r.RSSKB, s.RSSKB)
}

// ratio is how many times slower this row is than its pyward reference.
func (r *row) ratio() (float64, bool) {
	if r.Ref == nil || len(r.Samples) == 0 || len(r.Ref.Samples) == 0 || r.Ref.median() == 0 {
		return 0, false
	}
	return float64(r.median()) / float64(r.Ref.median()), true
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
}

// markdown renders the suite as a heading, its setup, a table and notes.
func (s *suite) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n", s.Title)
	for _, l := range s.Setup {
		fmt.Fprintf(&b, "- %s\n", l)
	}
	if len(s.Setup) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("| tool | case | median | min | CPU | page faults | runs | peak RSS | vs pyward | target | result |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n")
	for _, r := range s.Rows {
		if r.Skipped != "" {
			fmt.Fprintf(&b, "| %s | %s | — | — | — | — | 0 | — | — | %s | not run: %s |\n",
				r.Tool, r.Case, targets(r), cell(r.Skipped))
			continue
		}
		rss := "—"
		if r.RSSKB > 0 {
			rss = fmt.Sprintf("%.0f MB", float64(r.RSSKB)/1024)
		}
		ratio := "1×"
		if r.Ref != nil {
			ratio = "—"
			if x, ok := r.ratio(); ok {
				ratio = fmt.Sprintf("%.1f×", x)
			}
		}
		cpu, faults := "—", "—"
		if len(r.CPU) > 0 && median(r.CPU) > 0 {
			cpu = fmtDur(median(r.CPU))
		}
		if m := medianCount(r.Minflt); m > 0 {
			faults = fmt.Sprintf("%d", m)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %d | %s | %s | %s | %s |\n",
			r.Tool, r.Case, fmtDur(r.median()), fmtDur(minimum(r.Samples)), cpu, faults, len(r.Samples),
			rss, ratio, targets(r), verdicts(r))
	}
	for _, t := range s.Tables {
		b.WriteString("\n" + t)
	}
	if len(s.Notes) > 0 {
		b.WriteString("\n")
		for _, n := range s.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	b.WriteString("\n")
	return b.String()
}

func targets(r *row) string {
	if len(r.Checks) == 0 {
		return ""
	}
	var ts []string
	for _, c := range r.Checks {
		ts = append(ts, c.Target)
	}
	return cell(strings.Join(ts, "; "))
}

func verdicts(r *row) string {
	var vs []string
	for _, c := range r.Checks {
		if c.Pass {
			vs = append(vs, "pass")
		} else {
			vs = append(vs, "**FAIL**")
		}
	}
	return strings.Join(vs, "; ")
}

// cell makes text safe inside a markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
