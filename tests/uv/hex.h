/* Hex decoding for known-answer vectors in the lib/uv tests. */
#ifndef L2TPSEC_TESTS_UV_HEX_H
#define L2TPSEC_TESTS_UV_HEX_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Decodes `hex` into `out` and returns the byte count. */
static inline size_t hex_decode(const char *hex, uint8_t *out) {
  size_t n = strlen(hex) / 2;

  for (size_t i = 0; i < n; i++) {
    unsigned v;

    sscanf(hex + 2 * i, "%2x", &v);
    out[i] = (uint8_t)v;
  }
  return n;
}

#endif
