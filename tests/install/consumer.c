/*
 * A program outside the source tree that uses the installed library:
 * it calls into lib/core and into the crypto backend, so a link that
 * misses mbedTLS fails.
 */
#include <stdio.h>

#include <l2tpsec/l2tpsec.h>

int main(void) {
  l2tpsec_rand rand = l2tpsec_rand_system();
  uint8_t bytes[16];

  if (l2tpsec_rand_bytes(&rand, bytes, sizeof(bytes)) != 0) {
    fprintf(stderr, "consumer: l2tpsec_rand_bytes failed\n");
    return 1;
  }
  printf("libl2tpsec %s: %s\n", L2TPSEC_VERSION_STRING,
         l2tpsec_strerror(L2TPSEC_ERR_MALFORMED));
  return 0;
}
