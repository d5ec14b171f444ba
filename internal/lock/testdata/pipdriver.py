"""Runs pip commands in one long-lived interpreter, for tests.

Importing pip costs more CPU than resolving a small graph, so the
differential test sends each case here instead of starting a new pip.
Protocol: one JSON array of pip arguments per line on stdin, or an
object {"args": [...], "environment": {...}}; for each, one JSON object
{"code": exit status, "output": pip's stdout and stderr} per line on
stdout.

pip evaluates dependency markers against the running interpreter
(packaging's default_environment), whatever --platform and
--python-version say: those only select wheel tags and the
Requires-Python check. A request's "environment" replaces
default_environment for that command, so pip resolves for another
platform and Python as a machine there would.
"""
import io
import json
import sys

import pip._vendor.packaging.markers as markers
from pip._internal.cli.main import main

default_environment = markers.default_environment

out = sys.stdout
for line in sys.stdin:
    args, env = json.loads(line), None
    if isinstance(args, dict):
        args, env = args["args"], args.get("environment")
    if env:
        markers.default_environment = lambda env=env: dict(env)
    buf = io.StringIO()
    # pip's logging binds sys.stdout and sys.stderr when each command sets
    # it up, so swapping them here captures this command's output only.
    sys.stdout = sys.stderr = buf
    try:
        code = main(args)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException as e:  # report, keep serving the next case
        buf.write("pipdriver: %r\n" % (e,))
        code = 1
    finally:
        sys.stdout, sys.stderr = out, sys.__stderr__
        markers.default_environment = default_environment
    out.write(json.dumps({"code": code or 0, "output": buf.getvalue()}) + "\n")
    out.flush()
