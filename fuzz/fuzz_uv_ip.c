/*
 * Inner IP packets through the lib/uv helpers that rewrite or answer
 * them: MSS clamping, the ICMP too-big error and IPv4 fragmentation.
 */
#include <stdint.h>
#include <string.h>

#include "uv/mtu.h"

static void fragment_all(const uint8_t *data, size_t size) {
  static uint8_t out[65536];
  size_t offset = 0;
  int steps = 0;

  while (l2tpsec__ipv4_fragment(data, size, 576, &offset, out, sizeof(out)) > 0)
    steps++;
  (void)steps;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t copy[65536], out[2048];
  const uint8_t from[16] = {192, 0, 2, 1};

  if (size > sizeof(copy))
    return 0;
  memcpy(copy, data, size);

  l2tpsec__tcp_clamp_mss(copy, size, 1200);
  l2tpsec__icmp_too_big(data, size, 1280, from, out, sizeof(out));
  l2tpsec__mtu_check(data, size, 1400);
  fragment_all(data, size);
  return 0;
}
