#!/bin/sh
# Entrypoint of compose's QuestDB: its PG wire and HTTP passwords from the secret BEACON_QUESTDB_PASSWORD_FILE (QuestDB
# reads only QDB_* variables or server.conf), then the image's own entrypoint with the image's command.
set -eu
[ -s "${BEACON_QUESTDB_PASSWORD_FILE:?}" ] || { echo "questdb-entrypoint: $BEACON_QUESTDB_PASSWORD_FILE: no such file or empty" >&2; exit 2; }
QDB_PG_PASSWORD=$(tr -d '\r\n' < "$BEACON_QUESTDB_PASSWORD_FILE")
QDB_HTTP_PASSWORD=$QDB_PG_PASSWORD
export QDB_PG_PASSWORD QDB_HTTP_PASSWORD
exec /docker-entrypoint.sh "$@"
