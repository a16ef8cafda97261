/* RFC 4648 base32, five bits per character, most significant first. */
#include <ctype.h>
#include <string.h>

#include "base32.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int base32_encode(const uint8_t *data, size_t len, char *out, size_t cap) {
  uint32_t bits = 0;
  int nbits = 0;
  size_t n = 0;

  if (cap < (len * 8 + 4) / 5 + 1)
    return -1;
  for (size_t i = 0; i < len; i++) {
    bits = bits << 8 | data[i];
    nbits += 8;
    while (nbits >= 5) {
      out[n++] = alphabet[(bits >> (nbits - 5)) & 31];
      nbits -= 5;
    }
  }
  if (nbits > 0)
    out[n++] = alphabet[(bits << (5 - nbits)) & 31];
  out[n] = '\0';
  return (int)n;
}

int base32_decode(const char *text, uint8_t *out, size_t cap) {
  uint32_t bits = 0;
  int nbits = 0;
  size_t n = 0;

  for (; *text != '\0' && *text != '='; text++) {
    const char *p;

    if (isspace((unsigned char)*text))
      continue;
    p = strchr(alphabet, toupper((unsigned char)*text));
    if (p == NULL)
      return -1;
    bits = bits << 5 | (uint32_t)(p - alphabet);
    nbits += 5;
    if (nbits >= 8) {
      if (n == cap)
        return -1;
      out[n++] = (uint8_t)(bits >> (nbits - 8));
      nbits -= 8;
    }
  }
  return (int)n;
}
