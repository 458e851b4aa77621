#!/usr/bin/env bash
# A throwaway OpenStack Zed (Keystone, Nova with the fake virt driver, Neutron, Glance, Placement; MariaDB and
# RabbitMQ underneath) from Debian's packages, for the OpenStack tier of the tests and the benchmark.
#
#   scripts/openstack-up.sh <dir> [port_base]
#
# Runs in the foreground inside a private PID and mount namespace (it re-executes itself under `unshare`), so
# killing this process tears every service down (scripts/openstack-down.sh <dir> does that through the pid file).
# Configs, databases, logs and keys live in <dir>; /etc/<service> are bind-mounted from <dir> inside the namespace
# only. Ports: port_base (default 32400; keep the block below the ephemeral range, 32768) + 0 keystone, 1 nova, 2 placement, 3 glance, 4 neutron, 5 rabbitmq,
# 6 rabbitmq distribution, 7 epmd. When everything answers it writes <dir>/env.json (endpoints, a project user with
# its password, an application credential, the network, image and flavor names) and <dir>/ready.
# Packages: scripts/install-system-deps.sh --openstack.
set -euo pipefail

dir=${1:?usage: openstack-up.sh <dir> [port_base]}
base=${2:-32400}
dir=$(realpath -m "$dir")

if [ "${SBX_OS_INNER:-}" != 1 ]; then
  mkdir -p "$dir"
  echo $$ >"$dir/up.pid"
  # --kill-child: when this wrapper dies, PID 1 of the namespace dies, and the kernel kills everything in it.
  SBX_OS_INNER=1 exec unshare --pid --mount --fork --kill-child --mount-proc bash "$0" "$dir" "$base"
fi

py=/usr/bin/python3 # python3 on PATH may be pyenv's
host=sbx-os-compute
pw=sbx-os-secret
p_keystone=$base p_nova=$((base + 1)) p_placement=$((base + 2)) p_glance=$((base + 3)) p_neutron=$((base + 4))
p_rabbit=$((base + 5)) p_dist=$((base + 6)) p_epmd=$((base + 7))
log=$dir/log
# MariaDB and RabbitMQ run as their own users: they must reach their directories below <dir>.
chmod 755 "$dir"
mkdir -p "$log" "$dir/state" "$dir/etc" "$dir/images"
started=$(date +%s)
step() { echo "[openstack-up +$(($(date +%s) - started))s] $*"; }
fail() {
  echo "[openstack-up] FAILED: $*" >&2
  tail -n 30 "$log"/*.log >&2 || true
  exit 1
}
trap 'fail "line $LINENO: $BASH_COMMAND"' ERR
wait_http() { # url name timeout_s
  for _ in $(seq 1 $(($3 * 4))); do
    if curl -s -o /dev/null --max-time 2 "$1"; then return 0; fi
    sleep 0.25
  done
  fail "$2 did not answer at $1 within $3 s"
}

# --- MariaDB (unix socket only) ---
step "mariadb"
db=$dir/mysql
mkdir -p "$db"
chown mysql: "$db"
mariadb-install-db --no-defaults --user=mysql --datadir="$db/data" --skip-test-db >"$log/mariadb-install.log" 2>&1
mariadbd --no-defaults --user=mysql --datadir="$db/data" --socket="$db/sock" --skip-networking \
  --innodb-flush-log-at-trx-commit=0 --innodb-buffer-pool-size=128M --max-connections=500 \
  --log-error="$db/error.log" &
for _ in $(seq 1 100); do mariadb-admin --socket="$db/sock" ping >/dev/null 2>&1 && break || sleep 0.1; done
mariadb-admin --socket="$db/sock" ping >/dev/null 2>&1 || fail "mariadb did not start"
sql="CREATE USER os@localhost IDENTIFIED BY '$pw';"
for name in keystone placement glance neutron nova_api nova nova_cell0; do
  sql+="CREATE DATABASE $name; GRANT ALL ON $name.* TO os@localhost;"
done
mariadb --socket="$db/sock" -e "$sql"
dburl() { echo "mysql+pymysql://os:$pw@localhost/$1?unix_socket=$db/sock"; }

# --- RabbitMQ (own node, ports and epmd: nothing shared with other nodes on this machine) ---
step "rabbitmq"
rmq=$dir/rabbitmq
mkdir -p "$rmq"
chown rabbitmq: "$rmq"
printf 'listeners.tcp.default = 127.0.0.1:%s\nlog.console = false\n' "$p_rabbit" >"$rmq/rabbitmq.conf"
echo '[].' >"$rmq/enabled_plugins"
export ERL_EPMD_PORT=$p_epmd ERL_EPMD_ADDRESS=127.0.0.1
RABBITMQ_NODENAME=sbxos@localhost RABBITMQ_CONFIG_FILE=$rmq/rabbitmq.conf RABBITMQ_MNESIA_BASE=$rmq/mnesia \
  RABBITMQ_LOG_BASE=$rmq/log RABBITMQ_ENABLED_PLUGINS_FILE=$rmq/enabled_plugins RABBITMQ_DIST_PORT=$p_dist \
  RABBITMQ_PID_FILE=$rmq/pid rabbitmq-server >"$log/rabbitmq.log" 2>&1 &
transport="rabbit://guest:guest@127.0.0.1:$p_rabbit/"

# --- configuration: /etc/<service> from the packages, our files on top, bind-mounted in this namespace only ---
auth() { # section body for a service user
  cat <<EOF
auth_type = password
auth_url = http://127.0.0.1:$p_keystone/v3
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $pw
region_name = RegionOne
EOF
}
authtoken() { # the [keystone_authtoken] section of a service that checks tokens as its own service user
  printf '[keystone_authtoken]\nwww_authenticate_uri = http://127.0.0.1:%s/v3\n' "$p_keystone"
  auth "$1"
}
for svc in keystone placement glance neutron nova; do
  rm -rf "$dir/etc/$svc"
  cp -a "/etc/$svc" "$dir/etc/$svc"
  mount --bind "$dir/etc/$svc" "/etc/$svc"
  mkdir -p "$dir/state/$svc/lock"
done

cat >/etc/keystone/keystone.conf <<EOF
[DEFAULT]
use_stderr = true
[database]
connection = $(dburl keystone)
[token]
provider = fernet
[fernet_tokens]
key_repository = $dir/state/keystone/fernet-keys
[fernet_receipts]
key_repository = $dir/state/keystone/fernet-keys
[credential]
key_repository = $dir/state/keystone/credential-keys
EOF

cat >/etc/placement/placement.conf <<EOF
[DEFAULT]
use_stderr = true
[placement_database]
connection = $(dburl placement)
[api]
auth_strategy = keystone
$(authtoken placement)
EOF

cat >/etc/glance/glance-api.conf <<EOF
[DEFAULT]
use_stderr = true
bind_host = 127.0.0.1
bind_port = $p_glance
workers = 1
enabled_backends = file:file
[database]
connection = $(dburl glance)
[paste_deploy]
flavor = keystone
[glance_store]
default_backend = file
[file]
filesystem_store_datadir = $dir/images
[os_glance_tasks_store]
filesystem_store_datadir = $dir/state/glance/tasks
[os_glance_staging_store]
filesystem_store_datadir = $dir/state/glance/staging
[oslo_concurrency]
lock_path = $dir/state/glance/lock
$(authtoken glance)
EOF

cat >/etc/neutron/neutron.conf <<EOF
[DEFAULT]
use_stderr = true
bind_host = 127.0.0.1
bind_port = $p_neutron
core_plugin = ml2
service_plugins =
api_workers = 1
rpc_workers = 1
rpc_state_report_workers = 1
auth_strategy = keystone
state_path = $dir/state/neutron
transport_url = $transport
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
[database]
connection = $(dburl neutron)
[oslo_concurrency]
lock_path = $dir/state/neutron/lock
$(authtoken neutron)
[agent]
report_interval = 30
EOF
cat >/etc/neutron/plugins/ml2/ml2_conf.ini <<EOF
[ml2]
type_drivers = flat
tenant_network_types =
mechanism_drivers = openvswitch
extension_drivers = port_security
[ml2_type_flat]
flat_networks = physnet1
[securitygroup]
firewall_driver = noop
EOF

cat >/etc/nova/nova.conf <<EOF
[DEFAULT]
use_stderr = true
host = $host
compute_driver = fake.FakeDriver
enabled_apis = osapi_compute
osapi_compute_listen = 127.0.0.1
osapi_compute_listen_port = $p_nova
osapi_compute_workers = 1
state_path = $dir/state/nova
instances_path = $dir/state/nova/instances
transport_url = $transport
vif_plugging_is_fatal = false
vif_plugging_timeout = 0
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 2
[api]
auth_strategy = keystone
[api_database]
connection = $(dburl nova_api)
[database]
connection = $(dburl nova)
[oslo_concurrency]
lock_path = $dir/state/nova/lock
$(authtoken nova)
[placement]
$(auth placement)
[neutron]
$(auth neutron)
[glance]
endpoint_override = http://127.0.0.1:$p_glance
[vnc]
enabled = false
[oslo_messaging_notifications]
driver = noop
[cinder]
os_region_name = RegionOne
EOF

# --- Keystone ---
step "keystone db_sync + keys"
keystone-manage db_sync >"$log/keystone-manage.log" 2>&1 || fail "keystone db_sync"
keystone-manage fernet_setup --keystone-user root --keystone-group root >>"$log/keystone-manage.log" 2>&1
keystone-manage credential_setup --keystone-user root --keystone-group root >>"$log/keystone-manage.log" 2>&1
# The other services' schemas meanwhile (they do not need Keystone).
step "placement, glance, neutron and nova schemas (in parallel)"
placement-manage db sync >"$log/placement-manage.log" 2>&1 &
p1=$!
glance-manage db_sync >"$log/glance-manage.log" 2>&1 &
p2=$!
neutron-db-manage --config-file /etc/neutron/neutron.conf --config-file /etc/neutron/plugins/ml2/ml2_conf.ini \
  upgrade heads >"$log/neutron-manage.log" 2>&1 &
p3=$!
(nova-manage api_db sync && nova-manage cell_v2 map_cell0 --database_connection "$(dburl nova_cell0)" &&
  nova-manage cell_v2 create_cell --name=cell1 && nova-manage db sync) >"$log/nova-manage.log" 2>&1 &
p4=$!
keystone-manage bootstrap --bootstrap-password "$pw" --bootstrap-admin-url "http://127.0.0.1:$p_keystone/v3/" \
  --bootstrap-internal-url "http://127.0.0.1:$p_keystone/v3/" --bootstrap-public-url "http://127.0.0.1:$p_keystone/v3/" \
  --bootstrap-region-id RegionOne >>"$log/keystone-manage.log" 2>&1 || fail "keystone bootstrap"
uwsgi() { # port wsgi-file name
  /usr/bin/uwsgi --plugin python3 --http-socket "127.0.0.1:$1" --wsgi-file "$2" --master --processes 1 --threads 4 \
    --add-header Connection:close --die-on-term >"$log/$3.log" 2>&1 &
}
uwsgi "$p_keystone" /usr/bin/keystone-wsgi-public keystone
wait_http "http://127.0.0.1:$p_keystone/v3" keystone 60

step "service users, projects and catalog"
SBX_OS_DIR=$dir SBX_OS_PW=$pw SBX_OS_BASE=$base "$py" - >"$log/catalog.log" 2>&1 <<'PYEOF' || fail "catalog"
import json, os, urllib.request
base = int(os.environ["SBX_OS_BASE"]); pw = os.environ["SBX_OS_PW"]
ks = f"http://127.0.0.1:{base}/v3"
def call(method, url, body=None, token=None):
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token: req.add_header("X-Auth-Token", token)
    # A Keystone that stops answering fails this step (and the log tails say why) instead of hanging it.
    with urllib.request.urlopen(req, timeout=60) as res:
        return res.headers.get("X-Subject-Token"), (json.loads(res.read() or b"null"))
tok, _ = call("POST", ks + "/auth/tokens", {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "domain": {"id": "default"}, "password": pw}}}, "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
def post(path, key, body): return call("POST", ks + path, {key: body}, tok)[1][key]
roles = {r["name"]: r["id"] for r in call("GET", ks + "/roles", token=tok)[1]["roles"]}
member = roles.get("member") or post("/roles", "role", {"name": "member"})["id"]
service = post("/projects", "project", {"name": "service", "domain_id": "default"})["id"]
for name in ["placement", "glance", "neutron", "nova"]:
    uid = post("/users", "user", {"name": name, "password": pw, "domain_id": "default"})["id"]
    call("PUT", f"{ks}/projects/{service}/users/{uid}/roles/{roles['admin']}", token=tok)
for stype, name, port, path in [("compute", "nova", base + 1, "/v2.1"), ("placement", "placement", base + 2, ""), ("image", "glance", base + 3, ""), ("network", "neutron", base + 4, "")]:
    sid = post("/services", "service", {"type": stype, "name": name})["id"]
    for iface in ["public", "internal", "admin"]:
        post("/endpoints", "endpoint", {"service_id": sid, "interface": iface, "region_id": "RegionOne", "url": f"http://127.0.0.1:{port}{path}"})
demo = post("/projects", "project", {"name": "sandboxes", "domain_id": "default"})["id"]
uid = post("/users", "user", {"name": "sandbox-bot", "password": pw, "domain_id": "default", "default_project_id": demo})["id"]
call("PUT", f"{ks}/projects/{demo}/users/{uid}/roles/{member}", token=tok)
# An application credential of that user (made with the user's own project token, as a person would).
utok, _ = call("POST", ks + "/auth/tokens", {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "sandbox-bot", "domain": {"id": "default"}, "password": pw}}}, "scope": {"project": {"id": demo}}}})
cred = call("POST", f"{ks}/users/{uid}/application_credentials", {"application_credential": {"name": "sandbox-bot"}}, utok)[1]["application_credential"]
json.dump({"project_id": demo, "user_id": uid, "app_id": cred["id"], "app_secret": cred["secret"], "admin_token": tok}, open(os.environ["SBX_OS_DIR"] + "/ids.json", "w"))
PYEOF

step "waiting for the schemas"
wait "$p1" || fail "placement db sync"
wait "$p2" || fail "glance db sync"
wait "$p3" || fail "neutron db upgrade"
wait "$p4" || fail "nova db sync"

step "services"
rabbitmqctl --node sbxos@localhost await_startup >"$log/rabbitmq-wait.log" 2>&1 || fail "rabbitmq did not start"
uwsgi "$p_placement" /usr/bin/placement-api placement
glance-api --config-file /etc/glance/glance-api.conf >"$log/glance.log" 2>&1 &
neutron-server --config-file /etc/neutron/neutron.conf --config-file /etc/neutron/plugins/ml2/ml2_conf.ini \
  >"$log/neutron.log" 2>&1 &
nova-api --config-file /etc/nova/nova.conf >"$log/nova-api.log" 2>&1 &
nova-conductor --config-file /etc/nova/nova.conf >"$log/nova-conductor.log" 2>&1 &
nova-scheduler --config-file /etc/nova/nova.conf >"$log/nova-scheduler.log" 2>&1 &
# Without the nova-compute package (it pulls in qemu): the same service from python3-nova.
"$py" -c "import sys; sys.argv=['nova-compute','--config-file','/etc/nova/nova.conf']; from nova.cmd.compute import main; main()" \
  >"$log/nova-compute.log" 2>&1 &
# No L2 agent runs, so ML2 could not bind ports (PortBindingFailed): report an Open vSwitch agent for the compute
# host with a bridge for physnet1, as a real agent would.
SBX_OS_HOST=$host "$py" - --config-file /etc/neutron/neutron.conf >"$log/fake-ovs-agent.log" 2>&1 <<'PYEOF' &
import os, sys, time
from neutron.common import config as common_config
from neutron.conf.agent import common as agent_config
from neutron.agent import rpc as agent_rpc
from neutron_lib import context
import oslo_messaging
from oslo_config import cfg
oslo_messaging.set_transport_defaults(control_exchange="neutron")
common_config.register_common_config_options()
agent_config.register_agent_state_opts_helper(cfg.CONF)
common_config.init(sys.argv[1:])
from neutron_lib import rpc as n_rpc
n_rpc.init(cfg.CONF)
api = agent_rpc.PluginReportStateAPI("q-reports-plugin")
state = {"binary": "neutron-openvswitch-agent", "host": os.environ["SBX_OS_HOST"], "topic": "N/A",
         "agent_type": "Open vSwitch agent", "start_flag": True,
         "configurations": {"bridge_mappings": {"physnet1": "br-ex"}, "tunnel_types": [], "datapath_type": "system",
                            "ovs_hybrid_plug": False, "integration_bridge": "br-int"}}
while True:
    try:
        api.report_state(context.get_admin_context_without_session(), state, use_call=True)
        state.pop("start_flag", None)
        print("reported", flush=True)
    except Exception as error:
        print("report failed:", error, flush=True)
        time.sleep(1)
        continue
    time.sleep(20)
PYEOF
wait_http "http://127.0.0.1:$p_placement/" placement 90
wait_http "http://127.0.0.1:$p_glance/" glance 90
wait_http "http://127.0.0.1:$p_neutron/" neutron 120
wait_http "http://127.0.0.1:$p_nova/" nova 120

step "compute host registered and mapped"
for i in $(seq 1 120); do
  if nova-manage cell_v2 discover_hosts --strict >>"$log/discover.log" 2>&1 || grep -q "$host" <(nova-manage cell_v2 list_hosts 2>/dev/null); then
    break
  fi
  [ "$i" = 120 ] && fail "compute host did not register"
  sleep 1
done
for i in $(seq 1 120); do
  grep -q '^reported' "$log/fake-ovs-agent.log" 2>/dev/null && break
  [ "$i" = 120 ] && fail "the fake Open vSwitch agent could not report"
  sleep 0.5
done

step "fixtures: flavors, network, image"
SBX_OS_DIR=$dir SBX_OS_PW=$pw SBX_OS_BASE=$base "$py" - >"$log/fixtures.log" 2>&1 <<'PYEOF' || fail "fixtures"
import json, os, time, urllib.request, urllib.error
base = int(os.environ["SBX_OS_BASE"]); pw = os.environ["SBX_OS_PW"]; d = os.environ["SBX_OS_DIR"]
ids = json.load(open(d + "/ids.json"))
tok = ids["admin_token"]
def call(method, url, body=None, raw=None, ctype="application/json", headers={}):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url, method=method, data=data)
    req.add_header("Content-Type", ctype); req.add_header("X-Auth-Token", tok)
    for k, v in headers.items(): req.add_header(k, v)
    with urllib.request.urlopen(req) as res:
        text = res.read()
        return json.loads(text) if text else None
nova, glance, neutron = f"http://127.0.0.1:{base+1}/v2.1", f"http://127.0.0.1:{base+3}", f"http://127.0.0.1:{base+4}"
for name, ram, vcpus in [("sbx.small", 512, 1), ("sbx.large", 2048, 2)]:
    call("POST", nova + "/flavors", {"flavor": {"name": name, "ram": ram, "vcpus": vcpus, "disk": 1}})
net = call("POST", neutron + "/v2.0/networks", {"network": {"name": "sandbox-net", "shared": True, "provider:network_type": "flat", "provider:physical_network": "physnet1"}})["network"]
call("POST", neutron + "/v2.0/subnets", {"subnet": {"network_id": net["id"], "ip_version": 4, "cidr": "10.20.0.0/24", "name": "sandbox-subnet"}})
img = call("POST", glance + "/v2/images", {"name": "debian-sbx", "disk_format": "raw", "container_format": "bare", "visibility": "public"})
call("PUT", f"{glance}/v2/images/{img['id']}/file", raw=b"\0" * 1024, ctype="application/octet-stream")
for _ in range(60):
    if call("GET", f"{glance}/v2/images/{img['id']}")["status"] == "active": break
    time.sleep(0.5)
env = {"auth_url": f"http://127.0.0.1:{base}/v3", "region": "RegionOne", "user": "sandbox-bot", "password": pw,
       "project": "sandboxes", "user_domain": "Default", "project_domain": "Default",
       "application_credential_id": ids["app_id"], "application_credential_secret": ids["app_secret"],
       "project_id": ids["project_id"], "network": "sandbox-net", "network_id": net["id"], "image": "debian-sbx",
       "flavors": ["sbx.small", "sbx.large"], "admin_token": tok}
json.dump(env, open(d + "/env.json", "w"), indent=1)
PYEOF
touch "$dir/ready"
step "ready"
# PID 1 of the namespace: stay, reaping orphans, until killed.
while true; do
  sleep 3600 &
  wait $! || true
done
