#!/bin/bash
# compose's kafka-init: the ACLs of deploy/kafka/acls.txt (the rehearsal applies the same file, KafkaAcls), as the
# admin user. Idempotent (adding an existing ACL is a no-op); exits 0 once every line is applied.
set -euo pipefail
dir=/tmp/beacon-kafka-init
umask 077
mkdir -p "$dir"
cat > "$dir/admin.properties" <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(tr -d '\r\n' < /run/secrets/kafka_admin_password)";
PROPS
grep -v '^\s*#' /opt/beacon/kafka/acls.txt | while read -r user resource pattern name operations; do
  [ -n "$user" ] || continue
  ops=()
  IFS=',' read -ra list <<< "$operations"
  for op in "${list[@]}"; do ops+=(--operation "$op"); done
  /opt/kafka/bin/kafka-acls.sh --bootstrap-server "$BEACON_KAFKA_BOOTSTRAP" --command-config "$dir/admin.properties" \
    --add --allow-principal "User:$user" "${ops[@]}" "--$resource" "$name" --resource-pattern-type "$pattern" >/dev/null
  echo "kafka-init: User:$user $operations on $resource $pattern '$name'"
done
