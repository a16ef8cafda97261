#!/bin/sh
# Installs what is missing, builds and starts the example server
# (l2tpsec-server) on its built-in default configuration.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh --build
cmake -S . -B build >/dev/null
cmake --build build -j "$(nproc)"
if [ ! -x build/examples/server/l2tpsec-server ]; then
  # TODO: the example server does not exist yet; this script starts it
  # once examples/server lands.
  echo "run-server.sh: the example server is not built yet (examples/server is still to come)" >&2
  exit 1
fi
exec build/examples/server/l2tpsec-server "$@"
