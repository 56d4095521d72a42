#!/usr/bin/env bash
# A two-shard ClickHouse cluster on loopback, for Segmint's ClickHouse tests and benchmarks.
#
#   scripts/clickhouse-cluster.sh start    install Debian's clickhouse-server if missing, start both shards,
#                                          wait until each answers SELECT 1, print the URLs (idempotent)
#   scripts/clickhouse-cluster.sh stop     stop both shards (their data stays)
#   scripts/clickhouse-cluster.sh status   say which shards answer; exit 1 unless both do
#   scripts/clickhouse-cluster.sh url [2]  print shard 1's (or 2's) HTTP URL
#
# Each shard is its own server process running as the current user, with its own config, ports and data
# folder under $SEGMINT_CH_DIR (default /tmp/segmint-clickhouse): shard1/ and shard2/. Both know the cluster
# `segmint` (remote_servers), whose two shards are these two servers; a Distributed table over the cluster
# reads and writes both. The ports (defaults in brackets) can be moved with SEGMINT_CH_HTTP_PORT [8123],
# SEGMINT_CH_TCP_PORT [9000] and SEGMINT_CH_INTERSERVER_PORT [9009]; shard 2 uses each plus one.
# docs/engines.md describes the layout.
set -euo pipefail

DIR="${SEGMINT_CH_DIR:-/tmp/segmint-clickhouse}"
HTTP_PORT="${SEGMINT_CH_HTTP_PORT:-8123}"
TCP_PORT="${SEGMINT_CH_TCP_PORT:-9000}"
INTERSERVER_PORT="${SEGMINT_CH_INTERSERVER_PORT:-9009}"
CLUSTER=segmint
SHARDS=(1 2)

http_port() { echo $((HTTP_PORT + $1 - 1)); }
tcp_port() { echo $((TCP_PORT + $1 - 1)); }
url() { echo "http://127.0.0.1:$(http_port "$1")"; }

answers() { # shard → 0 when SELECT 1 over HTTP gives 1
  local out
  out="$(curl -fsS --max-time 2 "$(url "$1")/?query=SELECT%201" 2>/dev/null)" || return 1
  [ "$out" = "1" ]
}

server_binary() {
  command -v clickhouse-server 2>/dev/null || { [ -x /usr/sbin/clickhouse-server ] && echo /usr/sbin/clickhouse-server; } || true
}

install_server() {
  if [ -n "$(server_binary)" ] && command -v clickhouse-client >/dev/null 2>&1; then return 0; fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: clickhouse-server is not installed and there is no apt-get to install it" >&2
    return 1
  fi
  echo "installing Debian's clickhouse-server and clickhouse-client…" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq clickhouse-server clickhouse-client >&2
  [ -n "$(server_binary)" ] || { echo "error: clickhouse-server is still missing after apt-get install" >&2; return 1; }
}

write_config() { # shard
  local s="$1" d="$DIR/shard$1"
  mkdir -p "$d/data/tmp" "$d/data/user_files" "$d/data/format_schemas" "$d/log"
  local replicas=""
  for k in "${SHARDS[@]}"; do
    replicas+="      <shard><replica><host>127.0.0.1</host><port>$(tcp_port "$k")</port></replica></shard>
"
  done
  cat >"$d/config.xml" <<EOF
<?xml version="1.0"?>
<!-- written by scripts/clickhouse-cluster.sh: shard $s of the two-shard cluster '$CLUSTER' -->
<yandex>
  <logger>
    <level>warning</level>
    <log>$d/log/server.log</log>
    <errorlog>$d/log/server.err.log</errorlog>
    <size>100M</size>
    <count>2</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$(http_port "$s")</http_port>
  <tcp_port>$(tcp_port "$s")</tcp_port>
  <interserver_http_port>$((INTERSERVER_PORT + s - 1))</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <max_connections>256</max_connections>
  <keep_alive_timeout>30</keep_alive_timeout>
  <max_concurrent_queries>50</max_concurrent_queries>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <mark_cache_size>268435456</mark_cache_size>
  <path>$d/data/</path>
  <tmp_path>$d/data/tmp/</tmp_path>
  <user_files_path>$d/data/user_files/</user_files_path>
  <format_schema_path>$d/data/format_schemas/</format_schema_path>
  <users_config>$d/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <remote_servers>
    <$CLUSTER>
$replicas    </$CLUSTER>
  </remote_servers>
  <macros>
    <cluster>$CLUSTER</cluster>
    <shard>$s</shard>
  </macros>
  <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
  <max_session_timeout>3600</max_session_timeout>
  <default_session_timeout>60</default_session_timeout>
</yandex>
EOF
  cat >"$d/users.xml" <<EOF
<?xml version="1.0"?>
<!-- written by scripts/clickhouse-cluster.sh: one user, default, without a password, loopback only -->
<yandex>
  <profiles>
    <default>
      <max_memory_usage>4000000000</max_memory_usage>
      <use_uncompressed_cache>0</use_uncompressed_cache>
      <load_balancing>random</load_balancing>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default>
      <interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval>
    </default>
  </quotas>
</yandex>
EOF
}

start_shard() { # shard
  local s="$1" d="$DIR/shard$1"
  if answers "$s"; then return 0; fi
  if [ -f "$d/server.pid" ] && kill -0 "$(cat "$d/server.pid")" 2>/dev/null; then
    return 0 # starting (or stuck: the wait below reports it)
  fi
  if command -v ss >/dev/null 2>&1 && ss -ltn "sport = :$(http_port "$s")" | grep -q LISTEN; then
    echo "error: port $(http_port "$s") is taken by another program, which does not answer as ClickHouse; set SEGMINT_CH_HTTP_PORT" >&2
    return 1
  fi
  write_config "$s"
  rm -f "$d/server.pid"
  "$(server_binary)" --config-file="$d/config.xml" --pid-file="$d/server.pid" --daemon >>"$d/log/stdout.log" 2>&1
}

wait_for() { # shard
  local s="$1"
  for _ in $(seq 1 60); do
    answers "$s" && return 0
    sleep 0.5
  done
  echo "error: shard $s did not answer SELECT 1 on $(url "$s") within 30 s; see $DIR/shard$s/log/" >&2
  tail -n 20 "$DIR/shard$s/log/server.err.log" "$DIR/shard$s/log/stdout.log" 2>/dev/null >&2 || true
  return 1
}

stop_shard() { # shard
  local s="$1" d="$DIR/shard$1" pid
  [ -f "$d/server.pid" ] || return 0
  pid="$(cat "$d/server.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
  fi
  rm -f "$d/server.pid"
}

case "${1:-}" in
  start)
    install_server
    mkdir -p "$DIR"
    for s in "${SHARDS[@]}"; do start_shard "$s"; done
    for s in "${SHARDS[@]}"; do wait_for "$s"; done
    version="$(curl -fsS "$(url 1)/?query=SELECT%20version()")"
    echo "ClickHouse $version: cluster '$CLUSTER' with 2 shards in $DIR" >&2
    echo "  shard 1: $(url 1) (native $(tcp_port 1))" >&2
    echo "  shard 2: $(url 2) (native $(tcp_port 2))" >&2
    url 1
    ;;
  stop)
    for s in "${SHARDS[@]}"; do stop_shard "$s"; done
    echo "stopped (data kept in $DIR)" >&2
    ;;
  status)
    ok=0
    for s in "${SHARDS[@]}"; do
      if answers "$s"; then echo "shard $s: up at $(url "$s")"; else echo "shard $s: down ($(url "$s"))"; ok=1; fi
    done
    exit "$ok"
    ;;
  url)
    url "${2:-1}"
    ;;
  *)
    echo "usage: $0 start|stop|status|url [shard]" >&2
    exit 2
    ;;
esac
