/*
 * Hex conversion for known-answer vectors and for the text that external
 * test peers (scapy, tshark) print. Header-only so that any test program
 * can include it without a build change.
 */
#ifndef L2TPSEC_TESTS_HEX_H
#define L2TPSEC_TESTS_HEX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static inline int hex_nibble(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/*
 * Decodes hex into out (capacity cap) up to the end of the string, a
 * newline or a space that follows a complete byte when stop_at_space is
 * set. Returns the byte count, or -1 on a bad digit, an odd digit count or
 * a full buffer.
 */
static inline long hex_parse(const char *hex, uint8_t *out, size_t cap,
                             int stop_at_space) {
  size_t n = 0;
  int high = -1;

  for (; *hex != '\0' && *hex != '\n'; hex++) {
    int v = hex_nibble(*hex);

    if (*hex == ' ' && high < 0 && stop_at_space)
      break;
    if (*hex == ' ')
      continue;
    if (v < 0 || (high < 0 && n >= cap))
      return -1;
    if (high < 0) {
      high = v;
    } else {
      out[n++] = (uint8_t)(high << 4 | v);
      high = -1;
    }
  }
  return high >= 0 ? -1 : (long)n;
}

/*
 * Decodes a known-answer vector written in the test source; spaces are
 * ignored. A malformed vector is a bug in the test, so it aborts.
 */
static inline size_t unhex(const char *hex, uint8_t *out, size_t cap) {
  long n = hex_parse(hex, out, cap, 0);

  if (n < 0)
    abort();
  return (size_t)n;
}

/* Writes 2 * len lowercase digits and a terminating NUL to out. */
static inline void hex_encode(const uint8_t *in, size_t len, char *out) {
  static const char digits[] = "0123456789abcdef";

  for (size_t i = 0; i < len; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 0x0f];
  }
  out[2 * len] = '\0';
}

#endif
