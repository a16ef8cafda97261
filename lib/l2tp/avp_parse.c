/* AVP parser (RFC 2661 sections 4.1 to 4.4). */
#include <stddef.h>
#include <string.h>

#include "l2tp/avp.h"
#include "l2tp/bytes.h"
#include "l2tpsec/errors.h"

/* Storage kind of an attribute's value in l2tpsec__l2tp_msg. */
enum avp_kind {
  K_UNUSED = 0, /* reserved attribute number: treated as unknown */
  K_U16,
  K_U32,
  K_BYTES,
  K_FIXED, /* exactly min_len bytes copied into an array */
  K_EMPTY,
  K_RESULT,
  K_Q931,
  K_CALL_ERRORS,
  K_ACCM,
};

struct avp_rule {
  enum avp_kind kind;
  uint16_t min_len, max_len; /* value length, header excluded */
  bool never_hidden;         /* section 4.3: MUST NOT be hidden */
  size_t offset;             /* field in l2tpsec__l2tp_msg */
};

#define VAL_MAX (L2TP_AVP_LEN_MASK - L2TP_AVP_HEADER_LEN)
#define F(field) offsetof(l2tpsec__l2tp_msg, field)

/* Value lengths from the "Length" line of each AVP in section 4.4. */
static const struct avp_rule rules[L2TP_AVP_COUNT] = {
    [L2TP_AVP_MESSAGE_TYPE] = {K_U16, 2, 2, true, F(type)},
    [L2TP_AVP_RESULT_CODE] = {K_RESULT, 2, VAL_MAX, false, 0},
    [L2TP_AVP_PROTOCOL_VERSION] = {K_U16, 2, 2, false, F(protocol_version)},
    [L2TP_AVP_FRAMING_CAPS] = {K_U32, 4, 4, false, F(framing_caps)},
    [L2TP_AVP_BEARER_CAPS] = {K_U32, 4, 4, false, F(bearer_caps)},
    [L2TP_AVP_TIE_BREAKER] = {K_FIXED, 8, 8, false, F(tie_breaker)},
    [L2TP_AVP_FIRMWARE_REVISION] = {K_U16, 2, 2, false, F(firmware_revision)},
    [L2TP_AVP_HOST_NAME] = {K_BYTES, 1, VAL_MAX, false, F(host_name)},
    [L2TP_AVP_VENDOR_NAME] = {K_BYTES, 0, VAL_MAX, false, F(vendor_name)},
    [L2TP_AVP_ASSIGNED_TUNNEL_ID] = {K_U16, 2, 2, false,
                                     F(assigned_tunnel_id)},
    [L2TP_AVP_RECEIVE_WINDOW] = {K_U16, 2, 2, false, F(receive_window)},
    [L2TP_AVP_CHALLENGE] = {K_BYTES, 1, VAL_MAX, false, F(challenge)},
    [L2TP_AVP_Q931_CAUSE] = {K_Q931, 3, VAL_MAX, false, 0},
    [L2TP_AVP_CHALLENGE_RESPONSE] = {K_FIXED, 16, 16, false,
                                     F(challenge_response)},
    [L2TP_AVP_ASSIGNED_SESSION_ID] = {K_U16, 2, 2, false,
                                      F(assigned_session_id)},
    [L2TP_AVP_CALL_SERIAL] = {K_U32, 4, 4, false, F(call_serial)},
    [L2TP_AVP_MIN_BPS] = {K_U32, 4, 4, false, F(min_bps)},
    [L2TP_AVP_MAX_BPS] = {K_U32, 4, 4, false, F(max_bps)},
    [L2TP_AVP_BEARER_TYPE] = {K_U32, 4, 4, false, F(bearer_type)},
    [L2TP_AVP_FRAMING_TYPE] = {K_U32, 4, 4, false, F(framing_type)},
    [L2TP_AVP_CALLED_NUMBER] = {K_BYTES, 0, VAL_MAX, false, F(called_number)},
    [L2TP_AVP_CALLING_NUMBER] = {K_BYTES, 0, VAL_MAX, false,
                                 F(calling_number)},
    [L2TP_AVP_SUB_ADDRESS] = {K_BYTES, 0, VAL_MAX, false, F(sub_address)},
    [L2TP_AVP_TX_CONNECT_SPEED] = {K_U32, 4, 4, false, F(tx_connect_speed)},
    [L2TP_AVP_PHYSICAL_CHANNEL] = {K_U32, 4, 4, false, F(physical_channel)},
    [L2TP_AVP_INITIAL_RECV_LCP] = {K_BYTES, 0, VAL_MAX, false,
                                   F(initial_recv_lcp)},
    [L2TP_AVP_LAST_SENT_LCP] = {K_BYTES, 0, VAL_MAX, false, F(last_sent_lcp)},
    [L2TP_AVP_LAST_RECV_LCP] = {K_BYTES, 0, VAL_MAX, false, F(last_recv_lcp)},
    [L2TP_AVP_PROXY_AUTHEN_TYPE] = {K_U16, 2, 2, false, F(proxy_authen_type)},
    [L2TP_AVP_PROXY_AUTHEN_NAME] = {K_BYTES, 0, VAL_MAX, false,
                                    F(proxy_authen_name)},
    [L2TP_AVP_PROXY_AUTHEN_CHALLENGE] = {K_BYTES, 1, VAL_MAX, false,
                                         F(proxy_authen_challenge)},
    [L2TP_AVP_PROXY_AUTHEN_ID] = {K_U16, 2, 2, false, F(proxy_authen_id)},
    [L2TP_AVP_PROXY_AUTHEN_RESPONSE] = {K_BYTES, 0, VAL_MAX, false,
                                        F(proxy_authen_response)},
    [L2TP_AVP_CALL_ERRORS] = {K_CALL_ERRORS, 26, 26, false, 0},
    [L2TP_AVP_ACCM] = {K_ACCM, 10, 10, false, 0},
    [L2TP_AVP_RANDOM_VECTOR] = {K_BYTES, 1, VAL_MAX, true, F(random_vector)},
    [L2TP_AVP_PRIVATE_GROUP_ID] = {K_BYTES, 0, VAL_MAX, false,
                                   F(private_group_id)},
    [L2TP_AVP_RX_CONNECT_SPEED] = {K_U32, 4, 4, false, F(rx_connect_speed)},
    [L2TP_AVP_SEQUENCING_REQUIRED] = {K_EMPTY, 0, 0, false, 0},
};

static int fail(l2tpsec__l2tp_msg *msg, int err, uint16_t code,
                uint16_t attr, const char *reason) {
  msg->fail_error_code = code;
  msg->fail_attr = attr;
  msg->fail_reason = reason;
  return err;
}

static uint16_t swap16(uint16_t v) {
  return (uint16_t)((v >> 8) | (v << 8));
}

/*
 * Result Code: result, then an optional error code and message (section
 * 4.4.2 allows the 2-byte form). Apple's L2TP client writes both codes
 * little-endian: a code that is undefined for the message type but valid
 * when byte-swapped is read swapped, and the message records it.
 */
static int decode_result(l2tpsec__l2tp_msg *msg, const uint8_t *v,
                         size_t len) {
  uint16_t max = msg->type == L2TP_MSG_STOPCCN ? L2TP_STOP_RESULT_MAX
                                               : L2TP_CDN_RESULT_MAX;
  uint16_t result;
  uint16_t error = 0;

  if (len == 3)
    return fail(msg, L2TPSEC_ERR_MALFORMED, L2TP_ERR_BAD_LENGTH,
                L2TP_AVP_RESULT_CODE, "Result Code AVP of 3 bytes");

  result = l2tp_get16(v);
  if (len >= 4)
    error = l2tp_get16(v + 2);
  if (result > max && swap16(result) >= 1 && swap16(result) <= max) {
    result = swap16(result);
    if (swap16(error) <= L2TP_ERR_CODE_MAX)
      error = swap16(error);
    msg->result_byte_swapped = true;
  }

  msg->result_code = result;
  msg->error_code = error;
  msg->has_error_code = len >= 4;
  msg->error_message.data = len > 4 ? v + 4 : NULL;
  msg->error_message.len = len > 4 ? len - 4 : 0;
  return 0;
}

static void decode_fixed_kinds(l2tpsec__l2tp_msg *msg, enum avp_kind kind,
                               const uint8_t *v, size_t len) {
  switch (kind) {
  case K_Q931:
    msg->q931_cause = l2tp_get16(v);
    msg->q931_msg = v[2];
    msg->q931_advisory.data = v + 3;
    msg->q931_advisory.len = len - 3;
    break;
  case K_CALL_ERRORS:
    /* Two reserved bytes, then six 32-bit counters. */
    for (int i = 0; i < 6; i++)
      msg->call_errors[i] = l2tp_get32(v + 2 + 4 * i);
    break;
  case K_ACCM:
    /* Two reserved bytes, then Send ACCM and Receive ACCM. */
    msg->accm_send = l2tp_get32(v + 2);
    msg->accm_recv = l2tp_get32(v + 6);
    break;
  default:
    break;
  }
}

static int decode_value(l2tpsec__l2tp_msg *msg, uint16_t attr,
                        const uint8_t *v, size_t len) {
  const struct avp_rule *r = &rules[attr];
  uint8_t *field = (uint8_t *)msg + r->offset;
  l2tpsec__l2tp_bytes bytes = {v, len};
  uint16_t u16;
  uint32_t u32;

  if (len < r->min_len || len > r->max_len)
    return fail(msg, L2TPSEC_ERR_MALFORMED, L2TP_ERR_BAD_LENGTH, attr,
                "AVP value length outside the RFC 2661 range");

  switch (r->kind) {
  case K_U16:
    u16 = l2tp_get16(v);
    memcpy(field, &u16, sizeof(u16));
    return 0;
  case K_U32:
    u32 = l2tp_get32(v);
    memcpy(field, &u32, sizeof(u32));
    return 0;
  case K_BYTES:
    memcpy(field, &bytes, sizeof(bytes));
    return 0;
  case K_FIXED:
    memcpy(field, v, r->min_len);
    return 0;
  case K_RESULT:
    return decode_result(msg, v, len);
  default:
    decode_fixed_kinds(msg, r->kind, v, len);
    return 0;
  }
}

static bool is_known(uint16_t flags, uint16_t vendor, uint16_t attr) {
  /* Section 4.1: an AVP with a reserved bit set counts as unrecognized. */
  if ((flags & L2TP_AVP_RESERVED) != 0 || vendor != 0)
    return false;
  return attr < L2TP_AVP_COUNT && rules[attr].kind != K_UNUSED;
}

/* State carried from one AVP to the next while walking a message. */
struct walk {
  const uint8_t *secret;
  size_t secret_len;
  const uint8_t *vector; /* latest Random Vector, section 4.3 */
  size_t vector_len;
};

static int reveal(l2tpsec__l2tp_msg *msg, struct walk *w, uint16_t attr,
                  bool mandatory, uint8_t *v, size_t len,
                  const uint8_t **out, size_t *out_len) {
  int rc;

  if (rules[attr].never_hidden)
    return fail(msg, L2TPSEC_ERR_MALFORMED, L2TP_ERR_BAD_VALUE, attr,
                "H bit set on an AVP that must not be hidden");

  if (w->secret == NULL || w->vector == NULL) {
    msg->hidden_failures++;
    if (!mandatory)
      return 1; /* skip it */
    return fail(msg, L2TPSEC_ERR_AUTH_FAILED, L2TP_ERR_BAD_VALUE, attr,
                w->secret == NULL
                    ? "hidden AVP but no tunnel secret configured"
                    : "hidden AVP without a preceding Random Vector");
  }

  rc = l2tpsec__l2tp_reveal(attr, w->secret, w->secret_len, w->vector,
                            w->vector_len, v, len, out, out_len);
  if (rc != 0) {
    msg->hidden_failures++;
    return fail(msg, L2TPSEC_ERR_MALFORMED, L2TP_ERR_BAD_LENGTH, attr,
                "hidden AVP's original length exceeds its value");
  }
  return 0;
}

/* Parses one AVP of `alen` bytes at p (header already bounds-checked). */
static int parse_one(l2tpsec__l2tp_msg *msg, struct walk *w, uint8_t *p,
                     size_t alen, bool first) {
  uint16_t flags = l2tp_get16(p);
  uint16_t vendor = l2tp_get16(p + 2);
  uint16_t attr = l2tp_get16(p + 4);
  bool mandatory = (flags & L2TP_AVP_M) != 0;
  const uint8_t *value = p + L2TP_AVP_HEADER_LEN;
  size_t value_len = alen - L2TP_AVP_HEADER_LEN;
  int rc;

  if (first && (vendor != 0 || attr != L2TP_AVP_MESSAGE_TYPE))
    return fail(msg, L2TPSEC_ERR_MALFORMED, L2TP_ERR_BAD_VALUE, attr,
                "first AVP is not Message Type");

  if (!is_known(flags, vendor, attr)) {
    if (mandatory)
      return fail(msg, L2TPSEC_ERR_UNSUPPORTED, L2TP_ERR_UNKNOWN_MANDATORY,
                  attr, "unknown AVP with the M bit set");
    msg->unknown_skipped++;
    return 0;
  }

  if (flags & L2TP_AVP_H) {
    rc = reveal(msg, w, attr, mandatory, p + L2TP_AVP_HEADER_LEN, value_len,
                &value, &value_len);
    if (rc != 0)
      return rc > 0 ? 0 : rc;
  }

  rc = decode_value(msg, attr, value, value_len);
  if (rc != 0)
    return rc;

  if (attr == L2TP_AVP_RANDOM_VECTOR) {
    w->vector = value;
    w->vector_len = value_len;
  }
  msg->present |= 1ull << attr;
  return 0;
}

int l2tpsec__l2tp_msg_parse(uint8_t *avps, size_t len, const uint8_t *secret,
                            size_t secret_len, l2tpsec__l2tp_msg *msg) {
  struct walk w = {secret_len > 0 ? secret : NULL, secret_len, NULL, 0};
  size_t pos = 0;

  memset(msg, 0, sizeof(*msg));
  if (len == 0) {
    msg->type = L2TP_MSG_ZLB;
    return 0;
  }

  while (pos < len) {
    size_t alen;
    int rc;

    if (len - pos < L2TP_AVP_HEADER_LEN)
      return fail(msg, L2TPSEC_ERR_MALFORMED, L2TP_ERR_BAD_LENGTH, 0,
                  "AVP header truncated");
    /* Checked before use, so a zero or short length cannot stall the
     * walk and a long one cannot read past the message. */
    alen = l2tp_get16(avps + pos) & L2TP_AVP_LEN_MASK;
    if (alen < L2TP_AVP_HEADER_LEN || alen > len - pos)
      return fail(msg, L2TPSEC_ERR_MALFORMED, L2TP_ERR_BAD_LENGTH,
                  l2tp_get16(avps + pos + 4) & 0xffffu,
                  "AVP length shorter than its header or past the message");

    rc = parse_one(msg, &w, avps + pos, alen, pos == 0);
    if (rc != 0)
      return rc;
    pos += alen;
  }
  return 0;
}

#define BIT(a) (1ull << (a))

/* Mandatory AVPs per message (section 6). */
static uint64_t required_avps(uint16_t type) {
  switch (type) {
  case L2TP_MSG_SCCRQ:
  case L2TP_MSG_SCCRP:
    return BIT(L2TP_AVP_PROTOCOL_VERSION) | BIT(L2TP_AVP_HOST_NAME) |
           BIT(L2TP_AVP_FRAMING_CAPS) | BIT(L2TP_AVP_ASSIGNED_TUNNEL_ID);
  case L2TP_MSG_ICRQ:
    return BIT(L2TP_AVP_ASSIGNED_SESSION_ID) | BIT(L2TP_AVP_CALL_SERIAL);
  case L2TP_MSG_ICRP:
  case L2TP_MSG_OCRP:
    return BIT(L2TP_AVP_ASSIGNED_SESSION_ID);
  case L2TP_MSG_ICCN:
  case L2TP_MSG_OCCN:
    return BIT(L2TP_AVP_TX_CONNECT_SPEED) | BIT(L2TP_AVP_FRAMING_TYPE);
  case L2TP_MSG_OCRQ:
    return BIT(L2TP_AVP_ASSIGNED_SESSION_ID) | BIT(L2TP_AVP_CALL_SERIAL);
  case L2TP_MSG_WEN:
    return BIT(L2TP_AVP_CALL_ERRORS);
  case L2TP_MSG_SLI:
    return BIT(L2TP_AVP_ACCM);
  default:
    /* StopCCN and CDN are honoured even when incomplete: the peer is
     * leaving either way. */
    return 0;
  }
}

int l2tpsec__l2tp_msg_check_required(l2tpsec__l2tp_msg *msg) {
  uint64_t missing = required_avps(msg->type) & ~msg->present;

  if (missing == 0)
    return 0;
  return fail(msg, L2TPSEC_ERR_MALFORMED, L2TP_ERR_BAD_VALUE,
              (uint16_t)__builtin_ctzll(missing),
              "a mandatory AVP of this message type is missing");
}

const char *l2tpsec__l2tp_msg_name(uint16_t type) {
  static const char *const names[L2TP_MSG_TYPE_COUNT] = {
      "ZLB",  "SCCRQ", "SCCRP", "SCCCN", "StopCCN", NULL,
      "HELLO", "OCRQ", "OCRP",  "OCCN",  "ICRQ",    "ICRP",
      "ICCN", NULL,    "CDN",   "WEN",   "SLI"};

  if (type >= L2TP_MSG_TYPE_COUNT || names[type] == NULL)
    return "unknown";
  return names[type];
}
