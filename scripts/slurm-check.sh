#!/usr/bin/env bash
# Prove the shard contract under a real scheduler: start a one-node Slurm
# cluster on localhost (Debian's slurm-wlm and munge), submit the shards of a
# run as a job array (sbatch --array=0-7, each task using SLURM_ARRAY_TASK_ID),
# merge the parts and compare with a single run of the same seed and paths.
#
# Usage: scripts/slurm-check.sh [PATH_TO_ATTAIN]   (needs root; installs packages if missing)
# Exit code 0 when the merged report's targets and joint are byte-identical to
# the single run's, except each target's assumption_share, which must agree to
# within 1e-12 (docs/DISTRIBUTED.md, "The assumption split").
set -euo pipefail

ATTAIN=$(realpath "${1:-target/release/attain}")
SCENARIO=$(realpath "$(dirname "$0")/../scenarios/jilin-2022.toml")
SHARDS=8
PATHS=40000
SEED=7
WORK=$(mktemp -d /tmp/attain-slurm.XXXXXX)
chmod 755 "$WORK"

log() { echo "slurm-check: $*"; }

cleanup() {
  pkill -x slurmd 2>/dev/null || true
  pkill -x slurmctld 2>/dev/null || true
  pkill -x munged 2>/dev/null || true
}
trap cleanup EXIT

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  log "installing slurm-wlm and munge"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

# munge: a fresh key, the daemon as the munge user.
mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
chmod 700 /etc/munge && chmod 400 /etc/munge/munge.key
runuser -u munge -- /usr/sbin/munged --force
munge -n | unmunge >/dev/null

# A minimal cluster: one node (this machine), one partition, no cgroups.
HOST=$(hostname -s)
CPUS=$(nproc)
mkdir -p /etc/slurm "$WORK/state" "$WORK/spool"
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=attain
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

rm -f /etc/slurm/cgroup.conf   # autodetect; the jobs use no cgroup features
slurmctld -c
slurmd
for _ in $(seq 60); do
  if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed)'; then break; fi
  sleep 1
done
sinfo
log "cluster up"

# The job: each array task runs one shard; nothing but SLURM_ARRAY_TASK_ID and a shared folder.
cat > "$WORK/shards.sbatch" <<JOB
#!/bin/bash
#SBATCH --job-name=attain-shards
#SBATCH --array=0-$((SHARDS - 1))
#SBATCH --cpus-per-task=1
#SBATCH --output=$WORK/task-%a.log
exec "$ATTAIN" run "$SCENARIO" --paths $PATHS --seed $SEED --threads 1 \
  --shard "\${SLURM_ARRAY_TASK_ID}/$SHARDS" --out "$WORK/part-\${SLURM_ARRAY_TASK_ID}.json"
JOB
log "submitting sbatch --array=0-$((SHARDS - 1))"
sbatch --wait "$WORK/shards.sbatch"
ls -l "$WORK"/part-*.json

"$ATTAIN" merge "$WORK"/part-*.json --format json --out "$WORK/merged.json"
"$ATTAIN" run "$SCENARIO" --paths $PATHS --seed $SEED --format json --out "$WORK/single.json"
python3 - "$WORK/merged.json" "$WORK/single.json" <<'PY'
import json, sys
merged, single = (json.load(open(p)) for p in sys.argv[1:3])
# The parts carry the central-value pass, so the merge reports the assumption
# split; assumption_share is a ratio of variances whose sums are added shard by
# shard, so it agrees to within 1e-12 (docs/DISTRIBUTED.md, "The assumption
# split"); every other number must agree bit for bit.
def shares(report):
    return [t.pop("assumption_share", None) for t in report["targets"]]
merged_shares, single_shares = shares(merged), shares(single)
close = len(merged_shares) == len(single_shares) and all(
    (m is None) == (s is None) and (m is None or abs(m - s) <= 1e-12)
    for m, s in zip(merged_shares, single_shares))
same = close and all(json.dumps(merged[k]) == json.dumps(single[k]) for k in ("targets", "joint"))
split = sum(s is not None for s in single_shares)
print(f"slurm-check: {len(merged['targets'])} targets ({split} with the assumption split), merged == single run: {same}")
sys.exit(0 if same else 1)
PY
