#!/bin/bash
# Entrypoint of compose's Spark services (master, worker, job): spark.authenticate with the cluster's shared secret.
# Writes the secret (SPARK_AUTHENTICATE_SECRET_FILE, a Docker secret) into a spark-defaults.conf readable by this
# user only, in SPARK_CONF_DIR, then runs the service's command. The secret never appears on a command line or in
# the environment. The job's driver also reads it itself (--spark-auth-secret-file, BEACON_SPARK_SPARK_AUTH_SECRET_FILE).
set -euo pipefail
: "${SPARK_CONF_DIR:?SPARK_CONF_DIR is not set}"
: "${SPARK_AUTHENTICATE_SECRET_FILE:?SPARK_AUTHENTICATE_SECRET_FILE is not set}"
[ -s "$SPARK_AUTHENTICATE_SECRET_FILE" ] || { echo "spark-entrypoint: $SPARK_AUTHENTICATE_SECRET_FILE: no such file or empty" >&2; exit 2; }
umask 077
mkdir -p "$SPARK_CONF_DIR"
{
  echo "spark.authenticate true"
  printf 'spark.authenticate.secret %s\n' "$(tr -d '\r\n' < "$SPARK_AUTHENTICATE_SECRET_FILE")"
  # The REST submission server does not authenticate: only the (authenticated) RPC submission port.
  echo "spark.master.rest.enabled false"
} > "$SPARK_CONF_DIR/spark-defaults.conf"
exec "$@"
