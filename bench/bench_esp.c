/*
 * ESP throughput per core: l2tpsec_esp_encrypt and l2tpsec_esp_decrypt
 * for every transform at 64, 512, 1400 and 16384 bytes of payload, each
 * beside two anchors measured in the same run:
 * - raw: the same cipher and HMAC calls of this build's crypto backend
 *   over the same byte ranges, without the ESP layer around them, so
 *   esp_overhead = raw rate / ESP rate - 1 is what the layer costs;
 * - openssl: `openssl speed -evp` for the same cipher (AES-GCM with
 *   -aead; CBC combined with `openssl speed -hmac` as one sequential
 *   pass, 1 / (1 / cipher_rate + 1 / hmac_rate)), with -decrypt for the
 *   decryption rows.
 * Prints one JSON object per line; bench/run.sh renders the table.
 *
 *   bench_esp [SECONDS]   CPU time per measurement (default 0.5)
 *
 * Decryption needs a fresh, valid packet each time, so it is measured as
 * encrypt-then-decrypt round trips, which leave the packet as it was,
 * minus the encryption time measured alone. Each variant runs in ROUNDS
 * interleaved rounds and keeps its fastest. The SAs use the
 * deterministic test random source for CBC IVs; the system source
 * (CTR-DRBG) costs more per packet. Rates are payload bytes per CPU
 * second of this single-threaded process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "esp/esp_internal.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/esp.h"

struct bench_case {
  const char *name;
  enum l2tpsec_esp_encr encr;
  size_t encr_key_len; /* GCM: with the 4-byte salt */
  enum l2tpsec_esp_integ integ;
  const char *openssl_cipher; /* -evp argument, NULL for NULL encryption */
  const char *openssl_hmac;   /* -hmac argument, NULL for AEAD */
};

static const struct bench_case cases[] = {
    {"aes128-cbc+sha1-96", L2TPSEC_ESP_ENCR_AES_CBC, 16,
     L2TPSEC_ESP_INTEG_HMAC_SHA1_96, "aes-128-cbc", "sha1"},
    {"aes128-cbc+sha256-128", L2TPSEC_ESP_ENCR_AES_CBC, 16,
     L2TPSEC_ESP_INTEG_HMAC_SHA256_128, "aes-128-cbc", "sha256"},
    {"aes128-cbc+sha384-192", L2TPSEC_ESP_ENCR_AES_CBC, 16,
     L2TPSEC_ESP_INTEG_HMAC_SHA384_192, "aes-128-cbc", "sha384"},
    {"aes128-cbc+sha512-256", L2TPSEC_ESP_ENCR_AES_CBC, 16,
     L2TPSEC_ESP_INTEG_HMAC_SHA512_256, "aes-128-cbc", "sha512"},
    {"aes128-cbc+md5-96", L2TPSEC_ESP_ENCR_AES_CBC, 16,
     L2TPSEC_ESP_INTEG_HMAC_MD5_96, "aes-128-cbc", "md5"},
    {"aes192-cbc+sha256-128", L2TPSEC_ESP_ENCR_AES_CBC, 24,
     L2TPSEC_ESP_INTEG_HMAC_SHA256_128, "aes-192-cbc", "sha256"},
    {"aes256-cbc+sha256-128", L2TPSEC_ESP_ENCR_AES_CBC, 32,
     L2TPSEC_ESP_INTEG_HMAC_SHA256_128, "aes-256-cbc", "sha256"},
    {"aes128-gcm-16", L2TPSEC_ESP_ENCR_AES_GCM_16, 20, L2TPSEC_ESP_INTEG_NONE,
     "aes-128-gcm", NULL},
    {"aes128-gcm-12", L2TPSEC_ESP_ENCR_AES_GCM_12, 20, L2TPSEC_ESP_INTEG_NONE,
     "aes-128-gcm", NULL},
    {"aes128-gcm-8", L2TPSEC_ESP_ENCR_AES_GCM_8, 20, L2TPSEC_ESP_INTEG_NONE,
     "aes-128-gcm", NULL},
    {"aes192-gcm-16", L2TPSEC_ESP_ENCR_AES_GCM_16, 28, L2TPSEC_ESP_INTEG_NONE,
     "aes-192-gcm", NULL},
    {"aes256-gcm-16", L2TPSEC_ESP_ENCR_AES_GCM_16, 36, L2TPSEC_ESP_INTEG_NONE,
     "aes-256-gcm", NULL},
    {"3des-cbc+sha1-96", L2TPSEC_ESP_ENCR_3DES_CBC, 24,
     L2TPSEC_ESP_INTEG_HMAC_SHA1_96, "des-ede3-cbc", "sha1"},
    {"null+sha256-128", L2TPSEC_ESP_ENCR_NULL, 0,
     L2TPSEC_ESP_INTEG_HMAC_SHA256_128, NULL, "sha256"},
};

static const size_t sizes[] = {64, 512, 1400, 16384};

#define HEADROOM 128
#define STORAGE (16384 + 2 * HEADROOM)

static l2tpsec_rand_test_state rand_state;

static double cpu_seconds(void) {
  struct timespec ts;

  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *name, int rv) {
  fprintf(stderr, "bench_esp: %s failed for %s: %s\n", what, name,
          l2tpsec_strerror(rv));
  exit(1);
}

/* An outbound and an inbound SA of one transform with the same keys. */
struct sa_pair {
  l2tpsec_esp_sa *out;
  l2tpsec_esp_sa *in;
};

static void pair_new(const struct bench_case *bc, struct sa_pair *p) {
  l2tpsec_esp_sa_settings s;
  int rv;

  l2tpsec_esp_sa_settings_default(&s);
  s.spi = 0x1234;
  s.encr = bc->encr;
  s.encr_key_len = bc->encr_key_len;
  s.integ = bc->integ;
  s.integ_key_len =
      bc->integ == L2TPSEC_ESP_INTEG_NONE
          ? 0
          : l2tpsec__hash_len(bc->integ == L2TPSEC_ESP_INTEG_HMAC_MD5_96
                                  ? L2TPSEC_HASH_MD5
                              : bc->integ == L2TPSEC_ESP_INTEG_HMAC_SHA1_96
                                  ? L2TPSEC_HASH_SHA1
                              : bc->integ == L2TPSEC_ESP_INTEG_HMAC_SHA384_192
                                  ? L2TPSEC_HASH_SHA384
                              : bc->integ == L2TPSEC_ESP_INTEG_HMAC_SHA512_256
                                  ? L2TPSEC_HASH_SHA512
                                  : L2TPSEC_HASH_SHA256);
  s.allow_legacy = true;
  s.replay_window = 4096;
  memset(s.encr_key, 0x5a, sizeof(s.encr_key));
  memset(s.integ_key, 0xa5, sizeof(s.integ_key));
  s.rand = l2tpsec_rand_test(&rand_state, 1);
  s.direction = L2TPSEC_ESP_OUTBOUND;
  rv = l2tpsec_esp_sa_new(&p->out, &s, NULL, NULL);
  if (rv == 0) {
    s.direction = L2TPSEC_ESP_INBOUND;
    rv = l2tpsec_esp_sa_new(&p->in, &s, NULL, NULL);
  }
  if (rv != 0)
    die("SA creation", bc->name, rv);
}

static void pair_del(struct sa_pair *p) {
  l2tpsec_esp_sa_del(p->out);
  l2tpsec_esp_sa_del(p->in);
}

/*
 * Puts the payload back in front: after an encryption the packet is
 * reused as fresh plaintext. Only its UDP header matters, because
 * decryption checks the inner UDP length.
 */
static void reset(l2tpsec_pkt *pkt, size_t len) {
  l2tpsec_pkt_reset(pkt, HEADROOM);
  pkt->len = len;
  l2tpsec__put16(pkt->data + 4, (uint16_t)len);
}

static void esp_encrypt_one(const struct bench_case *bc, struct sa_pair *p,
                            l2tpsec_pkt *pkt, size_t len) {
  int rv;

  reset(pkt, len);
  rv = l2tpsec_esp_encrypt(p->out, pkt, 17, 0);
  if (rv != 0)
    die("l2tpsec_esp_encrypt", bc->name, rv);
}

static void esp_round_trip(const struct bench_case *bc, struct sa_pair *p,
                           l2tpsec_pkt *pkt, size_t len) {
  uint8_t nh;
  int rv;

  esp_encrypt_one(bc, p, pkt, len);
  rv = l2tpsec_esp_decrypt(p->in, pkt, 0, &nh);
  if (rv != 0)
    die("l2tpsec_esp_decrypt", bc->name, rv);
}

/*
 * The backend calls ESP makes for one packet, without the ESP layer: the
 * cipher over the padded payload and trailer, and the HMAC over header,
 * IV and ciphertext (GCM: 8 bytes of AAD instead).
 */
static void raw_encrypt_one(struct sa_pair *p, uint8_t *buf, size_t body,
                            size_t seq) {
  l2tpsec_esp_sa *sa = p->out;
  uint8_t *iv = buf + 8, *data = iv + sa->iv_len, nonce[12] = {0};

  memcpy(nonce + 4, &seq, sizeof(seq));
  if (sa->aead) {
    l2tpsec__gcm_encrypt(sa->cipher, nonce, 12, buf, 8, data, data, body,
                         data + body, sa->icv_len);
    return;
  }
  if (sa->cipher != NULL)
    l2tpsec__cbc_encrypt(sa->cipher, iv, data, data, body);
  l2tpsec__esp_icv_compute(sa, buf, 8 + sa->iv_len + body, data + body,
                           sa->icv_len);
}

static void raw_decrypt_one(struct sa_pair *p, uint8_t *buf, size_t body,
                            size_t seq) {
  l2tpsec_esp_sa *sa = p->in;
  uint8_t *iv = buf + 8, *data = iv + sa->iv_len, nonce[12] = {0};

  memcpy(nonce + 4, &seq, sizeof(seq));
  if (sa->aead) {
    l2tpsec__gcm_decrypt(sa->cipher, nonce, 12, buf, 8, data, data, body,
                         data + body, sa->icv_len);
    return;
  }
  l2tpsec__esp_icv_matches(sa, buf, 8 + sa->iv_len + body, data + body,
                           sa->icv_len);
  if (sa->cipher != NULL)
    l2tpsec__cbc_decrypt(sa->cipher, iv, data, data, body);
}

enum what { ESP_ENC, ESP_ROUND_TRIP, RAW_ENC, RAW_ROUND_TRIP };

/* Returns CPU seconds per packet over at least `seconds` of CPU time. */
static double time_per_packet(const struct bench_case *bc, struct sa_pair *p,
                              enum what what, size_t len, double seconds) {
  static uint8_t storage[STORAGE];
  l2tpsec_pkt pkt;
  size_t body =
      len + 2 + (p->out->align - (len + 2) % p->out->align) % p->out->align;
  uint64_t n = 0;
  double start = cpu_seconds(), elapsed;

  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), HEADROOM);
  do {
    for (int i = 0; i < 32; i++, n++) {
      if (what == ESP_ENC)
        esp_encrypt_one(bc, p, &pkt, len);
      else if (what == ESP_ROUND_TRIP)
        esp_round_trip(bc, p, &pkt, len);
      else
        raw_encrypt_one(p, storage, body, n);
      if (what == RAW_ROUND_TRIP)
        raw_decrypt_one(p, storage, body, n);
    }
    elapsed = cpu_seconds() - start;
  } while (elapsed < seconds);
  return elapsed / (double)n;
}

/* Runs `openssl speed -mr ARGS` and returns the "+F:" bytes per second. */
static double openssl_speed(const char *args, size_t len) {
  char cmd[256], line[512];
  double rate = -1;
  FILE *f;

  snprintf(cmd, sizeof(cmd),
           "openssl speed -mr %s -bytes %zu -seconds 1 2>/dev/null", args, len);
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

/* openssl speed for the same cipher (and HMAC) at len; 0 if unavailable. */
static double openssl_rate(const struct bench_case *bc, size_t len,
                           bool decrypt) {
  const char *dir = decrypt ? " -decrypt" : "";
  double cipher_rate = 0, hmac_rate = 0;
  char args[128];

  if (bc->openssl_hmac == NULL) {
    snprintf(args, sizeof(args), "-aead -evp %s%s", bc->openssl_cipher, dir);
    return openssl_speed(args, len);
  }
  if (bc->openssl_cipher != NULL) {
    snprintf(args, sizeof(args), "-evp %s%s", bc->openssl_cipher, dir);
    cipher_rate = openssl_speed(args, len);
  }
  snprintf(args, sizeof(args), "-hmac %s", bc->openssl_hmac);
  hmac_rate = openssl_speed(args, len);
  if (hmac_rate <= 0 || (bc->openssl_cipher != NULL && cipher_rate <= 0))
    return 0;
  if (bc->openssl_cipher == NULL)
    return hmac_rate;
  return 1 / (1 / cipher_rate + 1 / hmac_rate);
}

static void print_row(const struct bench_case *bc, const char *backend,
                      const char *dir, size_t len, double esp_s, double raw_s,
                      double anchor) {
  double ours = (double)len / esp_s, raw = (double)len / raw_s;

  printf("{\"bench\":\"esp\",\"case\":\"esp-%s %s %s\",\"bytes\":%zu,"
         "\"ours_MBps\":%.1f,\"raw_MBps\":%.1f,\"openssl_MBps\":%.1f,"
         "\"esp_overhead\":%.3f,\"ratio\":%.3f}\n",
         dir, backend, bc->name, len, ours / 1e6, raw / 1e6, anchor / 1e6,
         esp_s / raw_s - 1, anchor > 0 ? ours / anchor : 0.0);
  fflush(stdout);
}

/*
 * Measures the four variants in interleaved rounds and keeps each one's
 * fastest round, so that load from other processes, which only slows a
 * round down, disturbs the ratios as little as possible.
 */
#define ROUNDS 5

static void bench_case(const struct bench_case *bc, const char *backend,
                       size_t len, double seconds) {
  double best[4] = {1e9, 1e9, 1e9, 1e9};
  struct sa_pair p;

  pair_new(bc, &p);
  for (int r = 0; r < ROUNDS; r++) {
    for (int w = ESP_ENC; w <= RAW_ROUND_TRIP; w++) {
      double t = time_per_packet(bc, &p, (enum what)w, len, seconds / ROUNDS);

      if (t < best[w])
        best[w] = t;
    }
  }
  pair_del(&p);

  print_row(bc, backend, "encrypt", len, best[ESP_ENC], best[RAW_ENC],
            openssl_rate(bc, len, false));
  print_row(bc, backend, "decrypt", len, best[ESP_ROUND_TRIP] - best[ESP_ENC],
            best[RAW_ROUND_TRIP] - best[RAW_ENC], openssl_rate(bc, len, true));
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 0.5;
  const char *backend = strncmp(l2tpsec__crypto_backend(), "OpenSSL", 7) == 0
                            ? "openssl"
                            : "mbedtls";

  if (seconds <= 0) {
    fprintf(stderr, "usage: bench_esp [SECONDS > 0]\n");
    return 2;
  }
  printf("{\"bench\":\"esp\",\"backend\":\"%s\"}\n", l2tpsec__crypto_backend());
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
      bench_case(&cases[c], backend, sizes[s], seconds);
  return 0;
}
