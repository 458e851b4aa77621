#!/usr/bin/env bash
# Installs the Debian packages the test suite and the ssh/nginx/haproxy providers need
# (MariaDB and RabbitMQ: throwaway servers for the persistent-database tests).
# Idempotent: installs only what is missing. Needs root (apt-get); without it,
# prints the packages to install and exits 1.
set -euo pipefail

# package:command-that-proves-it-is-installed
required=(
  "openssh-server:/usr/sbin/sshd"
  "openssh-client:/usr/bin/ssh-keygen"
  "nginx:/usr/sbin/nginx"
  "haproxy:/usr/sbin/haproxy"
  "openssl:/usr/bin/openssl"
  "chromium:/usr/bin/chromium"
  "git:/usr/bin/git"
  "procps:/usr/bin/pkill"
  "ansible:/usr/bin/ansible-playbook"
  "mariadb-server:/usr/sbin/mariadbd"
  "mariadb-client:/usr/bin/mariadb-dump"
  "rabbitmq-server:/usr/sbin/rabbitmq-server"
  # A real OpenStack Zed for the OpenStack provider's tests (scripts/openstack-up.sh): nova-compute is left out
  # (it pulls in qemu); python3-nova holds the compute service and its fake driver.
  "keystone:/usr/bin/keystone-manage"
  "placement-api:/usr/bin/placement-api"
  "glance-api:/usr/bin/glance-api"
  "nova-api:/usr/bin/nova-api"
  "nova-conductor:/usr/bin/nova-conductor"
  "nova-scheduler:/usr/bin/nova-scheduler"
  "python3-nova:/usr/lib/python3/dist-packages/nova/virt/fake.py"
  "neutron-server:/usr/bin/neutron-server"
  "python3-pymysql:/usr/lib/python3/dist-packages/pymysql/__init__.py"
  "uwsgi-core:/usr/bin/uwsgi-core"
  "uwsgi-plugin-python3:/usr/lib/uwsgi/plugins/python3_plugin.so"
  "util-linux:/usr/bin/unshare"
  "curl:/usr/bin/curl"
  "pebble:/usr/bin/pebble"
)

missing=()
for entry in "${required[@]}"; do
  package="${entry%%:*}"
  probe="${entry#*:}"
  # -e, not -x: a Python package proves itself by a module file.
  [ -e "$probe" ] || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system dependencies: all present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "system dependencies missing: ${missing[*]}" >&2
  echo "install them as root:  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "installing system dependencies: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The packages may start their services; tests run their own instances on loopback.
service nginx stop >/dev/null 2>&1 || true
service haproxy stop >/dev/null 2>&1 || true
service ssh stop >/dev/null 2>&1 || true
service mariadb stop >/dev/null 2>&1 || true
service rabbitmq-server stop >/dev/null 2>&1 || true
for os_service in keystone placement-api glance-api nova-api nova-conductor nova-scheduler neutron-api neutron-rpc-server neutron-server; do
  service "$os_service" stop >/dev/null 2>&1 || true
done
echo "system dependencies: installed ${missing[*]}"
