package pep508_test

import (
	"fmt"

	"github.com/pyward/pyward/internal/pep508"
)

func ExampleParseRequirement() {
	r, err := pep508.ParseRequirement(`Requests [socks, security] >= 2.8.1, == 2.8.* ; python_version < '3.13'`)
	if err != nil {
		panic(err)
	}
	fmt.Println(r.NormalizedName(), r.Extras, r.Specifier.String())
	fmt.Println(r)
	// Output:
	// requests [socks security] ==2.8.*,>=2.8.1
	// Requests[security,socks]==2.8.*,>=2.8.1; python_version < "3.13"
}

func ExampleMarker_EvaluateExtras() {
	m, err := pep508.ParseMarker(`sys_platform == "win32" and extra == "Colour_Output"`)
	if err != nil {
		panic(err)
	}
	env, err := pep508.TargetEnvironment("3.12", pep508.PlatformWindows)
	if err != nil {
		panic(err)
	}
	fmt.Println(m)
	fmt.Println(m.EvaluateExtras(env, nil), m.EvaluateExtras(env, []string{"colour-output"}))
	// Output:
	// sys_platform == "win32" and extra == "colour-output"
	// false true
}

func ExampleParseMarker_error() {
	_, err := pep508.ParseMarker(`python_version >= "3.8" AND os_name == "nt"`)
	fmt.Println(err)
	// Output:
	// pep508: "python_version >= \"3.8\" AND os_name == \"nt\"" column 25: expected end of marker expression
}
