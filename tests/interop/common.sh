# Shared settings for the interop harness scripts (sourced, not run).
#
# L2TPSEC_INTEROP_CACHE   where guest images are cached
#                         (default /var/cache/l2tpsec-interop)
# L2TPSEC_INTEROP_MIRROR  Debian mirror for debootstrap (default: the first
#                         bookworm URI in this host's apt sources)

interop_dir=$(cd "$(dirname "$0")" && pwd)
cache_dir=${L2TPSEC_INTEROP_CACHE:-/var/cache/l2tpsec-interop}

die() {
  echo "interop: $*" >&2
  exit 1
}

# The image is keyed by the build script alone, without its comment
# lines, so only a change to the recipe rebuilds it. The guest scripts
# travel on the scenario disk, so editing them never forces a rebuild.
image_key() {
  grep -v '^[[:space:]]*#' "$interop_dir/build-image.sh" | sha256sum |
    cut -c1-16
}

image_dir() {
  echo "$cache_dir/bookworm-$(image_key)"
}

require_root() {
  [ "$(id -u)" -eq 0 ] || die "$1 needs root; run it as root"
}

require_tools() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 ||
      die "'$tool' not found; run scripts/install-deps.sh as root"
  done
}
