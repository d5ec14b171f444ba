package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/pyward/pyward/internal/metadata"
	"github.com/pyward/pyward/internal/pep440"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/pep508"
	"github.com/pyward/pyward/internal/testindex"
)

// Shape of the realistic sync set: the kinds of wheel a real lock of ~200
// packages holds, with the share of each kind and its ranges (sizes drawn
// log-uniformly, so most files are small and a few are large).
const (
	realSyncDists = 195
	realTinyDists = 12 // smoke test

	shareSmall  = 0.50 // a handful of modules
	shareMedium = 0.30 // a package with subpackages, stubs and data files
	shareLarge  = 0.12 // a framework: hundreds of modules, templates, locales
	// the rest: compiled extensions (.so blobs) on a platform tag

	shareConsole  = 0.15 // console scripts
	shareDataDir  = 0.03 // files under {name}.data/data (man pages, shared data)
	shareScripts  = 0.02 // #!python scripts under {name}.data/scripts
	maxSOPerWheel = 2
)

// sizeRange is a log-uniform range of byte sizes or counts.
type sizeRange struct{ lo, hi int }

func (r sizeRange) draw(rng *rand.Rand) int {
	if r.hi <= r.lo {
		return r.lo
	}
	l := math.Log(float64(r.lo)) + rng.Float64()*(math.Log(float64(r.hi))-math.Log(float64(r.lo)))
	return int(math.Exp(l))
}

// wheelKind is one row of the shape table.
type wheelKind struct {
	name      string
	modules   sizeRange // .py files
	moduleLen sizeRange // bytes per .py file
	data      sizeRange // package data files (.json, .pyi, .html, .mo)
	dataLen   sizeRange
	so        int // compiled extension blobs (upper bound; at least 1 when > 0)
	soLen     sizeRange
}

var wheelKinds = []wheelKind{
	{name: "small", modules: sizeRange{1, 8}, moduleLen: sizeRange{600, 8 << 10}},
	{name: "medium", modules: sizeRange{8, 30}, moduleLen: sizeRange{800, 16 << 10}, data: sizeRange{1, 8}, dataLen: sizeRange{200, 8 << 10}},
	{name: "large", modules: sizeRange{40, 200}, moduleLen: sizeRange{800, 20 << 10}, data: sizeRange{5, 40}, dataLen: sizeRange{200, 16 << 10}},
	{name: "binary", modules: sizeRange{3, 20}, moduleLen: sizeRange{800, 12 << 10}, data: sizeRange{1, 4}, dataLen: sizeRange{200, 8 << 10}, so: maxSOPerWheel, soLen: sizeRange{100 << 10, 1536 << 10}},
}

// binaryTarget is what compiled wheels are tagged and named for: the
// interpreter's own platform tag and extension suffix, so that both pip and
// pyward pick them.
type binaryTarget struct {
	tag       string // e.g. cp311-cp311-manylinux_2_17_x86_64 ("" → pure wheels only)
	extSuffix string // e.g. .cpython-311-x86_64-linux-gnu.so
}

// queryBinaryTarget asks python for its version, machine and extension
// suffix. Off glibc Linux every wheel is pure (the blobs keep their size).
func queryBinaryTarget(ctx context.Context, python string) binaryTarget {
	if runtime.GOOS != "linux" {
		return binaryTarget{extSuffix: ".so"}
	}
	_, res, err := run(ctx, proc{Name: python, Args: []string{"-I", "-S", "-c",
		"import sys, platform, sysconfig; print(sys.implementation.name, '%d%d' % sys.version_info[:2], platform.machine(), platform.libc_ver()[0], sysconfig.get_config_var('EXT_SUFFIX'))"}})
	f := strings.Fields(string(res.Stdout))
	if err != nil || len(f) != 5 || f[0] != "cpython" || f[3] != "glibc" {
		return binaryTarget{extSuffix: ".so"}
	}
	return binaryTarget{tag: fmt.Sprintf("cp%s-cp%s-manylinux_2_17_%s", f[1], f[1], f[2]), extSuffix: f[4]}
}

// realMetadata is one usable file of the real-metadata directory.
type realMetadata struct {
	raw  []byte
	md   *metadata.Metadata
	norm string
	ver  pep440.Version
}

// loadRealMetadata reads every METADATA / PKG-INFO file of dir that a wheel
// can carry unchanged: it parses, its version is PEP 440 in normal form and
// its name is a valid project name (the first file of each name wins).
func loadRealMetadata(dir string) ([]*realMetadata, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []*realMetadata
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".METADATA") && !strings.HasSuffix(e.Name(), ".PKG-INFO") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		md, err := metadata.Parse(raw)
		if err != nil || md.Validate() != nil || !pep503.Valid(md.Name) {
			continue
		}
		v, err := pep440.Parse(md.Version)
		if err != nil || v.String() != md.Version {
			continue
		}
		n := pep503.Normalize(md.Name)
		if seen[n] {
			continue
		}
		seen[n] = true
		out = append(out, &realMetadata{raw: raw, md: md, norm: n, ver: v})
	}
	return out, nil
}

// closedSubset picks n of ms whose dependencies (for env, no extras) are all
// among the picked ones at a matching version, so that `pip check` passes on
// the installed set. Files whose dependencies cannot be met are dropped
// first; the rest are taken in a seeded order, each with its dependencies.
func closedSubset(ms []*realMetadata, n int, env pep508.Environment, rng *rand.Rand) ([]*realMetadata, error) {
	byName := map[string]*realMetadata{}
	for _, m := range ms {
		byName[m.norm] = m
	}
	deps := func(m *realMetadata) []string {
		var out []string
		for _, r := range m.md.Dependencies(nil, env) {
			out = append(out, pep503.Normalize(r.Name))
		}
		return out
	}
	// Drop files with an unmet dependency until none is left.
	for changed := true; changed; {
		changed = false
		for name, m := range byName {
			for _, r := range m.md.Dependencies(nil, env) {
				d := byName[pep503.Normalize(r.Name)]
				if d == nil || r.URL != "" || !r.Specifier.Contains(d.ver, true) {
					delete(byName, name)
					changed = true
					break
				}
			}
		}
	}
	names := make([]string, 0, len(byName))
	for name := range byName {
		names = append(names, name)
	}
	slices.Sort(names)
	rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	picked := map[string]bool{}
	var out []*realMetadata
	for _, name := range names {
		if len(out) == n {
			break
		}
		// The name with its dependency closure, if it fits.
		closure, stack := map[string]bool{}, []string{name}
		for len(stack) > 0 {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if picked[x] || closure[x] {
				continue
			}
			closure[x] = true
			stack = append(stack, deps(byName[x])...)
		}
		if len(out)+len(closure) > n {
			continue
		}
		add := make([]string, 0, len(closure))
		for x := range closure {
			add = append(add, x)
		}
		slices.Sort(add)
		for _, x := range add {
			picked[x] = true
			out = append(out, byName[x])
		}
	}
	if len(out) < n {
		return nil, fmt.Errorf("only %d of %d real METADATA files have their dependencies among the others", len(out), n)
	}
	slices.SortFunc(out, func(a, b *realMetadata) int { return strings.Compare(a.norm, b.norm) })
	return out, nil
}

// words make generated Python read like code (and compress like it: ~3-4×
// with deflate, where a repeated template would compress 20×).
var words = strings.Fields(`self value result items config request response data name path key index count
	options context handler parser buffer stream session client server token node child parent state cache
	error message default timeout length offset source target schema field record entry module object`)

// pyModule returns about size bytes of plausible Python source.
func pyModule(rng *rand.Rand, title string, size int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\"\"\"%s.\"\"\"\n\nfrom __future__ import annotations\n\nimport os\nimport sys\n\n", title)
	w := func() string { return words[rng.IntN(len(words))] }
	for i := 0; b.Len() < size; i++ {
		fn := fmt.Sprintf("%s_%s_%d", w(), w(), i)
		fmt.Fprintf(&b, "\ndef %s(%s, %s=None):\n    \"\"\"Return the %s of %s for %s.\"\"\"\n", fn, w(), w(), w(), w(), w())
		for range 2 + rng.IntN(6) {
			fmt.Fprintf(&b, "    %s = %s.get(%q, %d) if %s else %s\n", w(), w(), w(), rng.IntN(1000), w(), w())
		}
		fmt.Fprintf(&b, "    return %s\n\n", w())
	}
	return b.String()
}

// soBlob returns size bytes shaped like a shared object: an ELF magic, then
// pages that mix random bytes with repeated runs (deflates ~2-3×, as real
// extension modules do).
func soBlob(rng *rand.Rand, size int) string {
	b := make([]byte, 0, size)
	b = append(b, 0x7f, 'E', 'L', 'F', 2, 1, 1, 0)
	pattern := make([]byte, 64)
	for len(b) < size {
		if rng.IntN(5) < 2 {
			for range 512 {
				b = append(b, byte(rng.Uint32()))
			}
		} else {
			pattern[rng.IntN(len(pattern))] = byte(rng.Uint32())
			for range 8 {
				b = append(b, pattern...)
			}
		}
	}
	return string(b[:size])
}

// dataFile returns a package data file of about size bytes, by extension.
func dataFile(rng *rand.Rand, ext string, size int) string {
	var b strings.Builder
	switch ext {
	case ".mo": // compiled message catalogue: binary-ish
		return soBlob(rng, size)
	case ".json":
		b.WriteString("{\n")
		for i := 0; b.Len() < size; i++ {
			fmt.Fprintf(&b, "  %q: {\"%s\": %d, \"%s\": %q},\n", fmt.Sprintf("%s_%d", words[rng.IntN(len(words))], i),
				words[rng.IntN(len(words))], rng.IntN(1e6), words[rng.IntN(len(words))], words[rng.IntN(len(words))])
		}
		b.WriteString("  \"end\": null\n}\n")
	case ".html":
		for i := 0; b.Len() < size; i++ {
			fmt.Fprintf(&b, "<div class=\"%s\">{{ %s.%s }}</div>\n", words[rng.IntN(len(words))], words[rng.IntN(len(words))], words[rng.IntN(len(words))])
		}
	default: // .pyi and anything else: stub-like text
		for i := 0; b.Len() < size; i++ {
			fmt.Fprintf(&b, "def %s_%d(%s: int) -> %s: ...\n", words[rng.IntN(len(words))], i, words[rng.IntN(len(words))], "str")
		}
	}
	return b.String()
}

var dataExts = []string{".json", ".pyi", ".html", ".mo", ".txt"}

// realSyncDistributions builds n distributions for the realistic sync set:
// names, versions and METADATA (verbatim) from real METADATA files in dir,
// chosen so that their dependencies are among them; contents drawn with a
// seeded RNG from wheelKinds; deflated like real wheels.
func realSyncDistributions(dir string, n int, seed int64, bt binaryTarget) ([]testindex.Dist, error) {
	ms, err := loadRealMetadata(dir)
	if err != nil {
		return nil, err
	}
	env, err := pep508.TargetEnvironment("3.11", pep508.PlatformLinux)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 195))
	picked, err := closedSubset(ms, n, env, rng)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	var out []testindex.Dist
	for _, m := range picked {
		d := testindex.Dist{Name: m.md.Name, Version: m.md.Version, RawMetadata: m.raw, Deflate: true, Modules: map[string]string{}}
		imp := d.ImportName()
		k := wheelKinds[len(wheelKinds)-1]
		switch r := rng.Float64(); {
		case r < shareSmall:
			k = wheelKinds[0]
		case r < shareSmall+shareMedium:
			k = wheelKinds[1]
		case r < shareSmall+shareMedium+shareLarge:
			k = wheelKinds[2]
		}
		subpkgs := 1 + k.modules.hi/40
		for i := range k.modules.draw(rng) {
			dirName := imp
			if sp := rng.IntN(subpkgs); sp > 0 {
				dirName = fmt.Sprintf("%s/sub%d", imp, sp)
				d.Modules[dirName+"/__init__.py"] = ""
			}
			p := fmt.Sprintf("%s/%s_%d.py", dirName, words[rng.IntN(len(words))], i)
			d.Modules[p] = pyModule(rng, fmt.Sprintf("Module %d of %s", i, d.Name), k.moduleLen.draw(rng))
		}
		if k.data.hi > 0 {
			d.Modules[imp+"/py.typed"] = ""
			for i := range k.data.draw(rng) {
				ext := dataExts[rng.IntN(len(dataExts))]
				d.Modules[fmt.Sprintf("%s/data/%s_%d%s", imp, words[rng.IntN(len(words))], i, ext)] = dataFile(rng, ext, k.dataLen.draw(rng))
			}
		}
		if k.so > 0 {
			for i := range 1 + rng.IntN(k.so) {
				d.Modules[fmt.Sprintf("%s/_ext%d%s", imp, i, bt.extSuffix)] = soBlob(rng, k.soLen.draw(rng))
			}
			if bt.tag != "" {
				d.WheelTags = []string{bt.tag}
			}
		}
		stem := imp + "-" + d.Version
		if rng.Float64() < shareConsole {
			d.Modules[imp+"/__main__.py"] = "import sys\n\ndef main():\n    return 0\n\nif __name__ == '__main__':\n    sys.exit(main())\n"
			d.ConsoleScripts = map[string]string{d.ProjectName(): imp + ".__main__:main"}
		}
		if rng.Float64() < shareDataDir {
			d.RawEntries = map[string]string{
				stem + ".data/data/share/man/man1/" + d.ProjectName() + ".1":    dataFile(rng, ".txt", 4<<10),
				stem + ".data/data/share/" + d.ProjectName() + "/defaults.json": dataFile(rng, ".json", 2<<10),
			}
		}
		if rng.Float64() < shareScripts {
			if d.RawEntries == nil {
				d.RawEntries = map[string]string{}
			}
			d.RawEntries[stem+".data/scripts/"+d.ProjectName()+"-tool"] = "#!python\nimport sys\nprint(sys.argv)\n"
		}
		out = append(out, d)
	}
	return out, nil
}
