/*
 * Random numbers. Every object takes its random source from its settings,
 * so tests and fuzzers can make runs repeatable; production code uses the
 * system CSPRNG.
 */
#ifndef L2TPSEC_RAND_H
#define L2TPSEC_RAND_H

#include "l2tpsec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fills out with len random bytes. Returns 0 or a negative error code. */
typedef int (*l2tpsec_rand_fn)(void *user_data, uint8_t *out, size_t len);

typedef struct l2tpsec_rand {
  l2tpsec_rand_fn fn;
  void *user_data;
} l2tpsec_rand;

/*
 * Returns a source backed by the crypto backend's DRBG (CTR-DRBG with
 * AES-256), seeded from getrandom(2) and reseeded by the backend. It is
 * safe to use from several threads: each thread gets its own DRBG.
 */
L2TPSEC_API l2tpsec_rand l2tpsec_rand_system(void);

/* Fills out from a source; L2TPSEC_ERR_CRYPTO when the source fails. */
L2TPSEC_API int l2tpsec_rand_bytes(const l2tpsec_rand *rand, uint8_t *out,
                                   size_t len);

/*
 * State of the deterministic test generator (xoshiro256**). It is NOT
 * cryptographically secure: use it only in tests, fuzzers and benchmarks.
 */
typedef struct l2tpsec_rand_test_state {
  uint64_t s[4];
} l2tpsec_rand_test_state;

/*
 * Seeds a deterministic generator and returns a source reading from it.
 * The same seed gives the same byte sequence on every platform.
 */
L2TPSEC_API l2tpsec_rand l2tpsec_rand_test(l2tpsec_rand_test_state *state,
                                           uint64_t seed);

#ifdef __cplusplus
}
#endif

#endif
