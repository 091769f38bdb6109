#!/usr/bin/env bash
# Runs one-sided sections of the engines bench alternately, each pinned to one CPU, and
# prints the fastest time of each and its ratio to the first: on a shared host, load only
# ever slows a run down, so the best of many alternated runs is the truest figure, and
# alternating puts every side through the same spells of load. Also the median over the
# rounds of each section's rate against the first section's in the same round: runs a
# second apart share their spell of load, so that figure moves less than either best.
#
# Usage: benches/pinned.sh [ROUNDS] SECTION... (default 20 rounds), for instance
#   benches/pinned.sh 30 loom-raw loom-interleavings
#   benches/pinned.sh pct-raw pct-interleavings pct-unrecorded
# Needs `taskset` (util-linux). The sections are the bench's one-sided ones (see
# BENCHMARKS.md).
set -euo pipefail

rounds=20
if [[ $# -gt 0 && $1 =~ ^[0-9]+$ ]]; then
    rounds=$1
    shift
fi
if [[ $# -eq 0 ]]; then
    echo "usage: benches/pinned.sh [ROUNDS] SECTION..." >&2
    exit 2
fi
command -v taskset >/dev/null || { echo "benches/pinned.sh: taskset not found" >&2; exit 2; }

cd "$(dirname "$0")/.."
binary=$(cargo bench --bench engines --no-run 2>&1 |
    sed -n 's/.*Executable benches\/engines.rs (\(.*\))$/\1/p' | tail -n 1)
[[ -x $binary ]] || { echo "benches/pinned.sh: could not build the engines bench" >&2; exit 2; }
cpu=$(($(nproc) - 1))

declare -A best paired
for ((round = 1; round <= rounds; round++)); do
    for section in "$@"; do
        # The section prints `NAME: N executions in T s`.
        seconds=$(taskset -c "$cpu" "$binary" "$section" | awk '{print $(NF - 1)}')
        [[ $section == "$1" ]] && round_first=$seconds
        paired[$section]+="$(awk -v a="$round_first" -v b="$seconds" 'BEGIN {print a / b}') "
        if [[ -z ${best[$section]:-} ]] ||
            awk -v a="$seconds" -v b="${best[$section]}" 'BEGIN {exit !(a < b)}'; then
            best[$section]=$seconds
        fi
    done
done

first=${best[$1]}
echo "best of $rounds alternated runs on CPU $cpu:"
for section in "$@"; do
    median=$(tr ' ' '\n' <<<"${paired[$section]}" | grep . | sort -g |
        awk '{r[NR] = $1} END {print (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2}')
    awk -v name="$section" -v t="${best[$section]}" -v base="$first" -v against="$1" \
        -v median="$median" \
        'BEGIN {printf "%-22s %.3f s  rate against %s: %.2f (median of the rounds: %.2f)\n",
            name, t, against, base / t, median}'
done
