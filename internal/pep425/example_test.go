package pep425_test

import (
	"fmt"

	"github.com/pyward/pyward/internal/pep425"
)

func ExampleParseTag() {
	tags, err := pep425.ParseTag("py2.py3-none-any")
	fmt.Println(tags, err)
	// Output: [py2-none-any py3-none-any] <nil>
}

func ExampleRanker() {
	in, err := pep425.Target("linux", [2]int{3, 12})
	if err != nil {
		panic(err)
	}
	r := pep425.NewRanker(in.Tags())
	for _, wheel := range []string{
		"cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64",
		"py3-none-any",
		"cp312-cp312-win_amd64",
	} {
		tags, _ := pep425.ParseTag(wheel)
		rank, ok := r.Rank(tags)
		fmt.Println(wheel, rank, ok)
	}
	// Output:
	// cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64 20 true
	// py3-none-any 974 true
	// cp312-cp312-win_amd64 -1 false
}
