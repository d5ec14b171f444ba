package testindex

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/provenance"
)

// DefaultWheelTag is the tag used when Dist.WheelTags is empty.
const DefaultWheelTag = "py3-none-any"

// archiveTime is the fixed timestamp of every archive member, so that builds
// are reproducible and hashes stable across runs.
var archiveTime = time.Date(2020, 2, 2, 0, 0, 0, 0, time.UTC)

// gzipPool reuses compressors: allocating one costs more than compressing a
// small sdist.
var gzipPool = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}

// Dist describes one release (name + version) of a project.
type Dist struct {
	Name    string // project name as displayed; normalized for URLs and file names
	Version string // PEP 440 version in normal form (used verbatim in file names)

	Requires       []string            // Requires-Dist lines (PEP 508), markers allowed
	Extras         map[string][]string // extra name → requirements; emitted with `extra == "name"`
	RequiresPython string              // Requires-Python specifier set; "" for none

	WheelTags []string // one wheel per tag (e.g. "cp312-cp312-manylinux_2_17_x86_64"); nil → DefaultWheelTag
	NoWheel   bool     // publish no wheel (implies an sdist)
	Sdist     bool     // also publish an sdist
	Dynamic   []string // PKG-INFO Dynamic: fields of the sdist (PEP 643), e.g. "Requires-Dist"
	// MetadataVersion of METADATA and PKG-INFO; "" means "2.2". An sdist
	// below 2.2 has no static-metadata guarantee (PEP 643).
	MetadataVersion string

	Yanked       bool   // PEP 592
	YankedReason string // reason; may be empty
	UploadTime   time.Time
	// Provenance, when set, is served for each of the release's files as
	// its PEP 740 provenance object at /files/<filename>.provenance and
	// linked from the pages (JSON "provenance", HTML data-provenance).
	Provenance []byte
	// Publisher, when set (and Provenance is not), has Options.Signer sign
	// each file's provenance for its own name and sha256, served at the
	// Integrity API URL /integrity/<project>/<version>/<filename>/provenance
	// and linked from the pages.
	Publisher *provenance.Identity

	Modules map[string]string // extra files in the wheel/sdist: relative path → content
	// RawEntries are written into the wheel verbatim (and listed in
	// RECORD) without any validation: names like "../x" or "/etc/x" let
	// installer tests build hostile wheels.
	RawEntries     map[string]string
	ConsoleScripts map[string]string // console script name → "module:function"

	// RawMetadata, when set, is the wheel's METADATA and PEP 658 file
	// verbatim (e.g. a real project's), instead of the one built from the
	// fields above; its Name and Version must agree with the Dist's.
	RawMetadata []byte
	// Deflate compresses the wheel's members, as real wheels are; the
	// default stores them, which is cheaper to build.
	Deflate bool
}

// ProjectName returns the PEP 503 normalized project name.
func (d Dist) ProjectName() string { return pep503.Normalize(d.Name) }

// ImportName is the top-level Python package shipped by d: the normalized
// name with '-' replaced by '_'.
func (d Dist) ImportName() string { return strings.ReplaceAll(d.ProjectName(), "-", "_") }

// fileStem is the escaped "{name}-{version}" prefix shared by wheel and sdist
// file names and the .dist-info directory.
func (d Dist) fileStem() string {
	return d.ImportName() + "-" + strings.ReplaceAll(d.Version, "-", "_")
}

// WheelFilename returns the wheel file name for tag.
func (d Dist) WheelFilename(tag string) string { return d.fileStem() + "-" + tag + ".whl" }

// SdistFilename returns the PEP 625 sdist file name.
func (d Dist) SdistFilename() string { return d.fileStem() + ".tar.gz" }

// wheelTags returns the tags of the wheels to publish.
func (d Dist) wheelTags() []string {
	if d.NoWheel {
		return nil
	}
	if len(d.WheelTags) == 0 {
		return []string{DefaultWheelTag}
	}
	return d.WheelTags
}

func (d Dist) hasSdist() bool { return d.Sdist || d.NoWheel }

// validate reports problems that would make the artifacts unusable.
func (d Dist) validate() error {
	if !pep503.Valid(d.Name) {
		return fmt.Errorf("testindex: invalid project name %q", d.Name)
	}
	if d.Version == "" || strings.ContainsAny(d.Version, " \t\r\n/-") {
		return fmt.Errorf("testindex: %s: version %q must be a PEP 440 version in normal form", d.Name, d.Version)
	}
	for _, t := range d.WheelTags {
		if p := strings.Split(t, "-"); len(p) != 3 || p[0] == "" || p[1] == "" || p[2] == "" {
			return fmt.Errorf("testindex: %s %s: wheel tag %q is not interpreter-abi-platform", d.Name, d.Version, t)
		}
	}
	for p := range d.Modules {
		if p == "" || path.IsAbs(p) || strings.Contains(p, "..") || strings.Contains(p, "\\") {
			return fmt.Errorf("testindex: %s %s: module path %q must be relative", d.Name, d.Version, p)
		}
	}
	for name, target := range d.ConsoleScripts {
		if name == "" || strings.ContainsAny(name, " =\n") || !strings.Contains(target, ":") {
			return fmt.Errorf("testindex: %s %s: console script %q = %q must be name = module:function", d.Name, d.Version, name, target)
		}
	}
	for _, r := range append(append([]string(nil), d.Requires...), flatten(d.Extras)...) {
		if strings.ContainsAny(r, "\r\n") {
			return fmt.Errorf("testindex: %s %s: requirement %q contains a newline", d.Name, d.Version, r)
		}
	}
	return nil
}

func flatten(m map[string][]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v...)
	}
	return out
}

// Metadata returns the core metadata text (RFC 822 style) of d. When sdist is
// true the PEP 643 Dynamic fields are included. A wheel's metadata is
// RawMetadata when that is set.
func (d Dist) Metadata(sdist bool) []byte {
	if !sdist && d.RawMetadata != nil {
		return d.RawMetadata
	}
	var b bytes.Buffer
	mv := d.MetadataVersion
	if mv == "" {
		mv = "2.2"
	}
	fmt.Fprintf(&b, "Metadata-Version: %s\n", mv)
	fmt.Fprintf(&b, "Name: %s\n", d.Name)
	fmt.Fprintf(&b, "Version: %s\n", d.Version)
	fmt.Fprintf(&b, "Summary: %s test package\n", d.Name)
	if sdist {
		for _, f := range d.Dynamic {
			fmt.Fprintf(&b, "Dynamic: %s\n", f)
		}
	}
	if d.RequiresPython != "" {
		fmt.Fprintf(&b, "Requires-Python: %s\n", d.RequiresPython)
	}
	for _, r := range d.Requires {
		fmt.Fprintf(&b, "Requires-Dist: %s\n", r)
	}
	for _, extra := range sortedKeys(d.Extras) {
		fmt.Fprintf(&b, "Provides-Extra: %s\n", extra)
		for _, r := range d.Extras[extra] {
			fmt.Fprintf(&b, "Requires-Dist: %s\n", withExtraMarker(r, extra))
		}
	}
	return b.Bytes()
}

// withExtraMarker adds `extra == "name"` to requirement r, and-ing it with an
// existing marker. A URL requirement needs whitespace before ';' (PEP 508), so
// " ;" is always written.
func withExtraMarker(r, extra string) string {
	req, marker, ok := strings.Cut(r, ";")
	req = strings.TrimSpace(req)
	if ok && strings.TrimSpace(marker) != "" {
		return fmt.Sprintf("%s ; (%s) and extra == %q", req, strings.TrimSpace(marker), extra)
	}
	return fmt.Sprintf("%s ; extra == %q", req, extra)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// sources returns the package files shared by wheel and sdist: path → content.
func (d Dist) sources() map[string]string {
	files := map[string]string{
		d.ImportName() + "/__init__.py": fmt.Sprintf("__version__ = %q\n\n\ndef main():\n    print(%q)\n    return 0\n", d.Version, d.Name+" "+d.Version),
	}
	for p, c := range d.Modules {
		files[p] = c
	}
	return files
}

func (d Dist) entryPoints() string {
	if len(d.ConsoleScripts) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("[console_scripts]\n")
	for _, name := range sortedKeys(d.ConsoleScripts) {
		fmt.Fprintf(&b, "%s = %s\n", name, d.ConsoleScripts[name])
	}
	return b.String()
}

// BuildWheel builds the wheel of d for tag ("" means DefaultWheelTag).
func BuildWheel(d Dist, tag string) (filename string, data []byte, err error) {
	if tag == "" {
		tag = DefaultWheelTag
	}
	if err := d.validate(); err != nil {
		return "", nil, err
	}
	if p := strings.Split(tag, "-"); len(p) != 3 {
		return "", nil, fmt.Errorf("testindex: wheel tag %q is not interpreter-abi-platform", tag)
	}
	distInfo := d.fileStem() + ".dist-info"
	type member struct{ name, content string }
	var members []member
	src := d.sources()
	for _, p := range sortedKeys(src) {
		members = append(members, member{p, src[p]})
	}
	for _, p := range sortedKeys(d.RawEntries) {
		members = append(members, member{p, d.RawEntries[p]})
	}
	members = append(members, member{distInfo + "/METADATA", string(d.Metadata(false))})
	members = append(members, member{distInfo + "/WHEEL", wheelFile(tag)})
	if ep := d.entryPoints(); ep != "" {
		members = append(members, member{distInfo + "/entry_points.txt", ep})
	}
	var record strings.Builder
	for _, m := range members {
		sum := sha256.Sum256([]byte(m.content))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", csvField(m.name), base64.RawURLEncoding.EncodeToString(sum[:]), len(m.content))
	}
	fmt.Fprintf(&record, "%s,,\n", distInfo+"/RECORD")
	members = append(members, member{distInfo + "/RECORD", record.String()})

	method := zip.Store
	if d.Deflate {
		method = zip.Deflate
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m.name, Method: method, Modified: archiveTime})
		if err != nil {
			return "", nil, fmt.Errorf("testindex: building %s: %w", d.WheelFilename(tag), err)
		}
		if _, err := w.Write([]byte(m.content)); err != nil {
			return "", nil, fmt.Errorf("testindex: building %s: %w", d.WheelFilename(tag), err)
		}
	}
	if err := zw.Close(); err != nil {
		return "", nil, fmt.Errorf("testindex: building %s: %w", d.WheelFilename(tag), err)
	}
	return d.WheelFilename(tag), buf.Bytes(), nil
}

// csvField quotes a RECORD path when it contains CSV metacharacters.
func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// wheelFile renders the WHEEL file; a compressed tag set (py2.py3-none-any)
// is expanded into one Tag line per combination.
func wheelFile(tag string) string {
	p := strings.Split(tag, "-")
	var b strings.Builder
	b.WriteString("Wheel-Version: 1.0\nGenerator: pyward-testindex\n")
	fmt.Fprintf(&b, "Root-Is-Purelib: %t\n", p[2] == "any")
	for _, i := range strings.Split(p[0], ".") {
		for _, a := range strings.Split(p[1], ".") {
			for _, pl := range strings.Split(p[2], ".") {
				fmt.Fprintf(&b, "Tag: %s-%s-%s\n", i, a, pl)
			}
		}
	}
	return b.String()
}

// BuildSdist builds the sdist (.tar.gz) of d.
func BuildSdist(d Dist) (filename string, data []byte, err error) {
	if err := d.validate(); err != nil {
		return "", nil, err
	}
	root := d.fileStem()
	files := d.sources()
	files["PKG-INFO"] = string(d.Metadata(true))
	files["pyproject.toml"] = d.pyproject()
	if d.dynamicDeps() {
		// Dependencies computed at build time, as a PKG-INFO Dynamic:
		// Requires-Dist promises.
		files["setup.py"] = "from setuptools import setup\n\nsetup(install_requires=" + pyList(d.Requires) + ")\n"
	}
	var buf bytes.Buffer
	gz := gzipPool.Get().(*gzip.Writer) // zero header ModTime: reproducible
	defer gzipPool.Put(gz)
	gz.Reset(&buf)
	tw := tar.NewWriter(gz)
	dirs := map[string]bool{}
	for _, p := range sortedKeys(files) {
		for dir := path.Dir(root + "/" + p); dir != "." && !dirs[dir]; dir = path.Dir(dir) {
			dirs[dir] = true
		}
	}
	for _, dir := range sortedKeys(dirs) {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir + "/", Mode: 0o755, ModTime: archiveTime, Format: tar.FormatPAX}); err != nil {
			return "", nil, fmt.Errorf("testindex: building %s: %w", d.SdistFilename(), err)
		}
	}
	for _, p := range sortedKeys(files) {
		c := files[p]
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: root + "/" + p, Mode: 0o644, Size: int64(len(c)), ModTime: archiveTime, Format: tar.FormatPAX}); err != nil {
			return "", nil, fmt.Errorf("testindex: building %s: %w", d.SdistFilename(), err)
		}
		if _, err := tw.Write([]byte(c)); err != nil {
			return "", nil, fmt.Errorf("testindex: building %s: %w", d.SdistFilename(), err)
		}
	}
	if err := errors.Join(tw.Close(), gz.Close()); err != nil {
		return "", nil, fmt.Errorf("testindex: building %s: %w", d.SdistFilename(), err)
	}
	return d.SdistFilename(), buf.Bytes(), nil
}

// pyproject renders a static PEP 621 pyproject.toml for the sdist.
func (d Dist) pyproject() string {
	var b strings.Builder
	b.WriteString("[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n\n")
	b.WriteString("[project]\n")
	fmt.Fprintf(&b, "name = %s\n", tomlString(d.Name))
	fmt.Fprintf(&b, "version = %s\n", tomlString(d.Version))
	if d.RequiresPython != "" {
		fmt.Fprintf(&b, "requires-python = %s\n", tomlString(d.RequiresPython))
	}
	if d.dynamicDeps() {
		b.WriteString("dynamic = [\"dependencies\"]\n")
	} else {
		fmt.Fprintf(&b, "dependencies = %s\n", tomlArray(d.Requires))
	}
	if len(d.Extras) > 0 {
		b.WriteString("\n[project.optional-dependencies]\n")
		for _, e := range sortedKeys(d.Extras) {
			fmt.Fprintf(&b, "%s = %s\n", tomlString(e), tomlArray(d.Extras[e]))
		}
	}
	if len(d.ConsoleScripts) > 0 {
		b.WriteString("\n[project.scripts]\n")
		for _, n := range sortedKeys(d.ConsoleScripts) {
			fmt.Fprintf(&b, "%s = %s\n", tomlString(n), tomlString(d.ConsoleScripts[n]))
		}
	}
	return b.String()
}

func tomlString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

func tomlArray(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = tomlString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// dynamicDeps reports whether the sdist declares Requires-Dist dynamic.
func (d Dist) dynamicDeps() bool {
	for _, f := range d.Dynamic {
		if strings.EqualFold(f, "Requires-Dist") {
			return true
		}
	}
	return false
}

func pyList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
