#!/usr/bin/env bash
# Build the collection, install it, start the simulator and run examples/demo.yml against it. The demo ends by
# writing the audit report and maintenance calendar of the sample fleet into .build/demo/report/.
#
#   hack/demo.sh VENV_DIR SOURCE_TREE [extra ansible-playbook arguments...]
#
# VENV_DIR     venv with ansible-core + requests (make's .venv)
# SOURCE_TREE  the synced copy .build/collections/ansible_collections/NS/NAME (built from, and
#              the simulator runs from it)
# The simulator is always stopped on exit; the exit code is the playbook's.
set -euo pipefail

venv=$(cd "${1:?usage: demo.sh VENV_DIR SOURCE_TREE [ansible-playbook args]}" && pwd)
tree=$(cd "${2:?usage: demo.sh VENV_DIR SOURCE_TREE [ansible-playbook args]}" && pwd)
shift 2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/.build"
demo="$build/demo"
collections="$build/demo-collections"
port_file="$demo/sim.port"
state_file="$demo/state.json"
sim_log="$demo/simulator.log"
report_dir="$demo/report"
port_timeout=${DEMO_PORT_TIMEOUT:-30}

step() { printf -- '--- demo: %s\n' "$*"; }

mkdir -p "$demo"

step "build the collection tarball"
built=$(cd "$tree" && "$venv/bin/ansible-galaxy" collection build --force --output-path "$build")
echo "$built"
tarball=${built##* at }    # "Created collection for NS.NAME at /path/NS-NAME-VERSION.tar.gz"
[ -f "$tarball" ] || { echo "demo: cannot find the built tarball in: $built" >&2; exit 1; }

step "install $(basename "$tarball") into ${collections#"$root"/}"
ANSIBLE_COLLECTIONS_PATH="$collections" \
    "$venv/bin/ansible-galaxy" collection install --force -p "$collections" "$tarball"

step "start the simulator (fresh state)"
rm -rf "$port_file" "$state_file" "$report_dir"
(cd "$tree" && exec "$venv/bin/python" -m simulator --port 0 --port-file "$port_file" \
    --seed simulator/seed.json --state-file "$state_file") >"$sim_log" 2>&1 &
sim_pid=$!

# shellcheck disable=SC2329  # invoked by the EXIT trap below
stop_simulator() {
    if kill -0 "$sim_pid" 2>/dev/null; then
        kill "$sim_pid" 2>/dev/null || true
        # give it a moment to exit cleanly, then insist
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$sim_pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -9 "$sim_pid" 2>/dev/null || true
    fi
    wait "$sim_pid" 2>/dev/null || true
    step "simulator stopped (log: ${sim_log#"$root"/})"
}
trap stop_simulator EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

deadline=$(( $(date +%s) + port_timeout ))
until [ -s "$port_file" ]; do
    if ! kill -0 "$sim_pid" 2>/dev/null; then
        echo "demo: the simulator exited before writing its port file; its output:" >&2
        cat "$sim_log" >&2
        exit 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "demo: no port file after ${port_timeout}s; simulator output so far:" >&2
        cat "$sim_log" >&2
        exit 1
    fi
    sleep 0.1
done
port=$(tr -dc '0-9' < "$port_file")
step "simulator listening on 127.0.0.1:$port (pid $sim_pid)"

step "ansible-playbook examples/demo.yml --diff $*"
set +e
(
    cd "$root"
    export ANSIBLE_COLLECTIONS_PATH="$collections"
    export CLOUDFLARE_BASE_URL="http://127.0.0.1:$port/client/v4"
    export CLOUDFLARE_API_TOKEN="sim_rw_token_for_local_demo_only_0000000"
    export CLOUDFLARE_ACCOUNT_ID="023e105f4ecef8ad9ca31a8372d0c353"
    export DEMO_REPORT_DIR="$report_dir"
    exec "$venv/bin/ansible-playbook" -i examples/inventory.yml examples/demo.yml --diff "$@"
)
rc=$?
set -e
step "playbook exit code: $rc"
if [ "$rc" -eq 0 ] && [ -f "$report_dir/report.html" ]; then
    step "audit report of the demo fleet: $report_dir/report.html (calendar: $report_dir/calendar.svg)"
fi
exit "$rc"
