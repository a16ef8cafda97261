/*
 * The null VPN loop's envelope: ESP's layout (RFC 4303 section 2) with
 * AES-128-GCM (RFC 4106) or AES-128-CBC + HMAC-SHA1-96 (RFC 3602, RFC
 * 2404), through lib/crypto, so it runs on the build's crypto backend.
 */
#include "null_vpn_seal.h"

#include <string.h>

#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

#define HEADER 8   /* SPI and 32-bit sequence number */
#define GCM_IV 8   /* explicit IV, RFC 4106 section 3.1 */
#define GCM_TAG 16 /* ICV of aes128gcm16 */
#define CBC_IV 16  /* one AES block, RFC 3602 section 3 */
#define SHA1_ICV 12
#define TRAILER 2 /* pad length and next header */
#define NEXT_HEADER_IPV4 4

int nv_suite_parse(const char *name, enum nv_suite *suite) {
  if (strcmp(name, "aes128gcm16") == 0)
    *suite = NV_SUITE_AES128_GCM16;
  else if (strcmp(name, "aes128-sha1") == 0)
    *suite = NV_SUITE_AES128_SHA1;
  else
    return -1;
  return 0;
}

/* Key material for a purpose: HMAC-SHA256(secret, label | direction). */
static int derive(const char *secret, const char *label, int direction,
                  uint8_t out[32]) {
  uint8_t dir = (uint8_t)direction;
  l2tpsec__iovec parts[2] = {{label, strlen(label)}, {&dir, 1}};

  return l2tpsec__hmac(L2TPSEC_HASH_SHA256, (const uint8_t *)secret,
                       strlen(secret), parts, 2, out);
}

int nv_seal_init(nv_keys *s, enum nv_suite suite, const char *secret,
                 int direction) {
  uint8_t enc[32], auth[32];
  int rv;

  memset(s, 0, sizeof(*s));
  s->suite = suite;
  s->spi = 0x1000u + (uint32_t)direction;
  rv = derive(secret, "encryption", direction, enc);
  if (rv == 0)
    rv = derive(secret, "integrity", direction, auth);
  if (rv == 0 && suite == NV_SUITE_AES128_GCM16) {
    memcpy(s->salt, enc + 16, sizeof(s->salt));
    rv = l2tpsec__cipher_new(&s->cipher, L2TPSEC_CIPHER_AES_GCM, enc, 16);
  } else if (rv == 0) {
    rv = l2tpsec__cipher_new(&s->cipher, L2TPSEC_CIPHER_AES_CBC, enc, 16);
    if (rv == 0)
      rv = l2tpsec__hmac_new(&s->hmac, L2TPSEC_HASH_SHA1, auth, 20);
  }
  l2tpsec_wipe(enc, sizeof(enc));
  l2tpsec_wipe(auth, sizeof(auth));
  return rv;
}

void nv_seal_free(nv_keys *s) {
  l2tpsec__cipher_del(s->cipher);
  l2tpsec__hmac_del(s->hmac);
  memset(s, 0, sizeof(*s));
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

/* Appends the padding, pad length and next header; returns the new end. */
static size_t add_trailer(uint8_t *body, size_t len, size_t block) {
  size_t padded = (len + TRAILER + block - 1) / block * block;
  size_t pad = padded - len - TRAILER;

  for (size_t i = 0; i < pad; i++)
    body[len + i] = (uint8_t)(i + 1); /* RFC 4303 section 2.4 */
  body[len + pad] = (uint8_t)pad;
  body[len + pad + 1] = NEXT_HEADER_IPV4;
  return padded;
}

static long seal_gcm(nv_keys *s, const uint8_t *in, size_t len, uint8_t *out) {
  uint8_t nonce[12];
  uint8_t *iv = out + HEADER, *body = iv + GCM_IV;
  size_t body_len;
  int rv;

  memcpy(nonce, s->salt, 4);
  put32(nonce + 4, (uint32_t)(s->seq >> 32));
  put32(nonce + 8, (uint32_t)s->seq);
  memcpy(iv, nonce + 4, GCM_IV);
  memcpy(body, in, len);
  body_len = add_trailer(body, len, 4);
  rv = l2tpsec__gcm_encrypt(s->cipher, nonce, sizeof(nonce), out, HEADER, body,
                            body, body_len, body + body_len, GCM_TAG);
  return rv < 0 ? rv : (long)(HEADER + GCM_IV + body_len + GCM_TAG);
}

/* The CBC IV is the encryption of the sequence number: unpredictable to
 * an outsider without a random source call per packet. */
static int cbc_iv(nv_keys *s, uint8_t iv[CBC_IV]) {
  static const uint8_t zero[CBC_IV];
  uint8_t block[CBC_IV] = {0};

  put32(block + 8, (uint32_t)(s->seq >> 32));
  put32(block + 12, (uint32_t)s->seq);
  return l2tpsec__cbc_encrypt(s->cipher, zero, block, iv, CBC_IV);
}

static int hmac_sha1_96(nv_keys *s, const uint8_t *data, size_t len,
                        uint8_t out[L2TPSEC_HASH_MAX]) {
  int rv = l2tpsec__hmac_start(s->hmac);

  if (rv == 0)
    rv = l2tpsec__hmac_update(s->hmac, data, len);
  if (rv == 0)
    rv = l2tpsec__hmac_finish(s->hmac, out);
  return rv;
}

static long seal_cbc(nv_keys *s, const uint8_t *in, size_t len, uint8_t *out) {
  uint8_t *iv = out + HEADER, *body = iv + CBC_IV;
  uint8_t icv[L2TPSEC_HASH_MAX];
  size_t body_len, total;
  int rv = cbc_iv(s, iv);

  memcpy(body, in, len);
  body_len = add_trailer(body, len, 16);
  if (rv == 0)
    rv = l2tpsec__cbc_encrypt(s->cipher, iv, body, body, body_len);
  total = HEADER + CBC_IV + body_len;
  if (rv == 0)
    rv = hmac_sha1_96(s, out, total, icv);
  memcpy(out + total, icv, SHA1_ICV);
  return rv < 0 ? rv : (long)(total + SHA1_ICV);
}

long nv_seal(nv_keys *s, const uint8_t *in, size_t len, uint8_t *out) {
  s->seq++;
  put32(out, s->spi);
  put32(out + 4, (uint32_t)s->seq);
  if (s->suite == NV_SUITE_AES128_GCM16)
    return seal_gcm(s, in, len, out);
  return seal_cbc(s, in, len, out);
}

/* Removes the trailer from decrypted bytes; returns the payload length. */
static long strip_trailer(const uint8_t *body, size_t len) {
  size_t pad;

  if (len < TRAILER)
    return L2TPSEC_ERR_MALFORMED;
  pad = body[len - 2];
  if (pad + TRAILER > len || body[len - 1] != NEXT_HEADER_IPV4)
    return L2TPSEC_ERR_MALFORMED;
  return (long)(len - TRAILER - pad);
}

static long open_gcm(nv_keys *s, const uint8_t *in, size_t len, uint8_t *out) {
  uint8_t nonce[12];
  size_t body_len;
  int rv;

  if (len < HEADER + GCM_IV + GCM_TAG + TRAILER)
    return L2TPSEC_ERR_MALFORMED;
  body_len = len - HEADER - GCM_IV - GCM_TAG;
  memcpy(nonce, s->salt, 4);
  memcpy(nonce + 4, in + HEADER, GCM_IV);
  rv = l2tpsec__gcm_decrypt(s->cipher, nonce, sizeof(nonce), in, HEADER,
                            in + HEADER + GCM_IV, out, body_len,
                            in + len - GCM_TAG, GCM_TAG);
  return rv < 0 ? rv : strip_trailer(out, body_len);
}

static long open_cbc(nv_keys *s, const uint8_t *in, size_t len, uint8_t *out) {
  uint8_t icv[L2TPSEC_HASH_MAX];
  size_t body_len;
  int rv;

  if (len < HEADER + CBC_IV + 16 + SHA1_ICV)
    return L2TPSEC_ERR_MALFORMED;
  body_len = len - HEADER - CBC_IV - SHA1_ICV;
  if (body_len % 16 != 0)
    return L2TPSEC_ERR_MALFORMED;
  rv = hmac_sha1_96(s, in, len - SHA1_ICV, icv);
  if (rv == 0 && !l2tpsec_memeq_consttime(icv, in + len - SHA1_ICV, SHA1_ICV))
    rv = L2TPSEC_ERR_INTEGRITY;
  if (rv == 0)
    rv = l2tpsec__cbc_decrypt(s->cipher, in + HEADER, in + HEADER + CBC_IV, out,
                              body_len);
  return rv < 0 ? rv : strip_trailer(out, body_len);
}

long nv_open(nv_keys *s, const uint8_t *in, size_t len, uint8_t *out) {
  if (len < HEADER || get32(in) != s->spi)
    return L2TPSEC_ERR_MALFORMED;
  if (s->suite == NV_SUITE_AES128_GCM16)
    return open_gcm(s, in, len, out);
  return open_cbc(s, in, len, out);
}
