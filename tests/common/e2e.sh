# Failure reports and waits for the test scripts that run the example
# programs, sourced after `set -eu`:
#
#   . "$(dirname "$0")/../common/e2e.sh"
#   fail_logs="server=$work/server.log client=$work/client.log"
#   wait_for "$work/server.log" "ready;"
#
# fail_logs lists LABEL=FILE words, which fail prints with each line
# prefixed by LABEL. A file that does not exist yet is skipped, so the
# list may name logs before the programs create them. The paths must
# not contain white space. fail_log_lines, when set, limits each log to
# its last lines.

fail_logs=""
fail_log_lines=""

# Prints one log of fail_logs to stderr.
print_fail_log() { # LABEL FILE
  if [ -n "$fail_log_lines" ]; then
    tail -n "$fail_log_lines" "$2" | sed "s/^/  $1: /" >&2
  else
    sed "s/^/  $1: /" "$2" >&2
  fi
}

# fail MESSAGE: prints MESSAGE and the logs in fail_logs to stderr, then
# exits with status 1. Inside $(...) only the subshell exits.
fail() {
  echo "FAIL: $*" >&2
  for fail_log in $fail_logs; do
    if [ -f "${fail_log#*=}" ]; then
      print_fail_log "${fail_log%%=*}" "${fail_log#*=}"
    fi
  done
  exit 1
}

# wait_for FILE PATTERN [SECONDS]: polls FILE every 0.1 s until a line
# matches the grep PATTERN, and fails after SECONDS (15 when not given,
# tenths allowed, as in 2.5). FILE may not exist yet.
wait_for() {
  wait_tenths=$(awk -v s="${3:-15}" 'BEGIN { printf "%d", s * 10 + 0.5 }')
  for _ in $(seq "$wait_tenths"); do
    grep -q -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "never saw '$2' in $1 within ${3:-15} s"
}
