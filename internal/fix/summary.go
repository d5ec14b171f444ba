package fix

import (
	"fmt"
	"io"
	"strings"

	"github.com/pyward/pyward/internal/audit"
)

// WriteSummary writes a Markdown summary of r fit for a pull-request body:
// a title line, a table of changed pins with the advisories each upgrade
// clears, what could not be fixed and why, and the vulnerability findings
// that remain according to after (the re-audit of the new lock; may be
// nil).
func WriteSummary(w io.Writer, r *Result, after *audit.Report) error {
	var b strings.Builder
	targeted := 0
	for _, c := range r.Changes {
		if c.Targeted {
			targeted++
		}
	}
	switch {
	case targeted > 0:
		fmt.Fprintf(&b, "## Security: upgrade %d vulnerable package%s in %s\n\n", targeted, plural(targeted), r.Path)
	case len(r.Remove)+len(r.NeedsMajor)+len(r.Unfixable) > 0:
		fmt.Fprintf(&b, "## Security: no automatic upgrade for the findings in %s\n\n", r.Path)
	default:
		fmt.Fprintf(&b, "## Security: nothing to fix in %s\n\n", r.Path)
	}
	if len(r.Changes) > 0 {
		b.WriteString("| Package | From | To | Advisories fixed |\n|---|---|---|---|\n")
		for _, c := range r.Changes {
			adv := strings.Join(c.Advisories, ", ")
			switch {
			case !c.Targeted && c.From == "" && len(c.RequiredBy) > 0:
				adv = "— (new dependency of " + strings.Join(c.RequiredBy, ", ") + ")"
			case !c.Targeted && c.From == "":
				adv = "— (new dependency)"
			case !c.Targeted && c.To == "":
				adv = "— (no longer needed)"
			case !c.Targeted && len(c.RequiredBy) > 0:
				adv = "— (required by " + strings.Join(c.RequiredBy, ", ") + ")"
			case !c.Targeted:
				adv = "— (moved by the resolver)"
			case adv == "":
				adv = "—"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(c.Package), cell(orDash(c.From)), cell(orDash(c.To)), cell(adv))
		}
		b.WriteString("\n")
		b.WriteString("Re-resolved through the lock engine with the previous pins preferred: each vulnerable package moves to the smallest release that clears its advisories, and other packages move only where the new versions require it.\n\n")
	}
	if r.Impossible != "" {
		fmt.Fprintf(&b, "### The fix is impossible\n\n%s\n\nThe lock was left unchanged.\n\n", md(r.Impossible))
	}
	problems := func(title string, ps []Problem) {
		if len(ps) == 0 {
			return
		}
		fmt.Fprintf(&b, "### %s\n\n", title)
		for _, p := range ps {
			fmt.Fprintf(&b, "- **%s** %s: %s", md(p.Package), md(p.Version), md(p.Reason))
			if len(p.Advisories) > 0 {
				fmt.Fprintf(&b, " (%s)", strings.Join(p.Advisories, ", "))
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	problems("Remove", r.Remove)
	problems("Needs a major upgrade", r.NeedsMajor)
	problems("Not fixable", r.Unfixable)
	if after != nil {
		var left []string
		for _, f := range after.Findings {
			if f.Kind == audit.KindVulnerability || f.Kind == audit.KindMalicious {
				left = append(left, fmt.Sprintf("- %s %s: %s (%s)", md(f.Package), md(f.Version), md(f.ID), f.Severity))
			}
		}
		clean, still := "After this change no known vulnerability remains in the lock.\n", "### Still vulnerable after this change"
		if !r.Changed {
			clean, still = "The lock is unchanged, and no known vulnerability remains in it.\n", "### Still vulnerable"
		}
		if len(left) == 0 {
			b.WriteString(clean)
		} else {
			fmt.Fprintf(&b, "%s\n\n%s\n", still, strings.Join(left, "\n"))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(md(s), "|", `\|`)
}

// md keeps text from package metadata from opening Markdown or HTML
// constructs in the rendered pull request.
func md(s string) string {
	r := strings.NewReplacer("\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;", "`", "'", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`)
	return r.Replace(s)
}
