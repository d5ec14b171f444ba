package report

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// compileSchema compiles the schema at main (a file in testdata) together
// with the other testdata schemas it references, each registered under its
// $id so that no reference is fetched from the network.
func compileSchema(t testing.TB, main string, files ...string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	var mainID string
	for _, name := range append([]string{main}, files...) {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		obj, _ := doc.(map[string]any)
		id, _ := obj["$id"].(string)
		if id == "" {
			id, _ = obj["id"].(string) // draft-04
		}
		if id == "" {
			t.Fatalf("%s has no $id", name)
		}
		if err := c.AddResource(id, doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if name == main {
			mainID = id
		}
	}
	sch, err := c.Compile(mainID)
	if err != nil {
		t.Fatalf("compile %s: %v", main, err)
	}
	return sch
}

// validate checks a JSON document against sch.
func validate(sch *jsonschema.Schema, doc []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}
