# Helpers for the scripts that run inside the guest (sourced by main.sh).
# Output goes to the serial console, which run-guest.sh reads.

result_fields=""
result_status=pass
result_failed_step=""

log() {
  echo "guest: $*"
}

# Milliseconds since the guest kernel started, from /proc/uptime.
now_ms() {
  read -r up _ </proc/uptime
  centis=${up#*.}
  centis=${centis#0}
  echo $((${up%.*} * 1000 + centis * 10))
}

# Adds a string field to the result line.
result_str() {
  result_fields="$result_fields,\"$1\":\"$2\""
}

# Adds a numeric field to the result line; an empty value becomes null.
result_num() {
  result_fields="$result_fields,\"$1\":${2:-null}"
}

# Marks the scenario failed at STEP and logs why. The first failure wins,
# so the result names the step that broke first.
fail() {
  log "FAILED at $1: $2"
  if [ "$result_status" = pass ]; then
    result_status=fail
    result_failed_step=$1
    result_str error "$2"
  fi
}

# The result starts a new line, because a log dumped before it may end
# without a newline.
print_result() {
  head="\"status\":\"$result_status\",\"failed_step\":\"$result_failed_step\""
  printf '\nL2TPSEC-RESULT {%s}\n' "$head$result_fields"
}

# Runs CHECK (a shell command) every 200 ms until it succeeds or SECONDS
# have passed. Returns 0 when it succeeded.
wait_until() {
  limit=$(($(now_ms) + $1 * 1000))
  shift
  while ! eval "$@" >/dev/null 2>&1; do
    [ "$(now_ms)" -lt "$limit" ] || return 1
    sleep 0.2
  done
}

# Prints the last lines of a daemon log with a prefix, for failed runs.
dump_log() {
  [ -f "$2" ] || return 0
  tail -n "${3:-30}" "$2" | sed "s/^/guest: $1: /"
}

load_modules() {
  for m in virtio_net af_packet af_key xfrm_user esp4 ah4 xfrm4_tunnel \
    ppp_generic ppp_async ppp_synctty pppox l2tp_core l2tp_netlink \
    l2tp_ppp veth tun authenc echainiv cbc des3_ede_x86_64 des_generic \
    sha1_generic sha256_generic md5 gcm ccm seqiv; do
    modprobe -q "$m" 2>/dev/null
  done
}
