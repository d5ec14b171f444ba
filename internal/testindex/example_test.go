package testindex_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"

	"github.com/pyward/pyward/internal/testindex"
)

// An index with two releases of one project, the newer one yanked; the
// project page is fetched as PEP 691 JSON.
func Example() {
	ix, err := testindex.New([]testindex.Dist{
		{Name: "demo", Version: "1.0", Requires: []string{"six>=1.16"}},
		{Name: "demo", Version: "1.1", Yanked: true, YankedReason: "broken"},
		{Name: "six", Version: "1.16.0"},
	}, testindex.Options{})
	if err != nil {
		log.Fatal(err)
	}
	indexURL := ix.Start() // http://127.0.0.1:port/simple/
	defer ix.Close()

	req, _ := http.NewRequest("GET", indexURL+"demo/", nil)
	req.Header.Set("Accept", testindex.MediaJSON)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.Header.Get("Content-Type"))
	fmt.Println(strings.Contains(string(body), `"yanked":"broken"`))
	fmt.Println(ix.Filenames("demo"))
	// Output:
	// application/vnd.pypi.simple.v1+json
	// true
	// [demo-1.0-py3-none-any.whl demo-1.1-py3-none-any.whl]
}
