"""Runs pip commands in one long-lived interpreter, for tests.

Importing pip costs more CPU than resolving a small graph, so the
differential test sends each case here instead of starting a new pip.
Protocol: one JSON array of pip arguments per line on stdin; for each,
one JSON object {"code": exit status, "output": pip's stdout and stderr}
per line on stdout.
"""
import io
import json
import sys

from pip._internal.cli.main import main

out = sys.stdout
for line in sys.stdin:
    args = json.loads(line)
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
    out.write(json.dumps({"code": code or 0, "output": buf.getvalue()}) + "\n")
    out.flush()
