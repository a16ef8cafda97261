/* ISAKMP fixed header and payload chain parsing (RFC 2408 3.1, 3.2). */
#include <string.h>

#include "ike/isakmp.h"

const char *l2tpsec__isakmp_parse_error_name(enum isakmp_parse_error e) {
  switch (e) {
  case ISAKMP_PARSE_OK:
    return "ok";
  case ISAKMP_PARSE_SHORT:
    return "shorter than the ISAKMP header";
  case ISAKMP_PARSE_LENGTH:
    return "header length differs from the datagram length";
  case ISAKMP_PARSE_VERSION:
    return "major version is not 1";
  case ISAKMP_PARSE_COOKIE:
    return "initiator cookie is zero";
  case ISAKMP_PARSE_PAYLOAD_LEN:
    return "payload length invalid";
  case ISAKMP_PARSE_DUPLICATE:
    return "single-instance payload repeated";
  case ISAKMP_PARSE_TOO_MANY:
    return "too many payloads";
  case ISAKMP_PARSE_TRAILING:
    return "bytes after the last payload";
  case ISAKMP_PARSE_ERROR_COUNT:
    break;
  }
  return "unknown parse error";
}

static bool is_zero(const uint8_t *p, size_t n) {
  uint8_t acc = 0;

  for (size_t i = 0; i < n; i++)
    acc |= p[i];
  return acc == 0;
}

enum isakmp_parse_error l2tpsec__isakmp_parse_hdr(const uint8_t *data,
                                                  size_t len, isakmp_hdr *hdr) {
  if (len < ISAKMP_HDR_LEN)
    return ISAKMP_PARSE_SHORT;

  memcpy(hdr->icookie, data, ISAKMP_COOKIE_LEN);
  memcpy(hdr->rcookie, data + 8, ISAKMP_COOKIE_LEN);
  hdr->next_payload = data[16];
  hdr->version = data[17];
  hdr->exchange = data[18];
  hdr->flags = data[19];
  hdr->message_id = isakmp_get32(data + 20);
  hdr->length = isakmp_get32(data + 24);

  if (hdr->length != len)
    return ISAKMP_PARSE_LENGTH;
  if ((hdr->version >> 4) != 1)
    return ISAKMP_PARSE_VERSION;
  if (is_zero(hdr->icookie, ISAKMP_COOKIE_LEN))
    return ISAKMP_PARSE_COOKIE;
  return ISAKMP_PARSE_OK;
}

/* Stores a payload that may appear at most once. */
static enum isakmp_parse_error set_single(isakmp_payload *slot,
                                          isakmp_payload p) {
  if (slot->body != NULL)
    return ISAKMP_PARSE_DUPLICATE;
  *slot = p;
  return ISAKMP_PARSE_OK;
}

/* Appends a payload to a capped array. */
static enum isakmp_parse_error add_repeated(isakmp_payload *arr, uint8_t *n,
                                            size_t cap, isakmp_payload p) {
  if (*n >= cap)
    return ISAKMP_PARSE_TOO_MANY;
  arr[(*n)++] = p;
  return ISAKMP_PARSE_OK;
}

#define ADD(field, count, p)                                                   \
  add_repeated(msg->field, &msg->count,                                        \
               sizeof(msg->field) / sizeof(msg->field[0]), p)

static enum isakmp_parse_error store_natd(isakmp_msg *msg, uint8_t type,
                                          isakmp_payload p) {
  /* A peer that mixes the RFC and the draft numbers is malformed. */
  bool draft = type == ISAKMP_NP_NATD_DRAFT;

  if (msg->n_natd > 0 && msg->natd_draft != draft)
    return ISAKMP_PARSE_DUPLICATE;
  msg->natd_draft = draft;
  return ADD(natd, n_natd, p);
}

static enum isakmp_parse_error store_payload(isakmp_msg *msg, uint8_t type,
                                             isakmp_payload p) {
  switch (type) {
  case ISAKMP_NP_SA:
    return set_single(&msg->sa, p);
  case ISAKMP_NP_KE:
    return set_single(&msg->ke, p);
  case ISAKMP_NP_HASH:
    return set_single(&msg->hash, p);
  case ISAKMP_NP_SIG:
    return set_single(&msg->sig, p);
  case ISAKMP_NP_NONCE:
    return set_single(&msg->nonce, p);
  case ISAKMP_NP_FRAG:
    return set_single(&msg->frag, p);
  case ISAKMP_NP_ID:
    return ADD(id, n_id, p);
  case ISAKMP_NP_VID:
    return ADD(vid, n_vid, p);
  case ISAKMP_NP_NATD:
  case ISAKMP_NP_NATD_DRAFT:
    return store_natd(msg, type, p);
  case ISAKMP_NP_NATOA:
  case ISAKMP_NP_NATOA_DRAFT:
    return ADD(natoa, n_natoa, p);
  case ISAKMP_NP_N:
    return ADD(notify, n_notify, p);
  case ISAKMP_NP_D:
    return ADD(del, n_del, p);
  case ISAKMP_NP_CERT:
    return ADD(cert, n_cert, p);
  case ISAKMP_NP_CR:
    return ADD(cr, n_cr, p);
  default:
    /* Unknown types (the pre-RFC NAT-D number 15, private ones) are
     * skipped: their length still bounds the walk. */
    msg->n_unknown++;
    return ISAKMP_PARSE_OK;
  }
}

enum isakmp_parse_error
l2tpsec__isakmp_parse_payloads(const uint8_t *body, size_t len, uint8_t first,
                               bool padded, isakmp_msg *msg) {
  size_t off = 0;
  uint8_t type = first;
  unsigned count = 0;

  msg->first_type = first;
  while (type != ISAKMP_NP_NONE) {
    if (++count > ISAKMP_MAX_PAYLOADS)
      return ISAKMP_PARSE_TOO_MANY;
    if (len - off < ISAKMP_GENERIC_LEN)
      return ISAKMP_PARSE_PAYLOAD_LEN;

    size_t plen = isakmp_get16(body + off + 2);
    if (plen < ISAKMP_GENERIC_LEN || plen > len - off)
      return ISAKMP_PARSE_PAYLOAD_LEN;

    isakmp_payload p = {body + off + ISAKMP_GENERIC_LEN,
                        plen - ISAKMP_GENERIC_LEN};
    if (type == ISAKMP_NP_HASH)
      msg->hash_offset = off;
    enum isakmp_parse_error e = store_payload(msg, type, p);
    if (e != ISAKMP_PARSE_OK)
      return e;

    type = body[off];
    off += plen;
  }

  msg->payloads_end = off;
  if (off != len && !padded)
    return ISAKMP_PARSE_TRAILING;
  return ISAKMP_PARSE_OK;
}

enum isakmp_parse_error
l2tpsec__isakmp_parse_clear(const uint8_t *data, size_t len, isakmp_msg *msg) {
  memset(msg, 0, sizeof(*msg));

  enum isakmp_parse_error e = l2tpsec__isakmp_parse_hdr(data, len, &msg->hdr);
  if (e != ISAKMP_PARSE_OK)
    return e;
  return l2tpsec__isakmp_parse_payloads(data + ISAKMP_HDR_LEN,
                                        len - ISAKMP_HDR_LEN,
                                        msg->hdr.next_payload, false, msg);
}
