package testindex

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/provenance"
)

// MaxLog bounds the number of requests kept by Index.Log, so long benchmarks
// do not grow memory without limit. Counters are never truncated.
const MaxLog = 100_000

// defaultUploadBase is the upload time of the first Dist without one; each
// later Dist is one hour younger, so upload order follows input order.
var defaultUploadBase = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)

// ProjectStatus is a PEP 792 project status marker.
type ProjectStatus struct {
	Status string // "active", "archived", "quarantined" or "deprecated"
	Reason string // optional free text
}

// Options configures an Index. The zero value is a PyPI-like index.
type Options struct {
	Latency time.Duration // added to every response (also settable with SetLatency)

	NoJSON          bool // do not serve PEP 691 JSON
	NoHTML          bool // do not serve PEP 503 HTML
	NoMetadataFiles bool // do not serve PEP 658 .metadata files
	NoHashes        bool // no #sha256= fragments, empty JSON "hashes"
	NoRange         bool // ignore Range headers (always 200 with the whole file)
	NoUploadTimes   bool // omit PEP 700 upload-time
	NoRedirect      bool // serve non-normalized /simple/<name>/ directly instead of 301

	Status map[string]ProjectStatus // project name (any spelling) → PEP 792 status

	// CacheControl is sent with every simple page; "" means
	// "max-age=0, must-revalidate" so clients always revalidate (useful to
	// test ETag / Last-Modified handling).
	CacheControl string

	// Username and Password, when Username is set, are required as HTTP
	// Basic credentials on every path (401 otherwise).
	Username, Password string

	// Signer, when set, signs PEP 740 provenance for every file of a Dist
	// with a Publisher (see provenancetest.Sigstore).
	Signer Signer
}

// Signer makes the PEP 740 provenance object of one file.
type Signer interface {
	Provenance(filename, sha256hex string, publisher provenance.Identity) ([]byte, error)
}

// Request is one logged request.
type Request struct {
	Method string
	Path   string
	Header http.Header
}

// Index is an in-memory package index. Create it with New.
type Index struct {
	opts    Options
	latency atomic.Int64

	mu       sync.Mutex
	projects map[string]*project // normalized name → project
	owner    map[string]*project // filename → project
	counts   map[string]int64    // path → requests
	failures map[string][]int    // path → statuses to return next
	log      []Request

	total  atomic.Int64
	bytes  atomic.Int64
	builds atomic.Int64 // Dists whose files were built
	srv    *httptest.Server
}

type project struct {
	name    string // display name (first Dist's spelling)
	norm    string
	mu      sync.Mutex // guards the fields below
	dists   []Dist
	built   bool
	files   []*file
	modTime time.Time
	buildEr error
	signer  Signer
	builds  *atomic.Int64 // the Index's counter
}

type file struct {
	filename string
	dist     Dist
	wheel    bool
	genuine  []byte // bytes as built
	data     []byte // bytes served (differs from genuine after Tamper)
	sha256   string // hash of genuine
	listed   string // sha256 the pages list instead, when set (ListSHA256)
	metadata []byte // PEP 658 metadata file (wheels only)
	metaSHA  string
	// provenance is the PEP 740 object served for the file (Dist.Provenance,
	// or signed by Options.Signer for Dist.Publisher); nil for none.
	provenance []byte
	// integrity is set when provenance was signed here: pages then link the
	// Integrity API URL, as PyPI does.
	integrity bool
}

// New returns an index serving dists. Duplicate file names are an error.
func New(dists []Dist, opts Options) (*Index, error) {
	if opts.NoJSON && opts.NoHTML {
		return nil, fmt.Errorf("testindex: NoJSON and NoHTML leave nothing to serve")
	}
	ix := &Index{
		opts:     opts,
		projects: map[string]*project{},
		owner:    map[string]*project{},
		counts:   map[string]int64{},
		failures: map[string][]int{},
	}
	ix.latency.Store(int64(opts.Latency))
	if err := ix.Add(dists...); err != nil {
		return nil, err
	}
	return ix, nil
}

// Add publishes more distributions (e.g. a new release between two client
// runs, to test cache revalidation). The project's pages change ETag and
// Last-Modified.
func (ix *Index) Add(dists ...Dist) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	seq := 0
	for _, p := range ix.projects {
		seq += len(p.dists)
	}
	now := time.Now().UTC().Truncate(time.Second)
	for _, d := range dists {
		if err := d.validate(); err != nil {
			return err
		}
		if d.UploadTime.IsZero() {
			d.UploadTime = defaultUploadBase.Add(time.Duration(seq) * time.Hour)
		}
		seq++
		if !d.hasSdist() && len(d.wheelTags()) == 0 {
			return fmt.Errorf("testindex: %s %s publishes no file", d.Name, d.Version)
		}
		norm := d.ProjectName()
		p := ix.projects[norm]
		if p == nil {
			p = &project{name: d.Name, norm: norm, signer: ix.opts.Signer, builds: &ix.builds}
			ix.projects[norm] = p
		}
		names := d.filenames()
		for _, fn := range names {
			if ix.owner[fn] != nil {
				return fmt.Errorf("testindex: duplicate file %s", fn)
			}
			ix.owner[fn] = p
		}
		p.mu.Lock()
		p.dists = append(p.dists, d)
		if p.built {
			fs, err := p.build(d)
			if err != nil {
				p.mu.Unlock()
				return err
			}
			p.files = append(p.files, fs...)
		}
		// A page must look modified even if two Adds land in one second.
		if !now.After(p.modTime) {
			now = p.modTime.Add(time.Second)
		}
		p.modTime = now
		p.mu.Unlock()
	}
	return nil
}

func (d Dist) filenames() []string {
	var out []string
	for _, t := range d.wheelTags() {
		out = append(out, d.WheelFilename(t))
	}
	if d.hasSdist() {
		out = append(out, d.SdistFilename())
	}
	return out
}

func buildFiles(d Dist) ([]*file, error) {
	var out []*file
	for _, t := range d.wheelTags() {
		fn, data, err := BuildWheel(d, t)
		if err != nil {
			return nil, err
		}
		md := d.Metadata(false)
		out = append(out, &file{filename: fn, dist: d, wheel: true, genuine: data, data: data, sha256: sha256Hex(data), metadata: md, metaSHA: sha256Hex(md)})
	}
	if d.hasSdist() {
		fn, data, err := BuildSdist(d)
		if err != nil {
			return nil, err
		}
		out = append(out, &file{filename: fn, dist: d, genuine: data, data: data, sha256: sha256Hex(data)})
	}
	return out, nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// ensure builds p's artifacts once; the caller must hold p.mu.
func (p *project) ensure() error {
	if p.built || p.buildEr != nil {
		return p.buildEr
	}
	for _, d := range p.dists {
		fs, err := p.build(d)
		if err != nil {
			p.buildEr = err
			return err
		}
		p.files = append(p.files, fs...)
	}
	p.built = true
	return nil
}

// build makes d's files with their provenance.
func (p *project) build(d Dist) ([]*file, error) {
	p.builds.Add(1)
	fs, err := buildFiles(d)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if err := p.sign(f); err != nil {
			return nil, err
		}
	}
	return fs, nil
}

// sign attaches f's provenance: Dist.Provenance verbatim, else one signed
// for the file's own name and digest when the Dist has a Publisher.
func (p *project) sign(f *file) error {
	switch {
	case f.dist.Provenance != nil:
		f.provenance = f.dist.Provenance
	case f.dist.Publisher != nil:
		if p.signer == nil {
			return fmt.Errorf("testindex: %s has a Publisher but the index has no Signer", f.filename)
		}
		prov, err := p.signer.Provenance(f.filename, f.sha256, *f.dist.Publisher)
		if err != nil {
			return fmt.Errorf("testindex: provenance of %s: %w", f.filename, err)
		}
		f.provenance, f.integrity = prov, true
	}
	return nil
}

// lookup returns the built file named fn, or nil.
func (ix *Index) lookup(fn string) (*project, *file, error) {
	ix.mu.Lock()
	p := ix.owner[fn]
	ix.mu.Unlock()
	if p == nil {
		return nil, nil, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.ensure(); err != nil {
		return p, nil, err
	}
	for _, f := range p.files {
		if f.filename == fn {
			return p, f, nil
		}
	}
	return p, nil, nil
}

// File returns the genuine bytes of an artifact and its sha256 (hex).
func (ix *Index) File(filename string) (data []byte, sha256hex string, err error) {
	_, f, err := ix.lookup(filename)
	if err != nil {
		return nil, "", err
	}
	if f == nil {
		return nil, "", fmt.Errorf("testindex: no file %s", filename)
	}
	return f.genuine, f.sha256, nil
}

// Filenames returns every artifact file name of project (any spelling), in
// publication order.
func (ix *Index) Filenames(projectName string) []string {
	ix.mu.Lock()
	p := ix.projects[pep503.Normalize(projectName)]
	ix.mu.Unlock()
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, d := range p.dists {
		out = append(out, d.filenames()...)
	}
	return out
}

// Tamper changes the served bytes of filename (one byte flipped in the
// middle) while the pages keep listing the genuine hash and size.
func (ix *Index) Tamper(filename string) error {
	return ix.withFile(filename, func(f *file) {
		bad := bytes.Clone(f.genuine)
		bad[len(bad)/2] ^= 0xff
		f.data = bad
	})
}

// withFile runs change on the file named filename under its project's lock.
func (ix *Index) withFile(filename string, change func(*file)) error {
	p, f, err := ix.lookup(filename)
	if err != nil {
		return err
	}
	if f == nil {
		return fmt.Errorf("testindex: no file %s", filename)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	change(f)
	return nil
}

// SetProvenance replaces the PEP 740 provenance served for filename, while
// the pages keep linking it: provenance signed by another publisher, or for
// another file.
func (ix *Index) SetProvenance(filename string, data []byte) error {
	return ix.withFile(filename, func(f *file) { f.provenance = bytes.Clone(data) })
}

// ListSHA256 makes the pages list sha256hex as the sha256 of filename
// while its bytes stay as built: an index that claims another file's hash
// for its own. Size and metadata file are listed as before.
func (ix *Index) ListSHA256(filename, sha256hex string) error {
	return ix.withFile(filename, func(f *file) { f.listed = sha256hex })
}

// SetMetadataFile replaces the PEP 658 metadata file of a wheel and lists its
// new hash, so the index is self-consistent but the metadata file disagrees
// with the METADATA inside the wheel.
func (ix *Index) SetMetadataFile(filename string, metadata []byte) error {
	p, f, err := ix.lookup(filename)
	if err != nil {
		return err
	}
	if f == nil || !f.wheel {
		return fmt.Errorf("testindex: no wheel %s", filename)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	f.metadata = bytes.Clone(metadata)
	f.metaSHA = sha256Hex(metadata)
	return nil
}

// FailNext makes the next n requests for path (e.g. "/simple/foo/") fail
// with status before any other processing, to test retries.
func (ix *Index) FailNext(path string, n, status int) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for range n {
		ix.failures[path] = append(ix.failures[path], status)
	}
}

// SetLatency changes the delay added to every response.
func (ix *Index) SetLatency(d time.Duration) { ix.latency.Store(int64(d)) }

// Requests returns the number of requests served so far.
func (ix *Index) Requests() int64 { return ix.total.Load() }

// RequestsFor returns the number of requests for one URL path.
func (ix *Index) RequestsFor(path string) int64 {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.counts[path]
}

// Builds returns how many Dists have had their files built. Files are
// built lazily, a project at a time, when first listed or fetched.
func (ix *Index) Builds() int64 { return ix.builds.Load() }

// BytesServed returns the number of artifact and metadata-file body bytes
// written (pages excluded), to check that range reads avoid full downloads.
func (ix *Index) BytesServed() int64 { return ix.bytes.Load() }

// Log returns a copy of the first MaxLog requests since the last ResetCounts.
func (ix *Index) Log() []Request {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return append([]Request(nil), ix.log...)
}

// ResetCounts zeroes every counter and the log.
func (ix *Index) ResetCounts() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.counts = map[string]int64{}
	ix.log = nil
	ix.total.Store(0)
	ix.bytes.Store(0)
}

// Start serves the index on a loopback httptest server and returns the
// simple index URL ("http://127.0.0.1:port/simple/"). Call Close when done.
func (ix *Index) Start() string {
	ix.srv = httptest.NewServer(ix.Handler())
	return ix.srv.URL + "/simple/"
}

// StartTLS is Start over HTTPS with a self-signed certificate; Server().Client()
// trusts it.
func (ix *Index) StartTLS() string {
	ix.srv = httptest.NewTLSServer(ix.Handler())
	return ix.srv.URL + "/simple/"
}

// Server returns the server started by Start or StartTLS (nil before).
func (ix *Index) Server() *httptest.Server { return ix.srv }

// URL returns the server's base URL (scheme://host:port, no path).
func (ix *Index) URL() string {
	if ix.srv == nil {
		return ""
	}
	return ix.srv.URL
}

// Close stops the server started by Start.
func (ix *Index) Close() {
	if ix.srv != nil {
		ix.srv.Close()
	}
}

// projectList returns every project, sorted by normalized name.
func (ix *Index) projectList() []*project {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ps := make([]*project, 0, len(ix.projects))
	for _, p := range ix.projects {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].norm < ps[j].norm })
	return ps
}

func (ix *Index) status(norm string) (ProjectStatus, bool) {
	for name, s := range ix.opts.Status {
		if pep503.Normalize(name) == norm {
			return s, true
		}
	}
	return ProjectStatus{}, false
}
