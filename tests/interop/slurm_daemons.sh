# SPDX-License-Identifier: BSD-3-Clause
# Start and stop a private single-node SLURM (munged, slurmctld, slurmd) on localhost, for the
# live job-script test (written for Debian 12's Slurm 22.05). Sourced; needs root.
# slurm_start DIR writes DIR/slurm.conf (no systemd, no cgroups, two free ports, its own munge
# key and socket), starts the daemons, exports SLURM_CONF and waits until the node is idle;
# slurm_stop stops them by their recorded PIDs (safe to call twice, and from a trap).

# free_port: a TCP port nobody listens on now (the kernel picks it)
free_port() {
  "${PYTHON:-python3}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# alive PID: the process exists and is not a zombie (exited daemons can linger as zombies)
alive() {
  [ -r "/proc/$1/stat" ] || return 1
  state=$(sed -e 's/^.*) //' -e 's/ .*//' "/proc/$1/stat" 2>/dev/null)
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# wait_pidfile FILE SECONDS: the PID written in FILE, once it appears
wait_pidfile() {
  i=0
  while [ "$i" -lt $(($2 * 10)) ]; do
    if [ -s "$1" ]; then cat "$1"; return 0; fi
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}

slurm_pids=""

slurm_start() {
  sdir=$1
  mkdir -p "$sdir/munge" "$sdir/state" "$sdir/spool" "$sdir/log" || return 1
  # munged runs as the munge user: it must reach its directory (DIR's parents must be searchable)
  chmod 755 "$sdir" || return 1
  chown munge:munge "$sdir/munge" && chmod 755 "$sdir/munge" || return 1
  # a key of our own, so that the test needs nothing from /etc/munge
  runuser -u munge -- mungekey --create --keyfile="$sdir/munge/munge.key" || return 1
  runuser -u munge -- munged --socket="$sdir/munge/munge.socket" \
    --key-file="$sdir/munge/munge.key" --pid-file="$sdir/munge/munged.pid" \
    --log-file="$sdir/munge/munged.log" --seed-file="$sdir/munge/munged.seed" || return 1
  pid=$(wait_pidfile "$sdir/munge/munged.pid" 10) || { echo "munged wrote no pid file" >&2; return 1; }
  slurm_pids="$pid"
  ctld_port=$(free_port) && slurmd_port=$(free_port) || return 1
  while [ "$slurmd_port" = "$ctld_port" ]; do slurmd_port=$(free_port) || return 1; done
  # the node's CPUs are the processors online, not nproc's count, which obeys OMP_NUM_THREADS
  # (under OMP_NUM_THREADS=1 it says 1, and every job of 2 tasks would be refused)
  cpus=$(getconf _NPROCESSORS_ONLN) || return 1
  cat > "$sdir/slurm.conf" <<CONF
ClusterName=rlatest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sdir/munge/munge.socket
StateSaveLocation=$sdir/state
SlurmdSpoolDir=$sdir/spool
SlurmctldPidFile=$sdir/slurmctld.pid
SlurmdPidFile=$sdir/slurmd.pid
SlurmctldLogFile=$sdir/log/slurmctld.log
SlurmdLogFile=$sdir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$sdir/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
ReturnToService=2
EnforcePartLimits=ALL
MinJobAge=600
KillWait=5
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
  SLURM_CONF=$sdir/slurm.conf
  export SLURM_CONF
  slurmctld -c -f "$SLURM_CONF" || return 1
  pid=$(wait_pidfile "$sdir/slurmctld.pid" 20) || { echo "slurmctld wrote no pid file" >&2; return 1; }
  slurm_pids="$slurm_pids $pid"
  slurmd -f "$SLURM_CONF" -N localhost || return 1
  pid=$(wait_pidfile "$sdir/slurmd.pid" 20) || { echo "slurmd wrote no pid file" >&2; return 1; }
  slurm_pids="$slurm_pids $pid"
  i=0
  while [ "$i" -lt 300 ]; do
    state=$(sinfo -h -n localhost -o %t 2>/dev/null)
    case "$state" in idle*) return 0 ;; esac
    sleep 0.1
    i=$((i + 1))
  done
  echo "the node did not become idle (state: ${state:-none})" >&2
  return 1
}

# slurm_stop: TERM every daemon we started (slurmd, slurmctld, then munged), KILL after 10 s
slurm_stop() {
  [ -n "$slurm_pids" ] || return 0
  rev=""
  for pid in $slurm_pids; do rev="$pid $rev"; done
  for pid in $rev; do alive "$pid" && kill -TERM "$pid" 2>/dev/null; done
  i=0
  while [ "$i" -lt 100 ]; do
    left=""
    for pid in $rev; do alive "$pid" && left="$left $pid"; done
    [ -z "$left" ] && break
    sleep 0.1
    i=$((i + 1))
  done
  for pid in $left; do kill -KILL "$pid" 2>/dev/null; done
  slurm_pids=""
}
