/*
 * Random sources that need no crypto backend: the caller-supplied
 * callback dispatch and the deterministic test generator. The system
 * CSPRNG lives in the crypto backend.
 */
#include "l2tpsec/errors.h"
#include "l2tpsec/rand.h"

int l2tpsec_rand_bytes(const l2tpsec_rand *rand, uint8_t *out, size_t len) {
  if (rand == NULL || rand->fn == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (len == 0)
    return 0;
  return rand->fn(rand->user_data, out, len) == 0 ? 0 : L2TPSEC_ERR_CRYPTO;
}

/* splitmix64, used only to expand the seed into xoshiro's state. */
static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256** by Blackman and Vigna (public domain algorithm). */
static uint64_t xoshiro_next(uint64_t s[4]) {
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

static int test_fill(void *user_data, uint8_t *out, size_t len) {
  l2tpsec_rand_test_state *state = user_data;

  while (len > 0) {
    uint64_t v = xoshiro_next(state->s);

    for (int i = 0; i < 8 && len > 0; i++, len--) {
      *out++ = (uint8_t)v;
      v >>= 8;
    }
  }
  return 0;
}

l2tpsec_rand l2tpsec_rand_test(l2tpsec_rand_test_state *state, uint64_t seed) {
  l2tpsec_rand rand = {test_fill, state};

  for (int i = 0; i < 4; i++)
    state->s[i] = splitmix64(&seed);
  return rand;
}
