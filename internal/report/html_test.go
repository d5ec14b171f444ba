package report

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pyward/pyward/internal/audit"
	"github.com/pyward/pyward/internal/lockfile"
)

// Hostile strings a package or an advisory could carry.
const (
	evilName    = `evil<script>window.pwned=1</script>`
	evilTitle   = `<img src=x onerror="window.pwned=2">summary`
	evilDetail  = `"><svg onload="window.pwned=3">`
	evilURL     = `javascript:window.pwned=4`
	evilVersion = `1.0"><script>window.pwned=5</script>`
)

// htmlFixture is the audit of a small lock: requests (vulnerable) depends
// on urllib3 (vulnerable) and idna (yanked: suspicious); colourama is
// malicious; one package and its advisory carry markup.
func htmlFixture() (*audit.Report, *Graph) {
	rep := fixtureReport()
	rep.Findings = append(rep.Findings,
		audit.Finding{Kind: audit.KindVulnerability, Rule: "vulnerability", Severity: audit.SeverityCritical, Package: evilName,
			Version: evilVersion, ID: "PYSEC-2099-9", Title: evilTitle, Detail: evilDetail, URL: evilURL, File: "requirements.txt", Line: 9},
		audit.Finding{Kind: audit.KindVulnerability, Rule: "vulnerability", Severity: audit.SeverityMedium, Package: "urllib3",
			Version: "1.26.0", ID: "GHSA-v845-jxx5-vc9f", Title: "Cookie header not stripped on redirect", File: "requirements.txt", Line: 12},
		audit.Finding{Kind: audit.KindYanked, Rule: "yanked", Severity: audit.SeverityMedium, Package: "idna",
			Version: "3.7", Title: "idna 3.7 is yanked", File: "requirements.txt", Line: 14},
	)
	l := &lockfile.Lock{Packages: []lockfile.Package{
		{Name: "requests", Version: "2.19.1", Via: []string{"-r requirements.in"}, Dependencies: []string{"urllib3", "idna"}},
		{Name: "urllib3", Version: "1.26.0", Via: []string{"requests"}},
		{Name: "idna", Version: "3.7", Via: []string{"requests"}},
		{Name: "colourama", Version: "0.1.0", Via: []string{"-r requirements.in"}},
		{Name: evilName, Version: evilVersion, Via: []string{"-r requirements.in"}},
	}}
	return rep, LockGraph(l)
}

func renderHTML(t *testing.T) []byte {
	t.Helper()
	rep, g := htmlFixture()
	var buf bytes.Buffer
	if err := HTML(&buf, rep, g, Meta{ToolVersion: "1.2.3", FailOn: audit.SeverityHigh}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestHTMLEscapesAndIsSelfContained(t *testing.T) {
	page := string(renderHTML(t))
	for _, bad := range []string{"<script>window.pwned", "<img src=x", "<svg onload", `href="javascript:`} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q unescaped", bad)
		}
	}
	// The escaped text is shown.
	for _, want := range []string{"evil&lt;script&gt;window.pwned=1&lt;/script&gt;", "&lt;img src=x onerror=", "PYSEC-2099-9"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n := strings.Count(page, "<script"); n != 1 {
		t.Errorf("%d script elements, want the page's own one", n)
	}
	// Nothing is loaded from elsewhere: no src attributes, no <link>, and
	// the policy forbids it.
	if m := regexp.MustCompile(`(?i)<[^>]*\s(src|srcset)=|<link|@import|url\((['"]?)(https?:|//)`).FindString(page); m != "" {
		t.Errorf("page refers to an external asset: %q", m)
	}
	if !strings.Contains(page, `content="default-src &#39;none&#39;`) && !strings.Contains(page, `content="default-src 'none'`) {
		t.Errorf("no Content-Security-Policy forbidding external loads")
	}
}

func TestLockGraph(t *testing.T) {
	_, g := htmlFixture()
	names := map[string]int{}
	for i, n := range g.Nodes {
		names[n.Name] = i
	}
	edges := map[[2]string]bool{}
	for _, e := range g.Edges {
		edges[[2]string{g.Nodes[e[0]].Name, g.Nodes[e[1]].Name}] = true
	}
	// Dependencies and "via" agree; each edge is drawn once.
	if len(g.Edges) != 2 || !edges[[2]string{"requests", "urllib3"}] || !edges[[2]string{"requests", "idna"}] {
		t.Errorf("edges %v", edges)
	}
	for name, root := range map[string]bool{"requests": true, "colourama": true, "urllib3": false} {
		if g.Nodes[names[name]].Root != root {
			t.Errorf("%s: root = %v", name, !root)
		}
	}
}

func strconvQuote(s string) string { return strconv.Quote(s) }

// findBrowser returns a Chromium-family browser, or "".
func findBrowser() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestHTMLInBrowser opens the page from disk in headless Chromium: the
// findings and the graph render, the vulnerable and suspicious releases
// are highlighted, the filter works, no markup from the data ran, and the
// console stays free of errors (a blocked load or a policy violation
// would log one).
func TestHTMLInBrowser(t *testing.T) {
	browser := findBrowser()
	if browser == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (CI must run this test: apt-get install -y chromium)")
		}
		t.Skip("chromium is not installed (apt-get install -y chromium); CI runs this test")
	}
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, renderHTML(t), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()))
	// A bound, not a pace: every wait below is for a condition.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	// Console messages are read in order until the sentinel the test
	// writes last, so none is missed and nothing waits on a clock.
	const sentinel = "pyward-test-end"
	messages := chromedp.Console(bctx)
	var problems []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				problems = append(problems, "console: "+err.Error())
				return
			}
			if m.Text == sentinel {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException() {
				problems = append(problems, m.String())
			}
		}
	}()

	run := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
	}
	count := func(selector string) int {
		t.Helper()
		n, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll(`+strconvQuote(selector)+`).length`))
		run(selector, err)
		return n
	}
	run("open", chromedp.Do(bctx, chromedp.Navigate("file://"+path), chromedp.WaitReady(chromedp.CSS("#graph"))))
	findings := count("#findings tbody tr.finding")
	nodes := count("#graph .node")
	vulnerable := count("#graph .node.vulnerable")
	suspicious := count("#graph .node.suspicious")
	pwned, err := chromedp.Run(bctx, chromedp.Evaluate[string](`String(window.pwned)`))
	run("window.pwned", err)
	summary, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("#summary")))
	run("summary", err)
	firstNode, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector('#graph .node[data-package="urllib3"] title').textContent`))
	run("node title", err)
	// A click on a package filters the findings to it.
	run("click", chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`#graph .node[data-package="urllib3"] rect`))))
	shownAfterFilter := count("#findings tbody tr.finding:not([hidden])")
	_, err = chromedp.Run(bctx, chromedp.Evaluate[chromedp.Void](`console.info(`+strconvQuote(sentinel)+`)`))
	run("sentinel", err)
	<-done

	rep, g := htmlFixture()
	if findings != len(rep.Findings) {
		t.Errorf("%d finding rows rendered, want %d", findings, len(rep.Findings))
	}
	if nodes != len(g.Nodes) {
		t.Errorf("%d graph nodes rendered, want %d", nodes, len(g.Nodes))
	}
	// requests, urllib3, colourama (malicious, and a typo-squat: the worse
	// wins) and the hostile package are vulnerable; idna is suspicious.
	if vulnerable != 4 || suspicious != 1 {
		t.Errorf("highlighted: %d vulnerable, %d suspicious; want 4, 1", vulnerable, suspicious)
	}
	if pwned != "undefined" {
		t.Errorf("markup from the report data ran: window.pwned = %s", pwned)
	}
	if !strings.Contains(summary, "1 critical") && !strings.Contains(summary, "2 critical") {
		t.Errorf("summary %q", summary)
	}
	if firstNode != "urllib3 1.26.0" {
		t.Errorf("urllib3 node title %q", firstNode)
	}
	if shownAfterFilter != 1 {
		t.Errorf("after clicking urllib3, %d findings shown, want 1", shownAfterFilter)
	}
	if len(problems) > 0 {
		t.Errorf("console: %q", problems)
	}
}
