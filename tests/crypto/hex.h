/* Hex decoding for known-answer tests. Spaces in the input are ignored. */
#ifndef L2TPSEC_TESTS_CRYPTO_HEX_H
#define L2TPSEC_TESTS_CRYPTO_HEX_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline int hex_nibble(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Decodes hex into out (capacity cap); returns the byte count, or aborts. */
static inline size_t unhex(const char *hex, uint8_t *out, size_t cap) {
  size_t n = 0;
  int high = -1;

  for (; *hex != '\0'; hex++) {
    int v = hex_nibble(*hex);

    if (*hex == ' ')
      continue;
    if (v < 0 || (high < 0 && n >= cap))
      abort();
    if (high < 0) {
      high = v;
    } else {
      out[n++] = (uint8_t)(high << 4 | v);
      high = -1;
    }
  }
  if (high >= 0)
    abort();
  return n;
}

#endif
