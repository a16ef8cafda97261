# Network namespaces for one test script, sourced after `set -eu`:
#
#   . "$(dirname "$0")/../common/netns.sh"
#   netns_on_exit cleanup          # the script's own clean-up, may be ""
#   srv=$(netns_name srv)
#   netns_add "$srv"
#
# A name is the script's name, its PID and a role, so two scripts that
# ctest runs in parallel, or two runs of one script, never share a
# namespace. netns_delete removes every namespace with this script's
# prefix, including those that a subshell created.

netns_prefix="$(basename "$0" .sh)-$$-"
netns_exit_hook=""

# Prints the namespace name for ROLE (letters and digits).
netns_name() {
  echo "$netns_prefix$1"
}

# Creates each named namespace and sets its loopback up.
netns_add() {
  for netns_new in "$@"; do
    ip netns add "$netns_new"
    ip -n "$netns_new" link set lo up
  done
}

# netns_veth NS1 IF1 ADDR1/LEN NS2 IF2 ADDR2/LEN: links two namespaces
# with a veth pair and sets both ends up with their addresses. Interface
# names are at most 15 bytes.
netns_veth() {
  ip link add "$2" netns "$1" type veth peer name "$5" netns "$4"
  ip -n "$1" addr add "$3" dev "$2"
  ip -n "$1" link set "$2" up
  ip -n "$4" addr add "$6" dev "$5"
  ip -n "$4" link set "$5" up
}

# Deletes every namespace whose name starts with this script's prefix.
netns_delete() {
  for netns_old in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    case "$netns_old" in
    "$netns_prefix"*) ip netns del "$netns_old" 2>/dev/null || true ;;
    esac
  done
}

# Runs the script's hook first, because its processes may still run
# inside the namespaces, and then netns_delete. The `|| true` keeps a
# failing hook from skipping the deletion under set -e.
netns_exit() {
  if [ -n "$netns_exit_hook" ]; then
    "$netns_exit_hook" || true
  fi
  netns_delete
}

# netns_on_exit HOOK: installs the EXIT, INT and TERM traps. On every
# exit, whether normal, a failure under set -e, a ctest timeout or
# Ctrl-C, HOOK first stops the script's processes and removes its files,
# and then the namespaces are deleted.
netns_on_exit() {
  netns_exit_hook=$1
  trap netns_exit EXIT
  trap 'exit 1' INT TERM
}
