package dist_test

import (
	"fmt"

	"github.com/pyward/pyward/internal/dist"
)

func ExampleParseWheelName() {
	w, err := dist.ParseWheelName("Foo.Bar-1.0.0-2abc-cp312-abi3-win_amd64.whl", true)
	if err != nil {
		panic(err)
	}
	fmt.Println(w.Name, w.Version, *w.Build, w.Tags)
	_, err = dist.ParseWheelName("foo-1.0-py3.py2-none-any.whl", true)
	fmt.Println(err)
	// Output:
	// foo-bar 1.0.0 {2 abc} [cp312-abi3-win_amd64]
	// invalid wheel filename "foo-1.0-py3.py2-none-any.whl": compressed tag set not in sorted order: invalid tag "py3.py2-none-any": interpreter list "py3.py2" is not in sorted order
}
