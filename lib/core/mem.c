/* Wiping and constant-time comparison of secrets. */
#include <string.h>

#include "l2tpsec/mem.h"

void l2tpsec_wipe(void *p, size_t n) {
  if (p == NULL || n == 0)
    return;
  /* glibc's explicit_bzero is not removed by dead-store elimination. */
  explicit_bzero(p, n);
}

int l2tpsec_memeq_consttime(const void *a, const void *b, size_t n) {
  const volatile uint8_t *x = a;
  const volatile uint8_t *y = b;
  uint8_t diff = 0;

  for (size_t i = 0; i < n; i++)
    diff |= (uint8_t)(x[i] ^ y[i]);
  /* Maps 0 to 1 and 1..255 to 0 without a data-dependent branch. */
  return (int)(1 & ((diff - 1u) >> 8));
}
