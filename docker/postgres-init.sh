#!/bin/sh
# Runs once, on an empty data volume, as the image's superuser. Three roles, none a superuser:
#   temporal      Temporal's own two databases (temporal-sql-tool creates them, so CREATEDB);
#   escrow_owner  owns the escrow database and every object the migrations create;
#   escrow_app    what the worker and the api log in as: the migrate job grants it reads of the
#                 ledger, the ledger functions and the app's own tables, and it owns nothing.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v temporal_pw="$TEMPORAL_DB_PASSWORD" -v owner_pw="$ESCROW_OWNER_DB_PASSWORD" -v app_pw="$ESCROW_APP_DB_PASSWORD" <<'SQL'
create role temporal login createdb password :'temporal_pw';
create role escrow_owner login password :'owner_pw';
create role escrow_app login password :'app_pw';
create database escrow owner escrow_owner;
SQL
