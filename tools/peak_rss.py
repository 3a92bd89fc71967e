"""Run a command as the child of this small process and write its peak resident memory to a file.

    python tools/peak_rss.py OUT_FILE [--as-limit BYTES] -- COMMAND [ARGS...]

Exits with COMMAND's exit code (128 + N if signal N ended it). OUT_FILE gets the child's peak RSS
in bytes: ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` after the child ended — taken here,
in a process that imports nothing big, because Linux starts a forked child's peak at its
parent's resident size: measured straight from a test runner or a benchmark that holds 1 GB, every
child would seem to use at least that much. ``--as-limit`` sets the child's address-space limit
(RLIMIT_AS), so running out of memory shows as a MemoryError in the child, not as a killed machine.
Used by tests/survey/test_safe_input.py and bench/bench_import_memory.py.
"""
import resource
import subprocess
import sys


def main(argv: list[str]) -> int:
    out, rest = argv[0], argv[1:]
    limit = None
    if rest[:1] == ["--as-limit"]:
        limit, rest = int(rest[1]), rest[2:]
    if rest[:1] != ["--"] or len(rest) < 2:
        print(__doc__, file=sys.stderr)
        return 2

    def set_limit() -> None:
        if limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    code = subprocess.call(rest[1:], preexec_fn=set_limit)
    with open(out, "w") as f:
        f.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024))
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
