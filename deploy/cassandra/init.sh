#!/bin/bash
# compose's cassandra-init: auth-setup.cql as the default superuser (only while it still exists), then
# auth-roles.cql as beacon_admin; ${name} in the files is the content of the secret /run/secrets/<name>. The rehearsal
# applies the same files (CassandraAuth).
set -euo pipefail
host=${BEACON_CASSANDRA_HOST:?}
render() { # the file with every ${secret} replaced; into a owner-only temp file
  local out; out=$(mktemp); chmod 600 "$out"
  cp "$1" "$out"
  for s in /run/secrets/*; do
    sed -i "s|\${$(basename "$s")}|$(tr -d '\r\n' < "$s")|g" "$out"
  done
  echo "$out"
}
admin=$(tr -d '\r\n' < /run/secrets/cassandra_admin_password)
if ! cqlsh "$host" -u beacon_admin -p "$admin" -e 'SELECT now() FROM system.local' >/dev/null 2>&1; then
  f=$(render /opt/beacon/cassandra/auth-setup.cql)
  cqlsh "$host" -u cassandra -p cassandra -f "$f"
  rm -f "$f"
fi
f=$(render /opt/beacon/cassandra/auth-roles.cql)
cqlsh "$host" -u beacon_admin -p "$admin" -f "$f"
rm -f "$f"
echo "cassandra-init: roles applied"
