package fix

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pyward/pyward/internal/inventory"
)

func TestLockSettings(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	pkgs := func(indexes ...string) *inventory.Inventory {
		inv := &inventory.Inventory{}
		for i, ix := range indexes {
			inv.Packages = append(inv.Packages, inventory.Package{Name: fmt.Sprintf("p%d", i), Index: ix})
		}
		return inv
	}
	tests := []struct {
		name    string
		command string
		inv     *inventory.Inventory
		env     func(string) string
		want    string
	}{
		{"pyward lock header", "pyward lock r.in -o r.txt --index-url https://a/simple/ --python-version 3.11 --platform macos_arm64 --pre --exclude-newer \"7d\"",
			pkgs("https://b/simple/"), env(), "index=https://a/simple/ py=3.11 platform=macos_arm64 pre=true excl=7d"},
		{"pip-compile header with = values", "pip-compile --generate-hashes --index-url=https://a/simple/ --extra-index-url=https://x/simple/ --trusted-host=a",
			pkgs(), env(), "index=https://a/simple/ extra=[https://x/simple/] trusted=[a]"},
		{"named indexes", "pyward lock r.in --index corp=https://c/simple/ --index pypi=https://p/simple/ --index-for corp-*=corp",
			pkgs(), env(), "indexes=[corp=https://c/simple/ pypi=https://p/simple/] for=[corp-*=corp] universal=true"},
		{"index strategy", "pyward lock r.in --index-url https://a/simple/ --extra-index-url https://x/simple/ --index-strategy unsafe-best-match",
			pkgs(), env(), "index=https://a/simple/ extra=[https://x/simple/] strategy=unsafe-best-match universal=true"},
		{"index strategy with = value", "pyward lock r.in --index-url https://a/simple/ --index-strategy=first-index",
			pkgs(), env(), "index=https://a/simple/ strategy=first-index universal=true"},
		{"find-links and no-index", "pyward lock r.in --no-index -f ./wheels --find-links=https://w/", pkgs("https://b/simple/"), env(),
			"links=[./wheels https://w/] noindex=true universal=true"},
		{"lock's index option", "", &inventory.Inventory{IndexURLs: []inventory.IndexRef{{URL: "https://opt/simple/"}}}, env(), "index=https://opt/simple/"},
		{"lock's index and extra index options", "", &inventory.Inventory{IndexURLs: []inventory.IndexRef{{URL: "https://opt/simple/"}, {URL: "https://x/simple/", Extra: true}}},
			env("PIP_INDEX_URL", "http://e/simple/"), "index=https://opt/simple/ extra=[https://x/simple/]"},
		{"lock's trusted hosts", "", &inventory.Inventory{TrustedHosts: []inventory.IndexRef{{URL: "t1"}}}, env("PIP_TRUSTED_HOST", "t2"),
			"index=https://fallback/simple/ trusted=[t1 t2]"},
		{"one '# from' index", "", pkgs("https://b/simple/", "https://b/simple/"), env(), "index=https://b/simple/"},
		{"several '# from' indexes", "", pkgs("https://b/simple/", "https://c/simple/"), env(),
			"indexes=[lock-1=https://b/simple/ lock-2=https://c/simple/] for=[p0=lock-1 p1=lock-2]"},
		{"'# from' before PIP_INDEX_URL", "", pkgs("https://b/simple/"), env("PIP_INDEX_URL", "http://e/simple/"), "index=https://b/simple/"},
		{"PIP_INDEX_URL and PIP_TRUSTED_HOST", "", pkgs(), env("PIP_INDEX_URL", "http://e/simple/", "PIP_TRUSTED_HOST", "e f"),
			"index=http://e/simple/ trusted=[e f]"},
		{"fallback", "", pkgs(), env(), "index=https://fallback/simple/"},
		{"option without its value", "pyward lock r.in --index-url", pkgs(), env(), "index=https://fallback/simple/ universal=true"},
		{"universal lock with environments", `pyward lock r.in --index-url https://a/simple/ --environment "sys_platform != \"win32\"" --required-environment "sys_platform == \"linux\""`,
			pkgs(), env(), `index=https://a/simple/ universal=true env=[sys_platform != "win32"] required=[sys_platform == "linux"]`},
		{"single-environment lock", "pyward lock r.in --index-url https://a/simple/ --no-universal", pkgs(), env(), "index=https://a/simple/"},
		{"universal lock from one Python", "pyward lock r.in --index-url https://a/simple/ --python-version 3.12 --universal", pkgs(), env(),
			"index=https://a/simple/ py=3.12 universal=true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := LockSettings(Header{Command: tt.command}, tt.inv, "https://fallback/simple/", tt.env)
			src := s.Sources
			var parts []string
			add := func(k string, v any, ok bool) {
				if ok {
					parts = append(parts, fmt.Sprintf("%s=%v", k, v))
				}
			}
			add("index", src.IndexURL, src.IndexURL != "")
			add("extra", src.ExtraIndexURLs, len(src.ExtraIndexURLs) > 0)
			add("indexes", src.Indexes, len(src.Indexes) > 0)
			add("for", src.IndexFor, len(src.IndexFor) > 0)
			add("links", src.FindLinks, len(src.FindLinks) > 0)
			add("noindex", src.NoIndex, src.NoIndex)
			add("trusted", src.TrustedHosts, len(src.TrustedHosts) > 0)
			add("strategy", src.IndexStrategy, src.IndexStrategy != "")
			add("py", s.PythonVersion, s.PythonVersion != "")
			add("platform", s.Platform, s.Platform != "")
			add("pre", s.Pre, s.Pre)
			add("excl", s.ExcludeNewer, s.ExcludeNewer != "")
			add("universal", s.Universal, s.Universal)
			add("env", s.Environments, len(s.Environments) > 0)
			add("required", s.RequiredEnvironments, len(s.RequiredEnvironments) > 0)
			if got := strings.Join(parts, " "); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
