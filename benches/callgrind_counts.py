#!/usr/bin/env python3
"""Counts from a callgrind profile that cachegrind's totals do not give.

Usage:
    valgrind --tool=callgrind --dump-instr=yes --callgrind-out-file=OUT BINARY SECTION
    benches/callgrind_counts.py BINARY OUT [EXECUTIONS]

Prints, for the profiled run:
  - locked instructions executed (`lock`-prefixed ones and `xchg` with memory, found with
    `objdump -d` in BINARY), in all and by function: each costs tens of cycles that an
    instruction count does not show;
  - the hot code: 64-byte lines of code executed at least EXECUTIONS times (default
    5,000, about once per execution of the bench's `tickets(3,2)` loom sections), by object
    and by function. When that exceeds the CPU's first-level instruction cache (`lscpu`),
    every execution fetches part of its code again.
"""

import collections
import re
import signal
import subprocess
import sys

NAMED = re.compile(r"c?(ob|fn)=\((\d+)\) (.*)")
POSITION_START = "0123456789+-*"


def locked_addresses(binary):
    listing = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", binary],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    locked = set()
    for line in listing.splitlines():
        match = re.match(r"\s+([0-9a-f]+):\s+(.*)", line)
        if not match:
            continue
        instruction = match.group(2)
        if instruction.startswith("lock ") or (
            instruction.startswith("xchg") and "(" in instruction
        ):
            locked.add(int(match.group(1), 16))
    return locked


def cost_lines(profile):
    """Yields (object, function, address, count) for each instruction's own cost line."""
    names = {"ob": {}, "fn": {}}
    current = {"ob": "", "fn": ""}
    address = 0
    after_call = False
    with open(profile) as lines:
        for line in lines:
            named = NAMED.match(line.strip())
            if named:
                names[named.group(1)][named.group(2)] = named.group(3)
            for kind in ("ob", "fn"):
                if line.startswith(kind + "="):
                    key = re.match(kind + r"=\((\d+)\)", line).group(1)
                    current[kind] = names[kind][key]
            if line.startswith("calls="):
                # The next cost line is the call's inclusive cost, not an instruction's.
                after_call = True
                continue
            if not line or line[0] not in POSITION_START:
                continue
            fields = line.split()
            position = fields[0]
            if position.startswith("0x"):
                address = int(position, 16)
            elif position[0] in "+-":
                address += int(position)
            count = int(fields[2]) if len(fields) > 2 else 0
            if after_call:
                after_call = False
                continue
            yield current["ob"], current["fn"], address, count


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    binary, profile = sys.argv[1], sys.argv[2]
    threshold = int(sys.argv[3]) if len(sys.argv) > 3 else 5_000
    locked = locked_addresses(binary)
    binary_name = binary.rsplit("/", 1)[-1]
    locked_total = 0
    locked_by_function = collections.Counter()
    hot_lines = set()
    hot_by_object = collections.Counter()
    hot_by_function = collections.defaultdict(set)
    for obj, function, address, count in cost_lines(profile):
        if obj.endswith(binary_name) and address in locked:
            locked_total += count
            locked_by_function[function] += count
        if count >= threshold:
            line = (obj, address // 64)
            if line not in hot_lines:
                hot_lines.add(line)
                hot_by_object[obj.rsplit("/", 1)[-1]] += 1
                hot_by_function[function].add(line)
    print(f"locked instructions executed: {locked_total:,}")
    for function, count in locked_by_function.most_common(20):
        print(f"  {count:>10,}  {function[:120]}")
    print(f"hot code (lines executed at least {threshold:,} times): "
          f"{len(hot_lines) * 64 / 1024:.1f} KiB")
    for obj, lines_in in hot_by_object.most_common(6):
        print(f"  {lines_in * 64 / 1024:>7.1f} KiB  {obj}")
    ranked = sorted(hot_by_function.items(), key=lambda item: -len(item[1]))
    for function, lines_in in ranked[:25]:
        print(f"  {len(lines_in) * 64:>7,} B    {function[:120]}")


if __name__ == "__main__":
    # Quietly stop when the reader stops reading (`| head`).
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()
