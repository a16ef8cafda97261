#!/bin/sh
# Installs what is missing, builds and starts the example server
# (l2tpsec-server). Without /etc/l2tpsec/server.ini it runs the built-in
# first-run configuration (loopback only) and prints its secrets. Extra
# arguments go to the server, e.g. scripts/run-server.sh -c my.ini
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh --build
cmake -S . -B build >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
exec build/examples/server/l2tpsec-server "$@"
