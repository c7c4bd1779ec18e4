#!/usr/bin/env bash
set -u
# Records the outputs that a behaviour-preserving change must leave byte-identical
# (only the elapsed_s lines of the *.full.json files may differ), e.g.
#   scripts/golden.sh OLD_BINARY /tmp/a; scripts/golden.sh NEW_BINARY /tmp/b; diff -r /tmp/a /tmp/b
[ $# -eq 2 ] || { echo "usage: scripts/golden.sh BINARY OUTDIR" >&2; exit 2; }
B=$(realpath "$1"); mkdir -p "$2"; O=$(realpath "$2"); cd "$(dirname "$0")/.."
strip() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps({k:d[k] for k in ("targets","joint")}, sort_keys=True))'; }
for s in jilin-2022 jilin-2022-after-q1; do
  $B run scenarios/$s.toml --format json --quiet > $O/run-$s.full.json
  strip < $O/run-$s.full.json > $O/run-$s.json
  $B run scenarios/$s.toml --format json --paths 20000 --seed 7 --threads 1 --quiet | strip > $O/run-$s-t1.json
  $B run scenarios/$s.toml --format csv --quiet > $O/run-$s.csv
done
$B run --format json --quiet --precision 0.01 | strip > $O/precision.json
$B run scenarios/jilin-2022.toml --format json --paths 50000 --quiet | strip > $O/run-50k.json
d=$(mktemp -d)
for k in 0 1 2; do $B run scenarios/jilin-2022.toml --paths 50000 --shard $k/3 --out $d/p$k.json --quiet; done
$B merge $d/p*.json --format json 2>/dev/null | strip > $O/merge.json || $B merge $d/p*.json > $O/merge.txt
$B sweep scenarios/sweeps/jilin-lockdown.toml --format csv --quiet --paths 8192 > $O/sweep-lockdown.csv
$B sweep scenarios/jilin-2022.toml --set sectors.automobile.growth=0:20:5 --set events.chip_squeeze.probability=0,0.2 --format json --paths 4096 --quiet | python3 -c 'import json,sys; d=json.load(sys.stdin); d.pop("elapsed_s",None); [d.pop(k,None) for k in list(d) if "elapsed" in k or k in ("threads","prepare_s")]; print(json.dumps(d,sort_keys=True))' > $O/sweep-grid.json
$B solve scenarios/jilin-2022.toml --vary sectors.automobile.growth=0:40 --target faw_sales --probability 0.5 --format json --paths 8192 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); [d.pop(k,None) for k in ("elapsed_s","threads")]; print(json.dumps(d,sort_keys=True))' > $O/solve.json
$B sensitivity scenarios/jilin-2022.toml --target gdp_growth --paths 4000 --format csv > $O/sens.csv 2>/dev/null
$B sensitivity scenarios/jilin-2022.toml --paths 2048 --format json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); [d.pop(k,None) for k in list(d) if "elapsed" in k or k=="threads"]; print(json.dumps(d,sort_keys=True))' > $O/sens-all.json
$B explain scenarios/jilin-2022.toml > $O/explain.txt
$B explain scenarios/jilin-2022-after-q1.toml > $O/explain-q1.txt
$B params scenarios/jilin-2022.toml > $O/params.txt
$B validate scenarios/jilin-2022.toml > $O/validate.txt 2>&1
$B backtest tests/fixtures/two-sector.toml --outcomes tests/fixtures/two-sector-outcomes.csv --paths 20000 --format json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); [d.pop(k,None) for k in list(d) if "elapsed" in k or k=="threads"]; print(json.dumps(d,sort_keys=True))' > $O/backtest.json
ls /work/main/tests/fixtures/*.csv >/dev/null
$B run scenarios/jilin-2022.toml --paths 8192 --charts $O/charts --quiet > /dev/null 2>&1
