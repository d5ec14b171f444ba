package pep425

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Defaults for the named targets: the newest widely deployed systems, so a
// lock made for a target picks wheels that run there.
const (
	defaultGlibcMajor = 2
	defaultGlibcMinor = 36 // Debian 12
	defaultMuslMajor  = 1
	defaultMuslMinor  = 2
	defaultMacMajor   = 14
	defaultMacMinor   = 0
)

// ErrUnknownTarget is wrapped by Target for a name it does not know.
var ErrUnknownTarget = errors.New("unknown target platform")

// target builds the platform list of a named target.
type target struct {
	name      string
	platforms func() []string
}

var targets = []target{
	{"manylinux_x86_64", func() []string { return linuxPlatforms("x86_64") }},
	{"manylinux_aarch64", func() []string { return linuxPlatforms("aarch64") }},
	{"musllinux_x86_64", func() []string { return muslPlatforms("x86_64") }},
	{"musllinux_aarch64", func() []string { return muslPlatforms("aarch64") }},
	{"macos_arm64", func() []string { return MacPlatforms(defaultMacMajor, defaultMacMinor, "arm64") }},
	// An x86_64 Mac on macOS 14 runs every x86_64 wheel down to 10.4.
	{"macos_x86_64", func() []string { return MacPlatforms(defaultMacMajor, defaultMacMinor, "x86_64") }},
	{"win_amd64", func() []string { return []string{"win_amd64"} }},
	{"win32", func() []string { return []string{"win32"} }},
	{"win_arm64", func() []string { return []string{"win_arm64"} }},
}

// targetAliases are the short names the CLI accepts.
var targetAliases = map[string]string{
	"linux":   "manylinux_x86_64",
	"macos":   "macos_arm64",
	"windows": "win_amd64",
}

// linuxPlatforms is what packaging reports on a glibc Linux host:
// linux_<arch> first, then the manylinux tags.
func linuxPlatforms(arch string) []string {
	return append([]string{"linux_" + arch}, ManylinuxPlatforms(arch, defaultGlibcMajor, defaultGlibcMinor)...)
}

func muslPlatforms(arch string) []string {
	return append([]string{"linux_" + arch}, MusllinuxPlatforms(arch, defaultMuslMajor, defaultMuslMinor)...)
}

// Targets returns the names Target accepts (aliases excluded), sorted.
func Targets() []string {
	names := make([]string, 0, len(targets))
	for _, t := range targets {
		names = append(names, t.name)
	}
	slices.Sort(names)
	return names
}

// Target returns a CPython interpreter (ABI cpXY) of the given version on
// a named platform: manylinux_x86_64 and manylinux_aarch64 (glibc 2.36),
// musllinux_x86_64 and musllinux_aarch64 (musl 1.2), macos_arm64 and
// macos_x86_64 (macOS 14.0), win_amd64, win32, win_arm64, or one of the
// aliases linux (manylinux_x86_64), macos (macos_arm64) and windows
// (win_amd64). Names are case-insensitive.
func Target(name string, python [2]int) (Interpreter, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	if alias, ok := targetAliases[key]; ok {
		key = alias
	}
	if python[0] < 2 || python[1] < 0 {
		return Interpreter{}, fmt.Errorf("target %q: unsupported Python version %d.%d", name, python[0], python[1])
	}
	for _, t := range targets {
		if t.name == key {
			return Interpreter{
				Implementation: CPython,
				Version:        python,
				ABIs:           []string{CPython + nodot(python[0], python[1])},
				Platforms:      t.platforms(),
			}, nil
		}
	}
	return Interpreter{}, fmt.Errorf("%w %q: want one of %s, or linux, macos, windows",
		ErrUnknownTarget, name, strings.Join(Targets(), ", "))
}
