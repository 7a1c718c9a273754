#!/usr/bin/env python3
"""Times commands side by side: ROUNDS rounds, each running every command once in turn (so a change in the
machine's load falls on all of them alike), and prints per command the median and best wall time
(time.perf_counter) and user+sys CPU time of the child (getrusage(RUSAGE_CHILDREN), microsecond resolution;
/usr/bin/time rounds both to 10 ms, 5 % of a 0.2 s replay), plus each median's ratio to the first command's, and
the paired ratio: the median over the rounds of the command's time over the first command's in the same round.
The paired ratio is the steadier one on a shared machine whose speed drifts from one second to the next (both
runs of a round see the same conditions; the medians of separate lists do not pair them up).

Usage: interleaved.py ROUNDS NAME=COMMAND [NAME=COMMAND ...]   (COMMAND split on spaces; output discarded)
Prints `NAME_wall_median`, `NAME_wall_best`, `NAME_cpu_median`, `NAME_cpu_best`, `NAME_wall_ratio`,
`NAME_cpu_ratio`, `NAME_wall_paired`, `NAME_cpu_paired` lines (key value), then the rounds themselves as comments.
"""
import resource
import statistics
import subprocess
import sys
import time


def run(argv):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode(errors='replace')[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    commands = []
    for spec in sys.argv[2:]:
        name, _, command = spec.partition("=")
        if not command:
            sys.exit(f"expected NAME=COMMAND, got {spec!r}")
        commands.append((name, command.split()))
    times = {name: [] for name, _ in commands}
    for _ in range(rounds):
        for name, argv in commands:
            times[name].append(run(argv))
    first = commands[0][0]
    ref_wall = statistics.median(w for w, _ in times[first])
    ref_cpu = statistics.median(c for _, c in times[first])
    for name, _ in commands:
        walls = [w for w, _ in times[name]]
        cpus = [c for _, c in times[name]]
        print(f"{name}_wall_median {statistics.median(walls):.4f}")
        print(f"{name}_wall_best {min(walls):.4f}")
        print(f"{name}_cpu_median {statistics.median(cpus):.4f}")
        print(f"{name}_cpu_best {min(cpus):.4f}")
        print(f"{name}_wall_ratio {statistics.median(walls) / ref_wall:.3f}")
        print(f"{name}_cpu_ratio {statistics.median(cpus) / ref_cpu:.3f}")
        pairs = list(zip(times[name], times[first]))
        print(f"{name}_wall_paired {statistics.median(w / rw for (w, _), (rw, _) in pairs):.3f}")
        print(f"{name}_cpu_paired {statistics.median(c / rc for (_, c), (_, rc) in pairs):.3f}")
    for name, _ in commands:
        print(f"# {name} rounds (wall s, cpu s): " + " ".join(f"{w:.3f}/{c:.3f}" for w, c in times[name]))


if __name__ == "__main__":
    main()
