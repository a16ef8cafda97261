/* MD4 message digest, following the algorithm description of RFC 1320. */
#include <string.h>

#include "crypto/md4.h"
#include "l2tpsec/mem.h"

static uint32_t rotl32(uint32_t x, int s) {
  return (x << s) | (x >> (32 - s));
}

static uint32_t load_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static void store_le32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

/* The three auxiliary functions of RFC 1320 section 3.4. */
static uint32_t f(uint32_t x, uint32_t y, uint32_t z) {
  return (x & y) | (~x & z);
}
static uint32_t g(uint32_t x, uint32_t y, uint32_t z) {
  return (x & y) | (x & z) | (y & z);
}
static uint32_t h(uint32_t x, uint32_t y, uint32_t z) {
  return x ^ y ^ z;
}

/* Round constants: 0 for round 1, sqrt(2) and sqrt(3) scaled by 2^30. */
#define ROUND2_K 0x5a827999u
#define ROUND3_K 0x6ed9eba1u

static void compress(uint32_t state[4], const uint8_t block[64]) {
  static const int r1_shift[4] = {3, 7, 11, 19};
  static const int r2_shift[4] = {3, 5, 9, 13};
  static const int r3_shift[4] = {3, 9, 11, 15};
  static const int r3_order[16] = {0, 8, 4, 12, 2, 10, 6, 14,
                                   1, 9, 5, 13, 3, 11, 7, 15};
  uint32_t x[16];
  uint32_t v[4] = {state[0], state[1], state[2], state[3]};

  for (int i = 0; i < 16; i++)
    x[i] = load_le32(block + 4 * i);

  /*
   * Each step updates one of a, b, c, d in the rotation a, d, c, b, so
   * step i writes v[(4 - i % 4) % 4] from the other three in order.
   */
  for (int i = 0; i < 16; i++) {
    int a = (4 - i % 4) % 4;
    uint32_t t = v[a] + f(v[(a + 1) % 4], v[(a + 2) % 4], v[(a + 3) % 4]);
    v[a] = rotl32(t + x[i], r1_shift[i % 4]);
  }
  for (int i = 0; i < 16; i++) {
    int a = (4 - i % 4) % 4;
    int k = (i % 4) * 4 + i / 4; /* columns: 0, 4, 8, 12, 1, 5, ... */
    uint32_t t = v[a] + g(v[(a + 1) % 4], v[(a + 2) % 4], v[(a + 3) % 4]);
    v[a] = rotl32(t + x[k] + ROUND2_K, r2_shift[i % 4]);
  }
  for (int i = 0; i < 16; i++) {
    int a = (4 - i % 4) % 4;
    uint32_t t = v[a] + h(v[(a + 1) % 4], v[(a + 2) % 4], v[(a + 3) % 4]);
    v[a] = rotl32(t + x[r3_order[i]] + ROUND3_K, r3_shift[i % 4]);
  }

  for (int i = 0; i < 4; i++)
    state[i] += v[i];
  l2tpsec_wipe(x, sizeof(x));
}

void l2tpsec__md4_init(l2tpsec__md4_ctx *ctx) {
  /* Initial chaining values, RFC 1320 section 3.3. */
  ctx->state[0] = 0x67452301u;
  ctx->state[1] = 0xefcdab89u;
  ctx->state[2] = 0x98badcfeu;
  ctx->state[3] = 0x10325476u;
  ctx->total_len = 0;
}

void l2tpsec__md4_update(l2tpsec__md4_ctx *ctx, const void *data, size_t len) {
  const uint8_t *p = data;
  size_t used = (size_t)(ctx->total_len % 64);

  ctx->total_len += len;
  while (len > 0) {
    size_t take = 64 - used < len ? 64 - used : len;

    memcpy(ctx->block + used, p, take);
    used += take;
    p += take;
    len -= take;
    if (used == 64) {
      compress(ctx->state, ctx->block);
      used = 0;
    }
  }
}

void l2tpsec__md4_finish(l2tpsec__md4_ctx *ctx, uint8_t out[16]) {
  uint64_t bits = ctx->total_len * 8;
  size_t used = (size_t)(ctx->total_len % 64);
  size_t pad_len = used < 56 ? 56 - used : 120 - used;
  uint8_t pad[72] = {0x80};
  uint8_t length[8];

  /* Padding and length, RFC 1320 sections 3.1 and 3.2. */
  for (int i = 0; i < 8; i++)
    length[i] = (uint8_t)(bits >> (8 * i));
  l2tpsec__md4_update(ctx, pad, pad_len);
  l2tpsec__md4_update(ctx, length, sizeof(length));

  for (int i = 0; i < 4; i++)
    store_le32(out + 4 * i, ctx->state[i]);
  l2tpsec_wipe(ctx, sizeof(*ctx));
}
