#!/bin/bash
# Entrypoint of compose's Cassandra nodes: the authenticator and authorizer of BEACON_CASSANDRA_AUTHENTICATOR and
# BEACON_CASSANDRA_AUTHORIZER set in the image's cassandra.yaml (the image has no variable for them), then the
# image's own entrypoint. The rehearsal writes the same two settings (CassandraServer.withAuth).
set -euo pipefail
yaml=${CASSANDRA_CONF:-/etc/cassandra}/cassandra.yaml
set_key() { # replaces "key: value" or a "key:" block with its nested "class_name:" line
  local key=$1 value=$2
  sed -i -E "/^$key:/{n;/^\s+class_name\s*:/d}" "$yaml"
  sed -i -E "s/^$key:.*/$key: $value/" "$yaml"
}
set_key authenticator "${BEACON_CASSANDRA_AUTHENTICATOR:?}"
set_key authorizer "${BEACON_CASSANDRA_AUTHORIZER:?}"
exec docker-entrypoint.sh "$@"
