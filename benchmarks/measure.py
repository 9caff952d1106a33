"""Run one command and report its wall time, CPU time and peak RSS as JSON on stdout.

usage: python benchmarks/measure.py -- COMMAND...

Why a process of its own: getrusage(RUSAGE_CHILDREN) reports the largest resident set
of any waited-for descendant, so this wrapper must wait for exactly one command.
"""
import json
import resource
import subprocess
import sys
import time


def main() -> None:
    command = sys.argv[sys.argv.index("--") + 1:]
    started = time.perf_counter()
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"returncode": proc.returncode, "wall_s": wall, "user_s": usage.ru_utime,
                      "sys_s": usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024.0,  # Linux: KiB
                      "stdout_tail": proc.stdout[-2000:], "stderr_tail": proc.stderr[-2000:]}))


if __name__ == "__main__":
    main()
