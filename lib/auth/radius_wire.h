/*
 * RADIUS wire format: packet codes, attribute types, a bounded packet
 * writer, the authenticator computations and the checks a received
 * packet passes before any attribute in it is read.
 */
#ifndef L2TPSEC_AUTH_RADIUS_WIRE_H
#define L2TPSEC_AUTH_RADIUS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Header: Code, Identifier, Length, Authenticator (RFC 2865 section 3). */
#define RADIUS_HEADER_LEN 20
#define RADIUS_AUTH_LEN 16
/* Largest packet RFC 2865 section 3 allows. */
#define RADIUS_PACKET_MAX 4096
#define RADIUS_MA_LEN 16

enum radius_code {
  RADIUS_ACCESS_REQUEST = 1,
  RADIUS_ACCESS_ACCEPT = 2,
  RADIUS_ACCESS_REJECT = 3,
  RADIUS_ACCOUNTING_REQUEST = 4,
  RADIUS_ACCOUNTING_RESPONSE = 5,
  RADIUS_ACCESS_CHALLENGE = 11,
  RADIUS_DISCONNECT_REQUEST = 40,
  RADIUS_DISCONNECT_ACK = 41,
  RADIUS_DISCONNECT_NAK = 42,
};

enum radius_attr {
  RADIUS_USER_NAME = 1,
  RADIUS_USER_PASSWORD = 2,
  RADIUS_CHAP_PASSWORD = 3,
  RADIUS_NAS_IP_ADDRESS = 4,
  RADIUS_NAS_PORT = 5,
  RADIUS_SERVICE_TYPE = 6,
  RADIUS_FRAMED_PROTOCOL = 7,
  RADIUS_FRAMED_IP_ADDRESS = 8,
  RADIUS_REPLY_MESSAGE = 18,
  RADIUS_STATE = 24,
  RADIUS_CLASS = 25,
  RADIUS_VENDOR_SPECIFIC = 26,
  RADIUS_SESSION_TIMEOUT = 27,
  RADIUS_IDLE_TIMEOUT = 28,
  RADIUS_CALLED_STATION_ID = 30,
  RADIUS_CALLING_STATION_ID = 31,
  RADIUS_NAS_IDENTIFIER = 32,
  RADIUS_ACCT_STATUS_TYPE = 40,
  RADIUS_ACCT_DELAY_TIME = 41,
  RADIUS_ACCT_INPUT_OCTETS = 42,
  RADIUS_ACCT_OUTPUT_OCTETS = 43,
  RADIUS_ACCT_SESSION_ID = 44,
  RADIUS_ACCT_SESSION_TIME = 46,
  RADIUS_ACCT_INPUT_PACKETS = 47,
  RADIUS_ACCT_OUTPUT_PACKETS = 48,
  RADIUS_ACCT_TERMINATE_CAUSE = 49,
  RADIUS_ACCT_INPUT_GIGAWORDS = 52,
  RADIUS_ACCT_OUTPUT_GIGAWORDS = 53,
  RADIUS_EVENT_TIMESTAMP = 55,
  RADIUS_CHAP_CHALLENGE = 60,
  RADIUS_NAS_PORT_TYPE = 61,
  RADIUS_MESSAGE_AUTHENTICATOR = 80,
  RADIUS_FRAMED_POOL = 88,
  RADIUS_FRAMED_IPV6_PREFIX = 97,
  RADIUS_ERROR_CAUSE = 101,
};

/* Microsoft's vendor id and its attributes (RFC 2548 section 2). */
#define RADIUS_VENDOR_MICROSOFT 311
enum radius_ms_attr {
  RADIUS_MS_CHAP_ERROR = 2,
  RADIUS_MS_CHAP_CHALLENGE = 11,
  RADIUS_MS_CHAP2_RESPONSE = 25,
  RADIUS_MS_CHAP2_SUCCESS = 26,
};

/* Values of Service-Type, Framed-Protocol and NAS-Port-Type. */
#define RADIUS_SERVICE_FRAMED 2
#define RADIUS_FRAMED_PPP 1
#define RADIUS_NAS_PORT_VIRTUAL 5

/* Error-Cause values of RFC 5176 section 3.5. */
#define RADIUS_ERROR_MISSING_ATTRIBUTE 402
#define RADIUS_ERROR_INVALID_REQUEST 404
#define RADIUS_ERROR_SESSION_NOT_FOUND 503

/*
 * Packet builder over caller storage. Adding past the capacity, or an
 * attribute value that is empty or longer than 253 bytes, sets failed.
 * The finish functions then return an error, so callers check once.
 */
typedef struct l2tpsec__radius_writer {
  uint8_t *buf;
  size_t cap;
  size_t len;
  size_t ma_offset; /* Message-Authenticator value, 0 when absent */
  bool failed;
} l2tpsec__radius_writer;

void l2tpsec__radius_begin(l2tpsec__radius_writer *w, uint8_t *buf, size_t cap,
                           uint8_t code, uint8_t id,
                           const uint8_t auth[RADIUS_AUTH_LEN]);
void l2tpsec__radius_add(l2tpsec__radius_writer *w, uint8_t type,
                         const void *value, size_t len);
/* Adds a string attribute; NULL or "" adds nothing. */
void l2tpsec__radius_add_string(l2tpsec__radius_writer *w, uint8_t type,
                                const char *value);
void l2tpsec__radius_add_u32(l2tpsec__radius_writer *w, uint8_t type,
                             uint32_t value);
/* Adds one Vendor-Specific attribute holding one vendor attribute. */
void l2tpsec__radius_add_vendor(l2tpsec__radius_writer *w, uint32_t vendor,
                                uint8_t type, const void *value, size_t len);
/* Reserves a zeroed Message-Authenticator; the finish call fills it. */
void l2tpsec__radius_add_message_authenticator(l2tpsec__radius_writer *w);

/*
 * Access-Request: the authenticator given to begin is the random Request
 * Authenticator, and the Message-Authenticator covers it (RFC 3579
 * section 3.2). Returns the packet length or a negative error code.
 */
int l2tpsec__radius_finish_access_request(l2tpsec__radius_writer *w,
                                          const uint8_t *secret,
                                          size_t secret_len);

/*
 * Accounting-Request and Disconnect-Request: the Message-Authenticator
 * is computed over a zero authenticator field, then the Request
 * Authenticator is MD5(packet with zero authenticator | secret) (RFC 2866
 * section 3, RFC 5176 section 3.5). Returns the length or an error.
 */
int l2tpsec__radius_finish_signed_request(l2tpsec__radius_writer *w,
                                          const uint8_t *secret,
                                          size_t secret_len);

/*
 * Any response: the Message-Authenticator is computed with the request's
 * authenticator in the header, then the Response Authenticator is
 * MD5(Code | Identifier | Length | request authenticator | attributes |
 * secret) (RFC 2865 section 3). Returns the length or an error.
 */
int l2tpsec__radius_finish_response(l2tpsec__radius_writer *w,
                                    const uint8_t req_auth[RADIUS_AUTH_LEN],
                                    const uint8_t *secret, size_t secret_len);

/* Result of the checks on a received packet, in the order they run. */
enum radius_check {
  RADIUS_CHECK_OK,
  RADIUS_CHECK_SHORT,      /* fewer than 20 bytes */
  RADIUS_CHECK_LENGTH,     /* Length below 20, above 4096 or the datagram */
  RADIUS_CHECK_ATTRIBUTES, /* an attribute header overruns the packet */
  RADIUS_CHECK_AUTHENTICATOR,
  RADIUS_CHECK_NO_MA,
  RADIUS_CHECK_BAD_MA,
};

/*
 * Checks the layout only: header, Length against the datagram (bytes
 * past Length are padding, RFC 2865 section 3) and that attribute
 * headers tile the packet exactly. *packet_len receives Length.
 */
enum radius_check l2tpsec__radius_check_layout(const uint8_t *data, size_t len,
                                               size_t *packet_len);

/*
 * Checks a response whose layout passed: Response Authenticator, then
 * the Message-Authenticator, which must be present when require_ma.
 */
enum radius_check l2tpsec__radius_check_response(
    const uint8_t *pkt, size_t len, const uint8_t req_auth[RADIUS_AUTH_LEN],
    const uint8_t *secret, size_t secret_len, bool require_ma);

/* Same for a Disconnect-Request or Accounting-Request (zero base). */
enum radius_check l2tpsec__radius_check_signed_request(const uint8_t *pkt,
                                                       size_t len,
                                                       const uint8_t *secret,
                                                       size_t secret_len,
                                                       bool require_ma);

/* Names a check result for log lines. */
const char *l2tpsec__radius_check_name(enum radius_check check);

/* Walks the attributes of a packet whose layout passed. */
typedef struct l2tpsec__radius_iter {
  const uint8_t *pos;
  const uint8_t *end;
} l2tpsec__radius_iter;

void l2tpsec__radius_iter_init(l2tpsec__radius_iter *it, const uint8_t *pkt,
                               size_t len);
/* Returns false at the end or on a header that would overrun. */
bool l2tpsec__radius_iter_next(l2tpsec__radius_iter *it, uint8_t *type,
                               const uint8_t **value, size_t *len);

/*
 * Splits a Vendor-Specific value holding exactly one vendor attribute
 * (RFC 2865 section 5.26 layout with 1-byte type and length). Returns
 * false when the value is not laid out that way.
 */
bool l2tpsec__radius_split_vendor(const uint8_t *value, size_t len,
                                  uint32_t *vendor, uint8_t *type,
                                  const uint8_t **vvalue, size_t *vlen);

/*
 * Hides a PAP password (RFC 2865 section 5.2): pads it with zeros to a
 * multiple of 16 and XORs each block with MD5(secret | previous block),
 * starting from the Request Authenticator. out has room for 128 bytes;
 * *out_len receives the hidden length. Returns 0 or a negative error.
 */
int l2tpsec__radius_hide_password(const uint8_t *password, size_t len,
                                  const uint8_t *secret, size_t secret_len,
                                  const uint8_t req_auth[RADIUS_AUTH_LEN],
                                  uint8_t *out, size_t *out_len);

static inline uint16_t radius_get16(const uint8_t *p) {
  return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t radius_get32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
         ((uint32_t)p[2] << 8) | p[3];
}

#endif
