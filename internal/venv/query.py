import json, os, platform, sys, sysconfig

P = "@PYWARD_VENV@"
scheme = "venv" if "venv" in sysconfig.get_scheme_names() else ("nt" if os.name == "nt" else "posix_prefix")
paths = sysconfig.get_paths(scheme, vars={"base": P, "platbase": P})
try:
    libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
except (AttributeError, ValueError, OSError):
    libc = ""
def fullver(info):
    v = "%d.%d.%d" % (info.major, info.minor, info.micro)
    if info.releaselevel != "final":
        v += info.releaselevel[0] + str(info.serial)
    return v
print(json.dumps({
    "executable": sys.executable,
    "base_executable": getattr(sys, "_base_executable", sys.executable),
    "prefix": sys.prefix,
    "base_prefix": sys.base_prefix,
    "version": list(sys.version_info[:3]),
    "implementation": sys.implementation.name,
    "cache_tag": sys.implementation.cache_tag or "",
    "platlibdir": getattr(sys, "platlibdir", "lib"),
    "abiflags": getattr(sys, "abiflags", ""),
    "soabi": sysconfig.get_config_var("SOABI") or "",
    "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX") or "",
    "py_debug": bool(sysconfig.get_config_var("Py_DEBUG")),
    "gil_disabled": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    "is64": sys.maxsize > 2**32,
    "glibc": libc,
    "mac_ver": platform.mac_ver()[0],
    "paths": paths,
    "markers": {
        "implementation_name": sys.implementation.name,
        "implementation_version": fullver(sys.implementation.version),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    },
}))
