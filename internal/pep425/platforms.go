package pep425

import (
	"slices"
	"strconv"
)

// glibc and manylinux policy constants (PEP 600, packaging's _manylinux).
const (
	// glibcMinMinorLegacy is the oldest glibc 2.x minor with a manylinux
	// policy for x86_64 and i686 (manylinux1 = glibc 2.5).
	glibcMinMinorLegacy = 5
	// glibcMinMinor is the oldest glibc 2.x minor for every other
	// architecture (manylinux2014 = glibc 2.17).
	glibcMinMinor = 17
	// glibcLastMinorGuess is the last minor assumed for an older glibc major
	// when the running glibc has a newer major (packaging's default of 50).
	glibcLastMinorGuess = 50
)

// manylinuxArches are the architectures with a manylinux policy; others get
// no manylinux platforms.
var manylinuxArches = []string{"x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x", "loongarch64", "riscv64"}

// legacyManylinux maps a glibc 2.x minor to its pre-PEP 600 alias.
var legacyManylinux = map[int]string{17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}

// ManylinuxPlatforms returns the manylinux platform tags, most preferred
// first, that a system with the given architecture and glibc version
// accepts. It returns nil for an architecture without a manylinux policy or
// a glibc older than the oldest policy.
func ManylinuxPlatforms(arch string, glibcMajor, glibcMinor int) []string {
	if !slices.Contains(manylinuxArches, arch) || glibcMajor < 2 {
		return nil
	}
	minMinor := glibcMinMinor
	if arch == "x86_64" || arch == "i686" {
		minMinor = glibcMinMinorLegacy
	}
	var out []string
	for major := glibcMajor; major >= 2; major-- {
		top := glibcLastMinorGuess
		if major == glibcMajor {
			top = glibcMinor
		}
		bottom := 0
		if major == 2 {
			bottom = minMinor
		}
		for minor := top; minor >= bottom; minor-- {
			out = append(out, "manylinux_"+strconv.Itoa(major)+"_"+strconv.Itoa(minor)+"_"+arch)
			if major == 2 {
				if legacy, ok := legacyManylinux[minor]; ok {
					out = append(out, legacy+"_"+arch)
				}
			}
		}
	}
	return out
}

// MusllinuxPlatforms returns the musllinux platform tags (PEP 656), most
// preferred first, for a system with the given architecture and musl
// version.
func MusllinuxPlatforms(arch string, major, minor int) []string {
	var out []string
	for m := minor; m >= 0; m-- {
		out = append(out, "musllinux_"+strconv.Itoa(major)+"_"+strconv.Itoa(m)+"_"+arch)
	}
	return out
}

// macOS version landmarks.
const (
	macFirstMajorRelease = 11 // from macOS 11 the major number is bumped yearly
	macLastTenMinor      = 16 // 10.16 is how macOS 11 reports itself to old SDKs
	macOldestTenMinor    = 4  // oldest 10.x release considered for 11+ hosts
)

// macBinaryFormats lists the binary formats a 10.x/11+ release accepts for
// the given CPU architecture (packaging's _mac_binary_formats; "fat3" is
// the real name of the three-architecture format).
func macBinaryFormats(major, minor int, arch string) []string {
	v := [2]int{major, minor}
	formats := []string{arch}
	switch arch {
	case "x86_64":
		if versionLess(v, [2]int{10, 4}) {
			return nil
		}
		formats = append(formats, "intel", "fat64", "fat3")
	case "i386":
		if versionLess(v, [2]int{10, 4}) {
			return nil
		}
		formats = append(formats, "intel", "fat3", "fat")
	case "ppc64":
		if versionLess([2]int{10, 5}, v) || versionLess(v, [2]int{10, 4}) {
			return nil
		}
		formats = append(formats, "fat64")
	case "ppc":
		if versionLess([2]int{10, 6}, v) {
			return nil
		}
		formats = append(formats, "fat3", "fat")
	}
	if arch == "arm64" || arch == "x86_64" {
		formats = append(formats, "universal2")
	}
	switch arch {
	case "x86_64", "i386", "ppc64", "ppc", "intel":
		formats = append(formats, "universal")
	}
	return formats
}

// MacPlatforms returns the macOS platform tags, most preferred first, that a
// macOS major.minor system on arch accepts. See the package comment.
func MacPlatforms(major, minor int, arch string) []string {
	var out []string
	add := func(maj, min int, formats []string) {
		for _, f := range formats {
			out = append(out, "macosx_"+strconv.Itoa(maj)+"_"+strconv.Itoa(min)+"_"+f)
		}
	}
	v := [2]int{major, minor}
	if major == 10 {
		for m := minor; m >= 0; m-- {
			add(10, m, macBinaryFormats(10, m, arch))
		}
	}
	if !versionLess(v, [2]int{macFirstMajorRelease, 0}) {
		for maj := major; maj >= macFirstMajorRelease; maj-- {
			add(maj, 0, macBinaryFormats(maj, 0, arch))
		}
		// x86_64 binaries for older releases still run; arm64 did not exist
		// before 11, but a universal2 binary may name an older release
		// through its x86_64 half.
		for m := macLastTenMinor; m >= macOldestTenMinor; m-- {
			if arch == "x86_64" {
				add(10, m, macBinaryFormats(10, m, arch))
			} else {
				add(10, m, []string{"universal2"})
			}
		}
	}
	return out
}
