# Sourced by test.sh and fetch-bench.sh: start_registry runs Debian's
# docker-registry (the CNCF distribution registry) on a free loopback port,
# with its config and storage in a temporary directory, exports
# ZBENCH_REGISTRY=127.0.0.1:PORT, and stops it and removes the directory
# when the calling script exits.

start_registry() {
  if [ -n "${ZBENCH_REGISTRY:-}" ]; then
    echo "registry.sh: using ZBENCH_REGISTRY=$ZBENCH_REGISTRY"
    return 0
  fi
  local dir port i
  dir=$(mktemp -d "${TMPDIR:-/tmp}/zbench-registry.XXXXXX")
  for i in $(seq 1 50); do
    port=$((20000 + RANDOM % 20000))
    # a port is free when nothing answers on it
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  done
  cat >"$dir/config.yml" <<CONF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
CONF
  docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  _zbench_registry_pid=$!
  _zbench_registry_dir=$dir
  trap 'stop_registry' EXIT
  for i in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      export ZBENCH_REGISTRY="127.0.0.1:$port"
      echo "registry.sh: docker-registry on $ZBENCH_REGISTRY (pid $_zbench_registry_pid)"
      return 0
    fi
    if ! kill -0 "$_zbench_registry_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "registry.sh: docker-registry did not start:" >&2
  cat "$dir/registry.log" >&2
  return 1
}

stop_registry() {
  if [ -n "${_zbench_registry_pid:-}" ]; then
    kill "$_zbench_registry_pid" 2>/dev/null || true
    wait "$_zbench_registry_pid" 2>/dev/null || true
    _zbench_registry_pid=""
  fi
  if [ -n "${_zbench_registry_dir:-}" ]; then
    rm -rf "$_zbench_registry_dir"
    _zbench_registry_dir=""
  fi
}
