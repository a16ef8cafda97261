/*
 * ESP cipher throughput through lib/crypto, each figure beside OpenSSL's
 * `openssl speed` for the same algorithm and size, measured in the same
 * run. Prints one JSON object per line; bench/run.sh renders the table.
 *
 *   bench_cipher [SECONDS]   time per measurement (default 0.5)
 *
 * Each packet is processed the way ESP does it, in place:
 * - AES-GCM: a fresh 12-byte nonce, 8 bytes of AAD (SPI and sequence
 *   number) and a 16-byte tag. Anchor: `openssl speed -aead -evp`, which
 *   also starts a new message (nonce, 13-byte AAD, tag) per buffer.
 * - CBC + HMAC: encrypt, then HMAC over the ciphertext, truncated as ESP
 *   truncates it. Anchor: `openssl speed -evp CIPHER` and
 *   `openssl speed -hmac DIGEST` at the same size, combined as one
 *   sequential pass: 1 / (1 / cipher_rate + 1 / hmac_rate).
 * CBC sizes that are not a block multiple are rounded up to one. Both
 * sides divide by the CPU time of the measuring process (openssl speed
 * does so by default), so other load on the machine does not skew the
 * ratio the way wall-clock time would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"

#define MAX_PACKET 16384

enum bench_kind { KIND_GCM, KIND_CBC_HMAC };

struct bench_case {
  const char *name;
  enum bench_kind kind;
  enum l2tpsec__cipher_alg cipher;
  size_t key_len;
  enum l2tpsec__hash_alg hmac;
  size_t icv_len;
  const char *openssl_cipher; /* -evp argument */
  const char *openssl_hmac;   /* -hmac argument, NULL for AEAD */
};

static const struct bench_case cases[] = {
    {"aes-128-gcm-16", KIND_GCM, L2TPSEC_CIPHER_AES_GCM, 16, 0, 16,
     "aes-128-gcm", NULL},
    {"aes-256-gcm-16", KIND_GCM, L2TPSEC_CIPHER_AES_GCM, 32, 0, 16,
     "aes-256-gcm", NULL},
    {"aes-128-cbc+hmac-sha1-96", KIND_CBC_HMAC, L2TPSEC_CIPHER_AES_CBC, 16,
     L2TPSEC_HASH_SHA1, 12, "aes-128-cbc", "sha1"},
    {"aes-128-cbc+hmac-sha256-128", KIND_CBC_HMAC, L2TPSEC_CIPHER_AES_CBC, 16,
     L2TPSEC_HASH_SHA256, 16, "aes-128-cbc", "sha256"},
    {"3des-cbc+hmac-sha1-96", KIND_CBC_HMAC, L2TPSEC_CIPHER_DES3_CBC, 24,
     L2TPSEC_HASH_SHA1, 12, "des-ede3-cbc", "sha1"},
};

static const size_t sizes[] = {64, 512, 1400, 16384};

/* CPU time of this single-threaded process, in seconds. */
static double cpu_seconds(void) {
  struct timespec ts;

  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *name) {
  fprintf(stderr, "bench_cipher: %s failed for %s\n", what, name);
  exit(1);
}

struct contexts {
  l2tpsec__cipher *cipher;
  l2tpsec__hmac_ctx *hmac;
};

static void one_packet(const struct bench_case *bc, struct contexts *ctx,
                       uint8_t *buf, size_t len, uint64_t seq) {
  uint8_t iv[16] = {0}, nonce[12] = {0}, aad[8] = {0}, tag[64];

  memcpy(nonce + 4, &seq, sizeof(seq));
  memcpy(aad + 4, &seq, 4);
  if (bc->kind == KIND_GCM) {
    if (l2tpsec__gcm_encrypt(ctx->cipher, nonce, 12, aad, 8, buf, buf, len, tag,
                             bc->icv_len) != 0)
      die("gcm_encrypt", bc->name);
    return;
  }
  memcpy(iv, &seq, sizeof(seq));
  if (l2tpsec__cbc_encrypt(ctx->cipher, iv, buf, buf, len) != 0 ||
      l2tpsec__hmac_start(ctx->hmac) != 0 ||
      l2tpsec__hmac_update(ctx->hmac, buf, len) != 0 ||
      l2tpsec__hmac_finish(ctx->hmac, tag) != 0)
    die("cbc+hmac", bc->name);
}

/* Returns bytes per CPU second over at least `seconds` of CPU time. */
static double measure_ours(const struct bench_case *bc, size_t len,
                           double seconds) {
  static uint8_t buf[MAX_PACKET + 16];
  uint8_t key[32] = {1, 2, 3}, hmac_key[32] = {4, 5, 6};
  struct contexts ctx = {NULL, NULL};
  uint64_t packets = 0;
  double start, elapsed;

  if (l2tpsec__cipher_new(&ctx.cipher, bc->cipher, key, bc->key_len) != 0)
    die("cipher_new", bc->name);
  if (bc->kind == KIND_CBC_HMAC &&
      l2tpsec__hmac_new(&ctx.hmac, bc->hmac, hmac_key,
                        l2tpsec__hash_len(bc->hmac)) != 0)
    die("hmac_new", bc->name);

  start = cpu_seconds();
  do {
    for (int i = 0; i < 64; i++)
      one_packet(bc, &ctx, buf, len, packets++);
    elapsed = cpu_seconds() - start;
  } while (elapsed < seconds);

  l2tpsec__cipher_del(ctx.cipher);
  l2tpsec__hmac_del(ctx.hmac);
  return (double)packets * (double)len / elapsed;
}

/* Runs `openssl speed -mr ARGS` and returns the "+F:" bytes per second. */
static double openssl_speed(const char *args, size_t len, double seconds) {
  char cmd[256], line[512];
  double rate = -1;
  int secs = seconds < 1 ? 1 : (int)seconds;
  FILE *f;

  snprintf(cmd, sizeof(cmd),
           "openssl speed -mr %s -bytes %zu -seconds %d 2>/dev/null", args, len,
           secs);
  f = popen(cmd, "r");
  if (f == NULL)
    return -1;
  while (fgets(line, sizeof(line), f) != NULL) {
    char *last = strrchr(line, ':');

    if (strncmp(line, "+F:", 3) == 0 && last != NULL)
      rate = strtod(last + 1, NULL);
  }
  if (pclose(f) != 0)
    return -1;
  return rate;
}

static double measure_openssl(const struct bench_case *bc, size_t len,
                              double seconds) {
  char args[128];
  double cipher_rate, hmac_rate;

  if (bc->kind == KIND_GCM) {
    snprintf(args, sizeof(args), "-aead -evp %s", bc->openssl_cipher);
    return openssl_speed(args, len, seconds);
  }
  snprintf(args, sizeof(args), "-evp %s", bc->openssl_cipher);
  cipher_rate = openssl_speed(args, len, seconds);
  snprintf(args, sizeof(args), "-hmac %s", bc->openssl_hmac);
  hmac_rate = openssl_speed(args, len, seconds);
  if (cipher_rate <= 0 || hmac_rate <= 0)
    return -1;
  return 1 / (1 / cipher_rate + 1 / hmac_rate);
}

static size_t padded_len(const struct bench_case *bc, size_t len) {
  size_t block = bc->cipher == L2TPSEC_CIPHER_AES_CBC    ? 16
                 : bc->cipher == L2TPSEC_CIPHER_DES3_CBC ? 8
                                                         : 1;

  return (len + block - 1) / block * block;
}

static void print_accel(void) {
  bool aesni, pclmul;

  l2tpsec__crypto_accel(&aesni, &pclmul);
  printf("{\"bench\":\"cipher\",\"backend\":\"%s\",\"aesni\":%s,"
         "\"pclmulqdq\":%s}\n",
         l2tpsec__crypto_backend(), aesni ? "true" : "false",
         pclmul ? "true" : "false");
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 0.5;

  if (seconds <= 0) {
    fprintf(stderr, "usage: bench_cipher [SECONDS > 0]\n");
    return 2;
  }
  print_accel();
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
      size_t len = padded_len(&cases[c], sizes[s]);
      double ours = measure_ours(&cases[c], len, seconds);
      double anchor = measure_openssl(&cases[c], len, seconds);

      printf("{\"bench\":\"cipher\",\"case\":\"%s\",\"bytes\":%zu,"
             "\"ours_MBps\":%.1f,\"openssl_MBps\":%.1f,\"ratio\":%.3f}\n",
             cases[c].name, len, ours / 1e6, anchor / 1e6,
             anchor > 0 ? ours / anchor : 0.0);
      fflush(stdout);
    }
  }
  return 0;
}
