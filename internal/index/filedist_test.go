package index

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/dist"
	"github.com/pyward/pyward/internal/pep503"
	"github.com/pyward/pyward/internal/tomlbudget/budgettest"
)

// projectByKind is what fileProject answered before it was written in
// terms of dist.ParseFilename: the check by extension, case-folded for
// wheels. fileDist must agree with it on every name.
func projectByKind(filename string) string {
	if strings.HasSuffix(strings.ToLower(filename), ".whl") {
		if w, err := dist.ParseWheelName(filename, false); err == nil {
			return w.Name
		}
		return ""
	}
	if s, err := dist.ParseSdistName(filename); err == nil {
		return pep503.Normalize(s.Name)
	}
	return ""
}

// checkFileDist asserts that fileDist names the project projectByKind
// does and keeps exactly dist.ParseFilename's parse.
func checkFileDist(t *testing.T, filename string) {
	t.Helper()
	start := time.Now()
	df, project := fileDist(filename)
	budgettest.Check(t, len(filename), start)
	if want := projectByKind(filename); project != want {
		t.Errorf("fileDist(%q) project = %q, want %q", filename, project, want)
	}
	want, err := dist.ParseFilename(filename)
	if err != nil {
		want = dist.File{}
	}
	if !reflect.DeepEqual(df, want) {
		t.Errorf("fileDist(%q) = %+v, dist.ParseFilename gives %+v", filename, df, want)
	}
}

var fileDistNames = []string{
	"six-1.16.0-py2.py3-none-any.whl", "Six-1.16.0-py2.py3-none-any.WHL", "six-1.16.0-py2.py3-none-any.Whl",
	"six-1.16.0.tar.gz", "Six_Foo-1.0.zip", "six-1.16.0.tar.bz2", "six-1.16.0.egg", "six-1.16.0-1-py3-none-any.whl",
	"six-1.0-py3-none-any.whl.tar.gz", "six.whl", "six-x.y-py3-none-any.whl", "-1.0.tar.gz", "six-1.0.TAR.GZ",
	"pkg_0057-1.0.0-py3-none-any.whl", "numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "",
}

func TestFileDist(t *testing.T) {
	for _, name := range fileDistNames {
		checkFileDist(t, name)
	}
}

func FuzzFileDist(f *testing.F) {
	for _, name := range fileDistNames {
		f.Add(name)
	}
	f.Fuzz(checkFileDist)
}

// TestProjectDist checks that Project.Dist gives dist.ParseFilename's
// parse of each file, kept or not, and after a merge of two sources.
func TestProjectDist(t *testing.T) {
	files := []File{{Filename: "a-1.0-py3-none-any.whl"}, {Filename: "a-1.0.tar.gz"}, {Filename: "a-2.0.zip"}}
	kept := &Project{Name: "a", Files: files}
	for _, f := range files {
		df, _ := fileDist(f.Filename)
		kept.dists = append(kept.dists, df)
	}
	partial := &Project{Name: "a", Files: files, dists: kept.dists[:1]}
	none := &Project{Name: "a", Files: files}
	for _, p := range []*Project{kept, partial, none} {
		for i, f := range p.Files {
			got, err := p.Dist(i)
			want, werr := dist.ParseFilename(f.Filename)
			if (err == nil) != (werr == nil) || !reflect.DeepEqual(got, want) {
				t.Errorf("Dist(%d) of %s = %+v, %v; want %+v, %v", i, f.Filename, got, err, want, werr)
			}
		}
	}
}
