# pyward PEP 517 hook runner. Run as: python -I -B -u -c <this> MODE BACKEND OUTDIR RESULT BACKEND_PATH_JSON
# MODE "requires": get_requires_for_build_wheel({}) (or []) -> {"requires": [...]}
# MODE "metadata": prepare_metadata_for_build_wheel(OUTDIR, {}) -> {"hook": ..., "dist_info": name}
#                  or, when the backend lacks it, build_wheel(OUTDIR, {}) -> {"hook": ..., "wheel": name}
# The answer goes to the RESULT file: backends print to stdout freely.
import importlib
import json
import os
import sys


def load(spec, backend_path):
    cwd = os.getcwd()
    # PEP 517: the source tree is not on sys.path unless backend-path says so.
    sys.path[:] = [p for p in sys.path if p not in ("", ".", cwd)]
    sys.path[:0] = backend_path
    mod_name, _, obj = spec.partition(":")
    mod = importlib.import_module(mod_name.strip())
    if backend_path:
        where = os.path.realpath(getattr(mod, "__file__", None) or "")
        roots = [os.path.realpath(p) for p in backend_path]
        if not any(where == r or where.startswith(r + os.sep) for r in roots):
            raise SystemExit("pyward: backend %s was loaded from %s, not from backend-path %s" % (spec, where, backend_path))
    for attr in [a.strip() for a in obj.split(".")] if obj.strip() else []:
        mod = getattr(mod, attr)
    return mod


def main():
    mode, spec, outdir, result, backend_path = sys.argv[1:6]
    backend = load(spec, json.loads(backend_path))
    answer = {}
    if mode == "requires":
        hook = getattr(backend, "get_requires_for_build_wheel", None)
        answer["requires"] = [str(r) for r in hook({})] if hook is not None else []
    else:
        hook = getattr(backend, "prepare_metadata_for_build_wheel", None)
        if hook is not None:
            answer["hook"] = "prepare_metadata_for_build_wheel"
            answer["dist_info"] = hook(outdir, {})
        else:
            answer["hook"] = "build_wheel"
            answer["wheel"] = backend.build_wheel(outdir, {})
    with open(result, "w", encoding="utf-8") as f:
        json.dump(answer, f)


main()
