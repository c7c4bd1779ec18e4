#!/usr/bin/env bash
# Instructions per path of `attain run SCENARIO --threads 1`, counted by callgrind:
#   scripts/callgrind.sh SCENARIO [PATHS]
# Runs the binary under `valgrind --tool=callgrind` twice, with PATHS and with 5 x PATHS paths
# (default PATHS = 4096), and prints (I(5 x PATHS) - I(PATHS)) / (4 x PATHS): start-up, parsing,
# compilation and the report cost the same in both runs and cancel. Instruction counts repeat
# exactly for the same binary and input, whatever else the machine is doing.
# The binary is target/release/attain (built with `cargo build --release` if missing), or $ATTAIN.
set -euo pipefail
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: scripts/callgrind.sh SCENARIO [PATHS]" >&2; exit 2; }
scenario=$1
paths=${2:-4096}
[[ $paths =~ ^[1-9][0-9]*$ ]] || { echo "PATHS must be a positive whole number, got '$paths'" >&2; exit 2; }
[ -f "$scenario" ] || { echo "no such scenario file: $scenario" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${ATTAIN:-$root/target/release/attain}
if [ ! -x "$bin" ]; then
  echo "building $bin" >&2
  (cd "$root" && cargo build --release --quiet)
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count() { # PATHS -> total instructions of one run
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$1" "$bin" run "$scenario" \
    --paths "$1" --threads 1 --quiet --format json >/dev/null 2>"$tmp/log.$1" \
    || { cat "$tmp/log.$1" >&2; exit 1; }
  sed -n 's/^summary: *//p' "$tmp/cg.$1"
}
large=$((5 * paths))
a=$(count "$paths")
b=$(count "$large")
echo "$scenario: $a instructions at $paths paths, $b at $large paths"
echo "instructions per path: $(( (b - a) / (large - paths) ))"
