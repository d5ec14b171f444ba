package report

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"strings"
	"sync"

	"github.com/pyward/pyward/internal/audit"
	"github.com/pyward/pyward/internal/pep503"
)

// HTML output: one self-contained page for people, readable when opened
// from disk:
//
//   - no external assets: the CSS, the script and the dependency graph
//     (SVG) are inline, and a Content-Security-Policy forbids loading
//     anything (default-src 'none'); the one script runs by its hash;
//   - the summary (counts per severity, sources, whether the run failed),
//     the findings table (filterable), the findings set aside, warnings;
//   - the dependency graph of the audited locks (graph may be nil), each
//     release coloured by its worst finding: "vulnerable" (an advisory or
//     a malicious report), "suspicious" (typo-squat, dependency confusion,
//     project status, yanked or fresh release), else plain;
//   - every string that comes from a package, an advisory or a file goes
//     through html/template, which escapes it for its context (text,
//     attribute, URL); links are kept only when http(s).

// htmlScript filters the findings table, by the text box or by a click on
// a package of the graph. It is the page's only script, allowed by hash.
const htmlScript = `(function () {
  var box = document.getElementById("filter");
  var rows = document.querySelectorAll("#findings tbody tr");
  function apply(q) {
    q = q.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (r) {
      var hit = q === "" || r.textContent.toLowerCase().indexOf(q) >= 0;
      r.hidden = !hit;
      if (hit) { shown++; }
    });
    document.getElementById("shown").textContent = String(shown);
  }
  box.addEventListener("input", function () { apply(box.value); });
  document.querySelectorAll("svg .node").forEach(function (n) {
    n.addEventListener("click", function () {
      box.value = n.getAttribute("data-package");
      apply(box.value);
      box.scrollIntoView();
    });
  });
  apply(box.value);
})();
`

const htmlStyle = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fff; --muted: #59636e; --line: #d1d9e0;
  --critical: #8b0000; --high: #cf222e; --medium: #bf8700; --low: #0969da; --info: #59636e;
  --vuln: #ffebe9; --vuln-line: #cf222e; --susp: #fff8c5; --susp-line: #bf8700; --plain: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d;
  --vuln: #4a1418; --susp: #3d2e00; --plain: #151b23; } }
body { font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 1200px; padding: 1em 2em; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid var(--line); }
.meta { color: var(--muted); }
.counts span { display: inline-block; margin-right: .6em; padding: .2em .6em; border-radius: 1em; border: 1px solid var(--line); }
.status { font-weight: bold; } .status.failed { color: var(--high); } .status.passed { color: green; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; vertical-align: top; padding: .35em .5em; border-bottom: 1px solid var(--line); }
td.sev { font-weight: bold; text-transform: uppercase; font-size: .85em; white-space: nowrap; }
.sev-critical { color: var(--critical); } .sev-high { color: var(--high); } .sev-medium { color: var(--medium); }
.sev-low { color: var(--low); } .sev-info { color: var(--info); }
.detail, .fix, .where { color: var(--muted); font-size: .92em; } code { font-size: .92em; }
#filter { font: inherit; padding: .3em .5em; width: 24em; max-width: 100%; }
.graph { overflow: auto; border: 1px solid var(--line); max-height: 80vh; }
svg .node rect { fill: var(--plain); stroke: var(--line); } svg .node { cursor: pointer; }
svg .node.vulnerable rect { fill: var(--vuln); stroke: var(--vuln-line); stroke-width: 2; }
svg .node.suspicious rect { fill: var(--susp); stroke: var(--susp-line); stroke-width: 2; }
svg .node.root rect { stroke-dasharray: none; } svg .node text { font: 12px system-ui, sans-serif; fill: var(--fg); }
svg .edge { fill: none; stroke: var(--muted); stroke-opacity: .5; }
.legend span { margin-right: 1em; } .swatch { display: inline-block; width: 1em; height: 1em; vertical-align: middle; border: 2px solid; }
.swatch.vulnerable { background: var(--vuln); border-color: var(--vuln-line); } .swatch.suspicious { background: var(--susp); border-color: var(--susp-line); }
.swatch.plain { background: var(--plain); border-color: var(--line); }
`

// htmlCSP allows the inline style and, by its hash, the one script.
var htmlCSP = sync.OnceValue(func() string {
	sum := sha256.Sum256([]byte(htmlScript))
	return "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-" +
		base64.StdEncoding.EncodeToString(sum[:]) + "'"
})

type htmlFinding struct {
	Severity, Subject, ID, Title, Detail, Fix, Where, Reason string
	URL                                                      string // http(s) only
}

type htmlNode struct {
	X, Y, TextX, TextY int
	Label, Full, Class string
	Package            string
}

type htmlPage struct {
	CSP            string
	Style          template.CSS
	Script         template.JS
	Tool           string
	Sources        string
	Packages       int
	FailOn         string
	Failed         bool
	Counts         []htmlCount
	Findings       []htmlFinding
	Suppressed     []htmlFinding
	SetAside       string // "1 ignored, 2 known from the baseline"
	Warnings       []string
	HasGraph       bool
	GraphNote      string
	Width, Height  int
	Nodes          []htmlNode
	Edges          []string // SVG path data
	NodeW, NodeH   int
	Vulnerable     int
	Suspicious     int
	GraphNodeCount int
}

type htmlCount struct {
	Name  string
	Count int
}

// htmlTemplate is parsed on first use, not at every pyward start.
var htmlTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pyward audit report</title>
<style>{{.Style}}</style>
</head>
<body>
<h1>pyward audit</h1>
<p class="meta">pyward {{.Tool}} · {{.Packages}} packages checked in {{.Sources}} · fail on {{.FailOn}} ·
<span class="status {{if .Failed}}failed{{else}}passed{{end}}">{{if .Failed}}failed{{else}}passed{{end}}</span></p>
<p class="counts" id="summary">{{range .Counts}}<span class="sev-{{.Name}}">{{.Count}} {{.Name}}</span>{{end}}</p>
{{if .Warnings}}<h2>Warnings</h2><ul id="warnings">{{range .Warnings}}<li>{{.}}</li>{{end}}</ul>{{end}}
<h2>Findings</h2>
<p><input id="filter" type="search" placeholder="Filter findings (package, advisory, text)" aria-label="Filter findings">
<span class="meta"><span id="shown">{{len .Findings}}</span> of {{len .Findings}} shown</span></p>
<table id="findings">
<thead><tr><th>Severity</th><th>Package</th><th>Finding</th><th>Where</th></tr></thead>
<tbody>
{{range .Findings}}<tr class="finding">
<td class="sev sev-{{.Severity}}">{{.Severity}}</td>
<td class="package">{{.Subject}}</td>
<td><div>{{if .URL}}<a href="{{.URL}}">{{.ID}}</a>{{else}}<code>{{.ID}}</code>{{end}} <span class="title">{{.Title}}</span></div>
{{if .Detail}}<div class="detail">{{.Detail}}</div>{{end}}{{if .Fix}}<div class="fix">Fix: {{.Fix}}</div>{{end}}</td>
<td class="where">{{.Where}}</td>
</tr>
{{else}}<tr><td colspan="4">No findings.</td></tr>
{{end}}</tbody>
</table>
{{if .Suppressed}}<details><summary>Set aside: {{.SetAside}}</summary>
<table id="suppressed"><tbody>
{{range .Suppressed}}<tr><td class="sev sev-{{.Severity}}">{{.Severity}}</td><td>{{.Subject}}</td><td><code>{{.ID}}</code> {{.Title}}</td><td class="detail">{{.Reason}}</td></tr>
{{end}}</tbody></table></details>{{end}}
<h2>Dependency graph</h2>
{{if .HasGraph}}<p class="legend"><span><span class="swatch vulnerable"></span> vulnerable ({{.Vulnerable}})</span>
<span><span class="swatch suspicious"></span> suspicious ({{.Suspicious}})</span>
<span><span class="swatch plain"></span> no finding</span>
<span class="meta">{{.GraphNodeCount}} releases; arrows point from a package to its dependencies; click a package to filter the findings.</span></p>
<div class="graph"><svg id="graph" xmlns="http://www.w3.org/2000/svg" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}" role="img" aria-label="Dependency graph">
<defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L8,4 L0,8 z" class="edge-head"/></marker></defs>
{{range .Edges}}<path class="edge" d="{{.}}" marker-end="url(#arrow)"/>
{{end}}{{range .Nodes}}<g class="node {{.Class}}" data-package="{{.Package}}"><title>{{.Full}}</title><rect x="{{.X}}" y="{{.Y}}" width="{{$.NodeW}}" height="{{$.NodeH}}" rx="4"/><text x="{{.TextX}}" y="{{.TextY}}">{{.Label}}</text></g>
{{end}}</svg></div>
{{else}}<p class="meta" id="no-graph">{{.GraphNote}}</p>{{end}}
<script>{{.Script}}</script>
</body>
</html>
`))
})

// HTML writes the report as one self-contained HTML page; graph (nil when
// no lock was audited) is drawn with the findings' packages highlighted.
func HTML(w io.Writer, rep *audit.Report, graph *Graph, meta Meta) error {
	page := htmlPage{
		CSP: htmlCSP(), Style: template.CSS(htmlStyle), Script: template.JS(htmlScript),
		Tool: meta.ToolVersion, Sources: strings.Join(rep.Sources, ", "), Packages: rep.Packages,
		FailOn: failOnName(meta.FailOn), Failed: rep.CountAtLeast(meta.FailOn) > 0, Warnings: rep.Warnings,
		NodeW: graphNodeWidth, NodeH: graphNodeHeight,
	}
	sum := Summary(rep)
	for s := audit.SeverityCritical; s >= audit.SeverityInfo; s-- {
		page.Counts = append(page.Counts, htmlCount{Name: s.String(), Count: sum[s.String()]})
	}
	for _, f := range rep.Findings {
		page.Findings = append(page.Findings, newHTMLFinding(&f, ""))
	}
	for _, s := range rep.Suppressed {
		page.Suppressed = append(page.Suppressed, newHTMLFinding(&s.Finding, s.Reason))
	}
	page.SetAside = strings.Join(setAsideCounts(rep), ", ")
	for _, ig := range rep.ExpiredIgnores {
		page.Warnings = append(page.Warnings, fmt.Sprintf("ignore of %s expired on %s (%s); it is reported again", ig.ID, ig.Expires.Format("2006-01-02"), ig.Reason))
	}
	switch {
	case graph == nil || len(graph.Nodes) == 0:
		page.GraphNote = "No lock among the audited files: no dependency graph."
	case len(graph.Nodes) > MaxGraphNodes:
		page.GraphNote = fmt.Sprintf("The graph has %d releases, more than the %d drawn here.", len(graph.Nodes), MaxGraphNodes)
	default:
		drawGraph(&page, graph, rep.Findings)
	}
	return htmlTemplate().Execute(w, page)
}

func newHTMLFinding(f *audit.Finding, reason string) htmlFinding {
	subject := f.Package
	if f.Version != "" {
		subject += " " + f.Version
	}
	id := f.Rule
	if f.ID != "" {
		id = f.ID
		if len(f.Aliases) > 0 {
			id += " (" + strings.Join(f.Aliases, ", ") + ")"
		}
	}
	h := htmlFinding{Severity: f.Severity.String(), Subject: subject, ID: id, Title: f.Title, Detail: f.Detail,
		Fix: f.Fix, Where: f.Location(), Reason: reason}
	if u, err := url.Parse(f.URL); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		h.URL = f.URL
	}
	return h
}

// Node classes, worst first.
const (
	classVulnerable = "vulnerable"
	classSuspicious = "suspicious"
)

// nodeClasses is the class of each release: its worst kind of finding. A
// finding without a version marks every release of its package.
func nodeClasses(findings []audit.Finding) map[string]string {
	out := map[string]string{}
	for _, f := range findings {
		class := ""
		switch f.Kind {
		case audit.KindVulnerability, audit.KindMalicious:
			class = classVulnerable
		case audit.KindTyposquat, audit.KindConfusion, audit.KindStatus, audit.KindYanked, audit.KindRecent:
			class = classSuspicious
		}
		if class == "" || f.Package == "" {
			continue
		}
		key := pep503.Normalize(f.Package) + "==" + f.Version
		out[key] = worse(out[key], class)
	}
	return out
}

// worse returns the worse of two node classes.
func worse(a, b string) string {
	switch {
	case a == classVulnerable || b == classVulnerable:
		return classVulnerable
	case a == classSuspicious || b == classSuspicious:
		return classSuspicious
	}
	return ""
}

func drawGraph(page *htmlPage, g *Graph, findings []audit.Finding) {
	classes := nodeClasses(findings)
	x, y, width, height := g.layout()
	page.HasGraph, page.Width, page.Height, page.GraphNodeCount = true, width, height, len(g.Nodes)
	for i, n := range g.Nodes {
		name := pep503.Normalize(n.Name)
		class := worse(classes[name+"=="+n.Version], classes[name+"=="])
		switch class {
		case classVulnerable:
			page.Vulnerable++
		case classSuspicious:
			page.Suspicious++
		}
		if n.Root {
			class = strings.TrimSpace(class + " root")
		}
		full := n.Name + " " + n.Version
		page.Nodes = append(page.Nodes, htmlNode{X: x[i], Y: y[i], TextX: x[i] + 6, TextY: y[i] + 15,
			Label: truncate(full, graphLabelMax), Full: full, Class: class, Package: n.Name})
	}
	for _, e := range g.Edges {
		x1, y1 := x[e[0]]+graphNodeWidth, y[e[0]]+graphNodeHeight/2
		x2, y2 := x[e[1]], y[e[1]]+graphNodeHeight/2
		if x2 <= x1 { // an edge back to an earlier column (a cycle): around
			x2 += graphNodeWidth
			page.Edges = append(page.Edges, fmt.Sprintf("M%d,%d C%d,%d %d,%d %d,%d", x1, y1, x1+40, y1, x2+40, y2, x2, y2))
			continue
		}
		mid := (x1 + x2) / 2
		page.Edges = append(page.Edges, fmt.Sprintf("M%d,%d C%d,%d %d,%d %d,%d", x1, y1, mid, y1, mid, y2, x2, y2))
	}
}

// graphLabelMax bounds a node's label, in bytes (the full name is its
// tooltip).
const graphLabelMax = 28
