#!/usr/bin/env bash
# Stops an OpenStack started by scripts/openstack-up.sh <dir>: one SIGKILL to its namespace wrapper ends every
# process in the namespace (its PID 1 dies with it), then removes <dir>.
set -euo pipefail
dir=${1:?usage: openstack-down.sh <dir>}
if [ -f "$dir/up.pid" ]; then
  pid=$(cat "$dir/up.pid")
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
fi
# MariaDB may still be flushing files as the kernel reaps it: retry the removal briefly.
for _ in $(seq 1 20); do rm -rf "$dir" 2>/dev/null && break; sleep 0.2; done
