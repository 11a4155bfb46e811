#!/bin/sh
# Two throw-away PostgreSQL clusters for tests/test_replica_streaming.py: a primary and a hot standby
# streaming from it (pg_basebackup -R), made with Debian's pg_createcluster and started with
# pg_ctlcluster. Run as root; running it again only starts what is stopped. Prints the two URLs the
# test reads. `scripts/pg-replica-clusters.sh drop` removes both clusters.
set -eu
VERSION=${PG_VERSION:-$(ls /usr/lib/postgresql | sort -n | tail -1)}
PRIMARY_PORT=${PRIMARY_PORT:-5434}
REPLICA_PORT=${REPLICA_PORT:-5433}
PRIMARY=cmsprimary
REPLICA=cmsreplica

exists() { pg_lsclusters -h | awk '{print $1 "/" $2}' | grep -qx "$VERSION/$1"; }
start() { pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$1" start 2>/dev/null || true; }

if [ "${1:-}" = drop ]; then
  for c in "$REPLICA" "$PRIMARY"; do
    exists "$c" && pg_dropcluster --stop "$VERSION" "$c"
  done
  exit 0
fi

if ! exists "$PRIMARY"; then
  pg_createcluster "$VERSION" "$PRIMARY" -p "$PRIMARY_PORT" -- --auth=trust >/dev/null
  conf=/etc/postgresql/$VERSION/$PRIMARY
  echo "host replication all 127.0.0.1/32 trust" >>"$conf/pg_hba.conf"
  cat >>"$conf/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 4
shared_buffers = 32MB
CONF
fi
start "$PRIMARY"

if ! exists "$REPLICA"; then
  pg_createcluster "$VERSION" "$REPLICA" -p "$REPLICA_PORT" -- --auth=trust >/dev/null
  data=/var/lib/postgresql/$VERSION/$REPLICA
  rm -rf "${data:?}"/*
  # -R writes standby.signal and primary_conninfo: the copy starts as a streaming hot standby.
  su postgres -c "pg_basebackup -h 127.0.0.1 -p $PRIMARY_PORT -U postgres -D $data -R -X stream"
  cat >>"/etc/postgresql/$VERSION/$REPLICA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
shared_buffers = 32MB
hot_standby = on
CONF
fi
start "$REPLICA"

echo "CMS_TEST_REPLICA_PRIMARY_URL=postgresql://postgres@127.0.0.1:$PRIMARY_PORT/postgres"
echo "CMS_TEST_REPLICA_URL=postgresql://postgres@127.0.0.1:$REPLICA_PORT/postgres"
