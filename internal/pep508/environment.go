package pep508

import (
	"fmt"
	"regexp"
	"sync"
)

// Platforms accepted by TargetEnvironment.
const (
	PlatformLinux        = "linux"         // x86_64, glibc
	PlatformLinuxAarch64 = "linux-aarch64" // aarch64, glibc
	PlatformMacOS        = "macos"         // Apple silicon (arm64)
	PlatformMacOSX8664   = "macos-x86_64"  // Intel Mac
	PlatformWindows      = "windows"       // AMD64
)

// platformValues are the platform-dependent marker variables, as CPython
// reports them on a current release of each system (Debian 12 kernel, macOS
// 14 Sonoma = Darwin 23, Windows 11 23H2). Markers in the wild test
// sys_platform, platform_system, platform_machine and os_name; the release
// and version strings are realistic but rarely matter.
var platformValues = map[string]Environment{
	PlatformLinux: {
		"os_name":          "posix",
		"sys_platform":     "linux",
		"platform_system":  "Linux",
		"platform_machine": "x86_64",
		"platform_release": "6.1.0-18-amd64",
		"platform_version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)",
	},
	PlatformLinuxAarch64: {
		"os_name":          "posix",
		"sys_platform":     "linux",
		"platform_system":  "Linux",
		"platform_machine": "aarch64",
		"platform_release": "6.1.0-18-arm64",
		"platform_version": "#1 SMP Debian 6.1.76-1 (2024-02-01)",
	},
	PlatformMacOS: {
		"os_name":          "posix",
		"sys_platform":     "darwin",
		"platform_system":  "Darwin",
		"platform_machine": "arm64",
		"platform_release": "23.4.0",
		"platform_version": "Darwin Kernel Version 23.4.0: Fri Mar 15 00:10:42 PDT 2024; root:xnu-10063.101.17~1/RELEASE_ARM64_T6000",
	},
	PlatformMacOSX8664: {
		"os_name":          "posix",
		"sys_platform":     "darwin",
		"platform_system":  "Darwin",
		"platform_machine": "x86_64",
		"platform_release": "23.4.0",
		"platform_version": "Darwin Kernel Version 23.4.0: Fri Mar 15 00:10:42 PDT 2024; root:xnu-10063.101.17~1/RELEASE_X86_64",
	},
	PlatformWindows: {
		"os_name":          "nt",
		"sys_platform":     "win32",
		"platform_system":  "Windows",
		"platform_machine": "AMD64",
		"platform_release": "10",
		"platform_version": "10.0.22631",
	},
}

// pythonVersionRE accepts "X.Y" or "X.Y.Z", optionally with a CPython
// pre-release suffix ("3.14.0rc1"), the forms platform.python_version()
// reports.
var pythonVersionRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([0-9]{1,4})\.([0-9]{1,4})(?:\.([0-9]{1,4})((?:a|b|rc)[0-9]{1,4})?)?$`)
})

// TargetEnvironment returns the full marker environment of CPython
// pythonVersion ("3.12" or "3.12.4"; "X.Y" means X.Y.0) on platform (one of
// the Platform constants), for resolving for a machine other than the host.
// `extra` is not set; evaluation supplies it.
func TargetEnvironment(pythonVersion, platform string) (Environment, error) {
	m := pythonVersionRE().FindStringSubmatch(pythonVersion)
	if m == nil {
		return nil, fmt.Errorf("pep508: python version %q: expected X.Y or X.Y.Z (e.g. 3.12 or 3.12.4)", pythonVersion)
	}
	plat, ok := platformValues[platform]
	if !ok {
		return nil, fmt.Errorf("pep508: unknown platform %q: expected one of %s, %s, %s, %s, %s",
			platform, PlatformLinux, PlatformLinuxAarch64, PlatformMacOS, PlatformMacOSX8664, PlatformWindows)
	}
	micro := m[3]
	if micro == "" {
		micro = "0"
	}
	full := m[1] + "." + m[2] + "." + micro + m[4]
	env := Environment{
		"implementation_name":            "cpython",
		"implementation_version":         full,
		"platform_python_implementation": "CPython",
		"python_version":                 m[1] + "." + m[2],
		"python_full_version":            full,
	}
	for k, v := range plat {
		env[k] = v
	}
	return env, nil
}
