/* Base32 of RFC 4648 section 6, as TOTP apps show secrets. */
#ifndef L2TPSEC_EXAMPLE_SERVER_BASE32_H
#define L2TPSEC_EXAMPLE_SERVER_BASE32_H

#include <stddef.h>
#include <stdint.h>

/*
 * Encodes `len` bytes without padding into `out` (NUL-terminated).
 * Returns the text length, or -1 when `cap` is too small.
 */
int base32_encode(const uint8_t *data, size_t len, char *out, size_t cap);

/*
 * Decodes case-insensitive base32, skipping blanks and trailing '='.
 * Returns the byte count, or -1 for an invalid character or when `cap`
 * is too small.
 */
int base32_decode(const char *text, uint8_t *out, size_t cap);

#endif
