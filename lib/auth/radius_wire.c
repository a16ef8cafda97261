/* RADIUS packet writer and authenticators (RFC 2865, 2866, 3579, 5176). */
#include <string.h>

#include "auth/radius_wire.h"
#include "crypto/crypto.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

void l2tpsec__radius_begin(l2tpsec__radius_writer *w, uint8_t *buf, size_t cap,
                           uint8_t code, uint8_t id,
                           const uint8_t auth[RADIUS_AUTH_LEN]) {
  w->buf = buf;
  w->cap = cap < RADIUS_PACKET_MAX ? cap : RADIUS_PACKET_MAX;
  w->len = RADIUS_HEADER_LEN;
  w->ma_offset = 0;
  w->failed = cap < RADIUS_HEADER_LEN;
  if (w->failed)
    return;

  buf[0] = code;
  buf[1] = id;
  put16(buf + 2, 0);
  memcpy(buf + 4, auth, RADIUS_AUTH_LEN);
}

/* Reserves an attribute header plus len value bytes; NULL on failure. */
static uint8_t *reserve(l2tpsec__radius_writer *w, uint8_t type, size_t len) {
  uint8_t *p;

  if (w->failed || len == 0 || len > 253 || w->cap - w->len < len + 2) {
    w->failed = true;
    return NULL;
  }

  p = w->buf + w->len;
  p[0] = type;
  p[1] = (uint8_t)(len + 2);
  w->len += len + 2;
  return p + 2;
}

void l2tpsec__radius_add(l2tpsec__radius_writer *w, uint8_t type,
                         const void *value, size_t len) {
  uint8_t *p = reserve(w, type, len);

  if (p != NULL)
    memcpy(p, value, len);
}

void l2tpsec__radius_add_string(l2tpsec__radius_writer *w, uint8_t type,
                                const char *value) {
  if (value != NULL && value[0] != '\0')
    l2tpsec__radius_add(w, type, value, strlen(value));
}

void l2tpsec__radius_add_u32(l2tpsec__radius_writer *w, uint8_t type,
                             uint32_t value) {
  uint8_t *p = reserve(w, type, 4);

  if (p != NULL)
    put32(p, value);
}

void l2tpsec__radius_add_vendor(l2tpsec__radius_writer *w, uint32_t vendor,
                                uint8_t type, const void *value, size_t len) {
  uint8_t *p;

  if (len > 247) {
    w->failed = true;
    return;
  }

  p = reserve(w, RADIUS_VENDOR_SPECIFIC, len + 6);
  if (p == NULL)
    return;
  put32(p, vendor);
  p[4] = type;
  p[5] = (uint8_t)(len + 2);
  memcpy(p + 6, value, len);
}

void l2tpsec__radius_add_message_authenticator(l2tpsec__radius_writer *w) {
  uint8_t *p = reserve(w, RADIUS_MESSAGE_AUTHENTICATOR, RADIUS_MA_LEN);

  if (p == NULL)
    return;
  memset(p, 0, RADIUS_MA_LEN);
  w->ma_offset = (size_t)(p - w->buf);
}

/* Computes HMAC-MD5 over the current packet with the MA field zeroed. */
static int fill_message_authenticator(l2tpsec__radius_writer *w,
                                      const uint8_t *secret,
                                      size_t secret_len) {
  l2tpsec__iovec part = {w->buf, w->len};

  if (w->ma_offset == 0)
    return 0;
  memset(w->buf + w->ma_offset, 0, RADIUS_MA_LEN);
  return l2tpsec__hmac(L2TPSEC_HASH_MD5, secret, secret_len, &part, 1,
                       w->buf + w->ma_offset);
}

/* MD5(packet with `base` as authenticator | secret) into the header. */
static int fill_authenticator(l2tpsec__radius_writer *w,
                              const uint8_t base[RADIUS_AUTH_LEN],
                              const uint8_t *secret, size_t secret_len) {
  uint8_t digest[RADIUS_AUTH_LEN];
  l2tpsec__iovec parts[4] = {
      {w->buf, 4},
      {base, RADIUS_AUTH_LEN},
      {w->buf + RADIUS_HEADER_LEN, w->len - RADIUS_HEADER_LEN},
      {secret, secret_len},
  };
  int rc = l2tpsec__hash(L2TPSEC_HASH_MD5, parts, 4, digest);

  if (rc == 0)
    memcpy(w->buf + 4, digest, RADIUS_AUTH_LEN);
  return rc;
}

static int finish_length(l2tpsec__radius_writer *w) {
  if (w->failed)
    return L2TPSEC_ERR_NOBUFS;
  put16(w->buf + 2, (uint16_t)w->len);
  return 0;
}

int l2tpsec__radius_finish_access_request(l2tpsec__radius_writer *w,
                                          const uint8_t *secret,
                                          size_t secret_len) {
  int rc = finish_length(w);

  if (rc == 0)
    rc = fill_message_authenticator(w, secret, secret_len);
  return rc < 0 ? rc : (int)w->len;
}

int l2tpsec__radius_finish_signed_request(l2tpsec__radius_writer *w,
                                          const uint8_t *secret,
                                          size_t secret_len) {
  static const uint8_t zero[RADIUS_AUTH_LEN];
  int rc = finish_length(w);

  if (rc == 0) {
    memset(w->buf + 4, 0, RADIUS_AUTH_LEN);
    rc = fill_message_authenticator(w, secret, secret_len);
  }
  if (rc == 0)
    rc = fill_authenticator(w, zero, secret, secret_len);
  return rc < 0 ? rc : (int)w->len;
}

int l2tpsec__radius_finish_response(l2tpsec__radius_writer *w,
                                    const uint8_t req_auth[RADIUS_AUTH_LEN],
                                    const uint8_t *secret, size_t secret_len) {
  int rc = finish_length(w);

  if (rc == 0) {
    memcpy(w->buf + 4, req_auth, RADIUS_AUTH_LEN);
    rc = fill_message_authenticator(w, secret, secret_len);
  }
  if (rc == 0)
    rc = fill_authenticator(w, req_auth, secret, secret_len);
  return rc < 0 ? rc : (int)w->len;
}

enum radius_check l2tpsec__radius_check_layout(const uint8_t *data, size_t len,
                                               size_t *packet_len) {
  size_t length;
  size_t pos = RADIUS_HEADER_LEN;

  if (data == NULL || len < RADIUS_HEADER_LEN)
    return RADIUS_CHECK_SHORT;

  length = radius_get16(data + 2);
  if (length < RADIUS_HEADER_LEN || length > RADIUS_PACKET_MAX || length > len)
    return RADIUS_CHECK_LENGTH;

  while (pos < length) {
    if (length - pos < 2 || data[pos + 1] < 2 || data[pos + 1] > length - pos)
      return RADIUS_CHECK_ATTRIBUTES;
    pos += data[pos + 1];
  }

  *packet_len = length;
  return RADIUS_CHECK_OK;
}

/* Finds the only Message-Authenticator; 0 when absent, -1 when invalid. */
static long find_message_authenticator(const uint8_t *pkt, size_t len) {
  l2tpsec__radius_iter it;
  const uint8_t *value;
  size_t vlen;
  uint8_t type;
  long found = 0;

  l2tpsec__radius_iter_init(&it, pkt, len);
  while (l2tpsec__radius_iter_next(&it, &type, &value, &vlen)) {
    if (type != RADIUS_MESSAGE_AUTHENTICATOR)
      continue;
    if (found != 0 || vlen != RADIUS_MA_LEN)
      return -1;
    found = value - pkt;
  }
  return found;
}

/*
 * Recomputes the Message-Authenticator of a received packet with `base`
 * in the authenticator field (RFC 3579 section 3.2) and compares it.
 */
static enum radius_check check_ma(const uint8_t *pkt, size_t len,
                                  const uint8_t base[RADIUS_AUTH_LEN],
                                  const uint8_t *secret, size_t secret_len,
                                  bool require_ma) {
  uint8_t copy[RADIUS_PACKET_MAX];
  uint8_t mac[RADIUS_MA_LEN];
  l2tpsec__iovec part = {copy, len};
  long offset = find_message_authenticator(pkt, len);
  bool equal;

  if (offset < 0)
    return RADIUS_CHECK_BAD_MA;
  if (offset == 0)
    return require_ma ? RADIUS_CHECK_NO_MA : RADIUS_CHECK_OK;

  memcpy(copy, pkt, len);
  memcpy(copy + 4, base, RADIUS_AUTH_LEN);
  memset(copy + offset, 0, RADIUS_MA_LEN);
  if (l2tpsec__hmac(L2TPSEC_HASH_MD5, secret, secret_len, &part, 1, mac) != 0)
    return RADIUS_CHECK_BAD_MA;

  equal = l2tpsec_memeq_consttime(mac, pkt + offset, RADIUS_MA_LEN);
  return equal ? RADIUS_CHECK_OK : RADIUS_CHECK_BAD_MA;
}

/* Compares the header's authenticator with MD5(packet over base|secret). */
static bool authenticator_matches(const uint8_t *pkt, size_t len,
                                  const uint8_t base[RADIUS_AUTH_LEN],
                                  const uint8_t *secret, size_t secret_len) {
  uint8_t digest[RADIUS_AUTH_LEN];
  l2tpsec__iovec parts[4] = {
      {pkt, 4},
      {base, RADIUS_AUTH_LEN},
      {pkt + RADIUS_HEADER_LEN, len - RADIUS_HEADER_LEN},
      {secret, secret_len},
  };

  if (l2tpsec__hash(L2TPSEC_HASH_MD5, parts, 4, digest) != 0)
    return false;
  return l2tpsec_memeq_consttime(digest, pkt + 4, RADIUS_AUTH_LEN);
}

enum radius_check l2tpsec__radius_check_response(
    const uint8_t *pkt, size_t len, const uint8_t req_auth[RADIUS_AUTH_LEN],
    const uint8_t *secret, size_t secret_len, bool require_ma) {
  static const uint8_t zero[RADIUS_AUTH_LEN];
  enum radius_check check;

  if (!authenticator_matches(pkt, len, req_auth, secret, secret_len))
    return RADIUS_CHECK_AUTHENTICATOR;

  check = check_ma(pkt, len, req_auth, secret, secret_len, require_ma);
  /*
   * No RFC defines the Message-Authenticator of an Accounting-Response,
   * and FreeRADIUS 3.2 computes it over a zero authenticator field, so
   * that form is accepted too. The Response Authenticator checked above
   * already binds the reply to the request.
   */
  if (check == RADIUS_CHECK_BAD_MA && pkt[0] == RADIUS_ACCOUNTING_RESPONSE)
    check = check_ma(pkt, len, zero, secret, secret_len, require_ma);
  return check;
}

enum radius_check l2tpsec__radius_check_signed_request(const uint8_t *pkt,
                                                       size_t len,
                                                       const uint8_t *secret,
                                                       size_t secret_len,
                                                       bool require_ma) {
  static const uint8_t zero[RADIUS_AUTH_LEN];

  if (!authenticator_matches(pkt, len, zero, secret, secret_len))
    return RADIUS_CHECK_AUTHENTICATOR;
  return check_ma(pkt, len, zero, secret, secret_len, require_ma);
}

const char *l2tpsec__radius_check_name(enum radius_check check) {
  switch (check) {
  case RADIUS_CHECK_OK:
    return "valid";
  case RADIUS_CHECK_SHORT:
    return "shorter than the 20-byte header";
  case RADIUS_CHECK_LENGTH:
    return "Length field outside 20..4096 or beyond the datagram";
  case RADIUS_CHECK_ATTRIBUTES:
    return "attribute length overruns the packet";
  case RADIUS_CHECK_AUTHENTICATOR:
    return "authenticator mismatch (wrong shared secret or forged)";
  case RADIUS_CHECK_NO_MA:
    return "Message-Authenticator missing";
  case RADIUS_CHECK_BAD_MA:
    return "Message-Authenticator invalid";
  }
  return "unknown";
}

void l2tpsec__radius_iter_init(l2tpsec__radius_iter *it, const uint8_t *pkt,
                               size_t len) {
  it->pos = pkt + RADIUS_HEADER_LEN;
  it->end = pkt + len;
}

bool l2tpsec__radius_iter_next(l2tpsec__radius_iter *it, uint8_t *type,
                               const uint8_t **value, size_t *len) {
  size_t left = (size_t)(it->end - it->pos);

  if (left < 2 || it->pos[1] < 2 || it->pos[1] > left)
    return false;

  *type = it->pos[0];
  *value = it->pos + 2;
  *len = (size_t)it->pos[1] - 2;
  it->pos += it->pos[1];
  return true;
}

bool l2tpsec__radius_split_vendor(const uint8_t *value, size_t len,
                                  uint32_t *vendor, uint8_t *type,
                                  const uint8_t **vvalue, size_t *vlen) {
  if (len < 6 || value[5] < 2 || value[5] != len - 4)
    return false;

  *vendor = radius_get32(value);
  *type = value[4];
  *vvalue = value + 6;
  *vlen = (size_t)value[5] - 2;
  return true;
}

int l2tpsec__radius_hide_password(const uint8_t *password, size_t len,
                                  const uint8_t *secret, size_t secret_len,
                                  const uint8_t req_auth[RADIUS_AUTH_LEN],
                                  uint8_t *out, size_t *out_len) {
  const uint8_t *previous = req_auth;
  uint8_t pad[RADIUS_AUTH_LEN];
  size_t padded;

  if (len == 0 || len > 128)
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  padded = (len + 15) & ~(size_t)15;
  memset(out, 0, padded);
  memcpy(out, password, len);

  for (size_t off = 0; off < padded; off += RADIUS_AUTH_LEN) {
    l2tpsec__iovec parts[2] = {{secret, secret_len},
                               {previous, RADIUS_AUTH_LEN}};
    int rc = l2tpsec__hash(L2TPSEC_HASH_MD5, parts, 2, pad);

    if (rc != 0) {
      l2tpsec_wipe(out, padded);
      return rc;
    }
    for (size_t i = 0; i < RADIUS_AUTH_LEN; i++)
      out[off + i] ^= pad[i];
    previous = out + off;
  }

  l2tpsec_wipe(pad, sizeof(pad));
  *out_len = padded;
  return 0;
}
