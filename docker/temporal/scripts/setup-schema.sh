#!/bin/sh
# Temporal's schema in PostgreSQL (run by the admin-tools image before the server starts).
# Fails loudly: `set -eu`, each step retried a few times, and the result checked at the end
# (as Temporal's samples-server compose scripts do, plus retries).
set -eu

: "${SQL_HOST:?}" "${SQL_PORT:?}" "${SQL_USER:?}" "${SQL_PASSWORD:?}"
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12

retry() {
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge 5 ]; then
      echo "failed after $attempt attempts: $*" >&2
      return 1
    fi
    echo "retrying in 5 s ($attempt/5): $*" >&2
    attempt=$((attempt + 1))
    sleep 5
  done
}

echo "waiting for PostgreSQL at $SQL_HOST:$SQL_PORT"
retry nc -z -w 10 "$SQL_HOST" "$SQL_PORT"

sql() { temporal-sql-tool --plugin postgres12 --ep "$SQL_HOST" -p "$SQL_PORT" -u "$SQL_USER" "$@"; }

for db in temporal temporal_visibility; do
  case "$db" in
    temporal) versioned="$SCHEMA_DIR/temporal/versioned" ;;
    *) versioned="$SCHEMA_DIR/visibility/versioned" ;;
  esac
  # `create` fails when the database exists (a restart): that is the one failure we accept, and
  # only after checking that the database really is there.
  if ! sql --db "$db" create; then
    echo "database $db could not be created; it may exist already (a restart): the steps below check it"
  fi
  # setup-schema -v 0.0 is a no-op on a database that has the schema table; update-schema brings it up to date.
  retry sql --db "$db" setup-schema -v 0.0
  retry sql --db "$db" update-schema -d "$versioned"
  # The check: with the schema current, a second update is a no-op that still needs the
  # database, its schema_version table and every versioned step applied.
  sql --db "$db" update-schema -d "$versioned"
done
echo "Temporal schema ready"
