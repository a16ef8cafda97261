/*
 * AVP codec (RFC 2661 section 4): a parser that walks the AVPs of one
 * control message into an l2tpsec__l2tp_msg, revealing hidden AVPs, and a
 * writer that appends AVPs, hiding them on request.
 */
#ifndef L2TPSEC_L2TP_AVP_H
#define L2TPSEC_L2TP_AVP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l2tp/proto.h"

/* A byte range inside the message being parsed. */
typedef struct l2tpsec__l2tp_bytes {
  const uint8_t *data;
  size_t len;
} l2tpsec__l2tp_bytes;

/* The decoded AVPs of one control message. */
typedef struct l2tpsec__l2tp_msg {
  uint16_t type;    /* Message Type value */
  uint64_t present; /* bit n set when attribute n was seen */

  uint16_t result_code, error_code;
  bool has_error_code;
  bool result_byte_swapped; /* Apple's little-endian Result Code */
  l2tpsec__l2tp_bytes error_message;

  uint16_t protocol_version;
  uint32_t framing_caps, bearer_caps;
  uint8_t tie_breaker[8];
  uint16_t firmware_revision;
  l2tpsec__l2tp_bytes host_name, vendor_name;
  uint16_t assigned_tunnel_id, receive_window, assigned_session_id;
  l2tpsec__l2tp_bytes challenge;
  uint8_t challenge_response[16];
  uint16_t q931_cause;
  uint8_t q931_msg;
  l2tpsec__l2tp_bytes q931_advisory;
  uint32_t call_serial, min_bps, max_bps, bearer_type, framing_type;
  l2tpsec__l2tp_bytes called_number, calling_number, sub_address;
  uint32_t tx_connect_speed, rx_connect_speed, physical_channel;
  l2tpsec__l2tp_bytes initial_recv_lcp, last_sent_lcp, last_recv_lcp;
  uint16_t proxy_authen_type, proxy_authen_id;
  l2tpsec__l2tp_bytes proxy_authen_name, proxy_authen_challenge;
  l2tpsec__l2tp_bytes proxy_authen_response, private_group_id;
  l2tpsec__l2tp_bytes random_vector; /* the last one in the message */
  uint32_t call_errors[6]; /* CRC, framing, HW overrun, buffer, timeout,
                              alignment */
  uint32_t accm_send, accm_recv;

  /* Why parsing failed: error code for the Result Code AVP and text. */
  uint16_t fail_error_code;
  uint16_t fail_attr;
  const char *fail_reason;
  uint32_t hidden_failures;    /* hidden AVPs that could not be revealed */
  uint32_t unknown_skipped;    /* unknown optional AVPs ignored */
} l2tpsec__l2tp_msg;

static inline bool l2tpsec__l2tp_has(const l2tpsec__l2tp_msg *m, int attr) {
  return (m->present >> attr) & 1u;
}

/*
 * Parses the AVPs of a control message (the bytes after the 12-byte
 * header). Hidden AVPs are revealed in place, so `avps` is modified;
 * byte ranges in *msg point into it. secret may be NULL. Returns 0,
 * L2TPSEC_ERR_MALFORMED (msg->fail_* give the reason and the error code a
 * StopCCN or CDN should carry), L2TPSEC_ERR_UNSUPPORTED (unknown AVP
 * with the M bit set; fail_error_code 8) or L2TPSEC_ERR_AUTH_FAILED
 * (mandatory hidden AVP that cannot be revealed).
 */
int l2tpsec__l2tp_msg_parse(uint8_t *avps, size_t len, const uint8_t *secret,
                            size_t secret_len, l2tpsec__l2tp_msg *msg);

/* Checks that msg carries every AVP its type requires (section 6). */
int l2tpsec__l2tp_msg_check_required(l2tpsec__l2tp_msg *msg);

/* Returns the RFC name of a message type, e.g. "SCCRQ", or "unknown". */
const char *l2tpsec__l2tp_msg_name(uint16_t type);

/*
 * Writes AVPs into a caller buffer. An overflow sets `overflow` and
 * makes every later append a no-op, so builders check once at the end.
 */
typedef struct l2tpsec__l2tp_writer {
  uint8_t *buf;
  size_t cap, len;
  bool overflow;
  const uint8_t *secret; /* hide when not NULL and hide is set */
  size_t secret_len;
  bool hide;
  uint8_t random_vector[16]; /* of the last Random Vector AVP written */
  bool have_vector;
} l2tpsec__l2tp_writer;

void l2tpsec__l2tp_writer_init(l2tpsec__l2tp_writer *w, uint8_t *buf,
                               size_t cap);

/* Appends an AVP with the M bit set or clear and the given value. */
void l2tpsec__l2tp_put(l2tpsec__l2tp_writer *w, bool mandatory, uint16_t attr,
                       const void *value, size_t len);
void l2tpsec__l2tp_put_u16(l2tpsec__l2tp_writer *w, bool mandatory,
                           uint16_t attr, uint16_t value);
void l2tpsec__l2tp_put_u32(l2tpsec__l2tp_writer *w, bool mandatory,
                           uint16_t attr, uint32_t value);

/*
 * Appends a Random Vector AVP and then an AVP hidden with it (section
 * 4.3), padded with `pad` random bytes. `random` supplies 16 bytes for
 * the vector plus the padding. Needs w->secret.
 */
void l2tpsec__l2tp_put_hidden(l2tpsec__l2tp_writer *w, bool mandatory,
                              uint16_t attr, const void *value, size_t len,
                              const uint8_t *random, size_t pad);

/*
 * Hides value (len bytes, at most 1017 minus padding) for `attr` into
 * out as Original Length || value || padding, XORed with the MD5 stream
 * of section 4.3. Returns the hidden length or a negative error code.
 */
int l2tpsec__l2tp_hide(uint16_t attr, const uint8_t *secret,
                       size_t secret_len, const uint8_t *vector,
                       size_t vector_len, const uint8_t *value, size_t len,
                       const uint8_t *padding, size_t pad, uint8_t *out,
                       size_t out_cap);

/*
 * Reveals a hidden value in place. On success *value and *value_len
 * point at the original value inside `data`; padding is ignored.
 * Returns L2TPSEC_ERR_MALFORMED when the Original Length is larger than
 * what was hidden, or L2TPSEC_ERR_CRYPTO.
 */
int l2tpsec__l2tp_reveal(uint16_t attr, const uint8_t *secret,
                         size_t secret_len, const uint8_t *vector,
                         size_t vector_len, uint8_t *data, size_t len,
                         const uint8_t **value, size_t *value_len);

#endif
