#!/bin/bash
# Entrypoint of compose's Kafka brokers (apache/kafka image): SASL and ACLs as the rehearsal runs them
# (io.beacon.devstack.KafkaServer, docs/rehearsal.md "Authentication").
#  1. server.properties from every KAFKA_* variable (KAFKA_LOG_DIRS -> log.dirs; not KAFKA_HEAP_OPTS/KAFKA_OPTS),
#     plus the JAAS lines holding the brokers' and controllers' passwords, read from the secrets (owner-only file);
#  2. the first start formats the log dir with every SCRAM user of BEACON_KAFKA_SCRAM_USERS (user=secret name);
#  3. runs Kafka. Passwords never go on a command line of the broker or into the environment.
set -euo pipefail
secret() { tr -d '\r\n' < "/run/secrets/$1"; }
: "${CLUSTER_ID:?}" "${BEACON_KAFKA_SCRAM_USERS:?}" "${BEACON_KAFKA_CONTROLLER_PASSWORD_FILE:?}"
dir=/tmp/beacon-kafka
umask 077
mkdir -p "$dir"
props=$dir/server.properties
: > "$props"
while IFS='=' read -r name value; do
  case "$name" in
    KAFKA_HEAP_OPTS|KAFKA_OPTS|KAFKA_JVM_PERFORMANCE_OPTS|KAFKA_LOG4J_OPTS) continue ;;
    KAFKA_*) key=$(echo "${name#KAFKA_}" | tr 'A-Z' 'a-z' | tr '_' '.'); echo "$key=$value" >> "$props" ;;
  esac
done < <(env)
grep -q '^log.dirs=' "$props" || echo "log.dirs=/var/lib/kafka/data" >> "$props"
broker=$(secret kafka_broker_password)
controller=$(tr -d '\r\n' < "$BEACON_KAFKA_CONTROLLER_PASSWORD_FILE")
cat >> "$props" <<PROPS
listener.name.broker.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="$broker";
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password="$controller" user_controller="$controller";
PROPS
# The admin's client settings, for the health check and operators (kafka-*.sh --command-config).
cat > "$dir/admin.properties" <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(secret kafka_admin_password)";
PROPS
logdir=$(sed -n 's/^log.dirs=//p' "$props" | cut -d, -f1)
if [ ! -f "$logdir/meta.properties" ]; then
  args=()
  IFS=',' read -ra users <<< "$BEACON_KAFKA_SCRAM_USERS"
  for pair in "${users[@]}"; do
    args+=(--add-scram "SCRAM-SHA-512=[name=${pair%%=*},password=$(secret "${pair#*=}")]")
  done
  /opt/kafka/bin/kafka-storage.sh format -t "$CLUSTER_ID" -c "$props" --ignore-formatted "${args[@]}" >/dev/null
fi
exec /opt/kafka/bin/kafka-server-start.sh "$props"
