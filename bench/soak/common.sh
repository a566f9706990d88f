# Shared by the kill soaks: a scratch PostgreSQL, an optional S3Proxy, killing the launcher's JVM.
# Expects S (the soak directory) and PORT to be set by the caller.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PERMAFROST="$root/permafrost"
S3_PORT="${S3_PORT:-9099}"

log() { echo "$(date -u +%T) $*" | tee -a "$S/soak.log"; }

# The launcher builds on first use: build now, so that no kill lands in the middle of a build.
"$PERMAFROST" --version > /dev/null || { echo "the permafrost launcher does not start" >&2; exit 2; }

pg_bin() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  if command -v pg_ctl > /dev/null; then dirname "$(command -v pg_ctl)"; return; fi
  local found
  found=$(ls -d /tmp/embedded-pg/PG-*/bin 2> /dev/null | head -1)
  if [ -z "$found" ]; then
    echo "no PostgreSQL server programs: set PG_BIN, or run the test suite once (it unpacks them under /tmp/embedded-pg)" >&2
    exit 2
  fi
  echo "$found"
}

# Runs a PostgreSQL server program; as root, as nobody (initdb and postgres refuse root).
as_pg_user() {
  if [ "$(id -u)" = 0 ]; then su -s /bin/sh nobody -c "$*"; else sh -c "$*"; fi
}

sql() { psql -X -q -v ON_ERROR_STOP=1 -h /tmp -p "$PORT" -U postgres -d postgres "$@"; }

start_postgres() {
  B=$(pg_bin) || exit 2
  command -v psql > /dev/null || { echo "psql not found on PATH" >&2; exit 2; }
  pkill -f "postgres -D $S/pg" 2> /dev/null
  pkill -f "$S/s3proxy.conf" 2> /dev/null
  sleep 1
  rm -rf "$S"
  mkdir -p "$S"
  [ "$(id -u)" = 0 ] && chown nobody "$S"
  as_pg_user "$B/initdb -D $S/pg -U postgres -A trust > /dev/null && $B/pg_ctl -D $S/pg -o '-p $PORT -c wal_level=logical -c max_wal_senders=10 -k /tmp' -l $S/pg/log start > /dev/null" || exit 1
}

start_s3proxy() {
  local jar
  jar=$(ls "$root"/target/s3proxy/s3proxy-*-jar-with-dependencies.jar ~/.m2/repository/org/gaul/s3proxy/*/s3proxy-*-jar-with-dependencies.jar 2> /dev/null | head -1)
  [ -n "$jar" ] || { echo "no S3Proxy jar: run 'mvn verify' once (it fetches org.gaul:s3proxy)" >&2; exit 2; }
  mkdir -p "$S/blobs/archive"
  cat > "$S/s3proxy.conf" <<CONF
s3proxy.endpoint=http://127.0.0.1:$S3_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=soak
s3proxy.credential=soaksecret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$S/blobs
CONF
  java -jar "$jar" --properties "$S/s3proxy.conf" > "$S/s3proxy.log" 2>&1 &
  sleep 2
}

# The launcher runs the JVM as its child while it records the class-data archive, else execs it.
kill_launched() {
  local pid="$1" jvm
  jvm=$(pgrep -P "$pid" java || echo "$pid")
  kill -9 $jvm "$pid" 2> /dev/null
  wait "$pid" 2> /dev/null
}

stop_launched() {
  local pid="$1" jvm
  jvm=$(pgrep -P "$pid" java || echo "$pid")
  kill $jvm 2> /dev/null
  wait "$pid" 2> /dev/null
}

stop_all() {
  pkill -f "$S/s3proxy.conf" 2> /dev/null
  as_pg_user "$B/pg_ctl -D $S/pg stop -m fast" > /dev/null
}
