/*
 * ISAKMP (RFC 2408) message codec for IKEv1: the fixed header, the
 * generic payload chain and the numbers of the IPsec DOI (RFC 2407) and
 * of IKE (RFC 2409) that the rest of lib/ike uses. Parsing never copies:
 * a parsed message points into the caller's buffer, which must outlive it.
 */
#ifndef L2TPSEC_IKE_ISAKMP_H
#define L2TPSEC_IKE_ISAKMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fixed header and generic payload header sizes (RFC 2408 3.1, 3.2). */
#define ISAKMP_HDR_LEN 28
#define ISAKMP_GENERIC_LEN 4
#define ISAKMP_COOKIE_LEN 8

/* Version byte: major 1, minor 0. */
#define ISAKMP_VERSION 0x10

/* Header flags (RFC 2408 3.1). */
#define ISAKMP_FLAG_ENCRYPTION 0x01
#define ISAKMP_FLAG_COMMIT 0x02
#define ISAKMP_FLAG_AUTH_ONLY 0x04

/* Exchange types (RFC 2408 3.1, RFC 2409 5.5). */
enum isakmp_exchange {
  ISAKMP_XCHG_IDENT_PROT = 2, /* main mode */
  ISAKMP_XCHG_AGGRESSIVE = 4,
  ISAKMP_XCHG_INFO = 5,
  ISAKMP_XCHG_QUICK = 32,
};

/* Payload types (RFC 2408 3.1, RFC 3947 3.2 and 4, Cisco fragmentation). */
enum isakmp_payload_type {
  ISAKMP_NP_NONE = 0,
  ISAKMP_NP_SA = 1,
  ISAKMP_NP_P = 2,
  ISAKMP_NP_T = 3,
  ISAKMP_NP_KE = 4,
  ISAKMP_NP_ID = 5,
  ISAKMP_NP_CERT = 6,
  ISAKMP_NP_CR = 7,
  ISAKMP_NP_HASH = 8,
  ISAKMP_NP_SIG = 9,
  ISAKMP_NP_NONCE = 10,
  ISAKMP_NP_N = 11,
  ISAKMP_NP_D = 12,
  ISAKMP_NP_VID = 13,
  ISAKMP_NP_NATD = 20,
  ISAKMP_NP_NATOA = 21,
  ISAKMP_NP_NATD_DRAFT = 130,
  ISAKMP_NP_NATOA_DRAFT = 131,
  ISAKMP_NP_FRAG = 132,
};

/* Protocol identifiers of the IPsec DOI (RFC 2407 4.4.1). */
enum isakmp_protocol {
  ISAKMP_PROTO_ISAKMP = 1,
  ISAKMP_PROTO_AH = 2,
  ISAKMP_PROTO_ESP = 3,
};

#define ISAKMP_DOI_IPSEC 1
#define ISAKMP_SIT_IDENTITY_ONLY 1
#define ISAKMP_KEY_IKE 1

/* Phase-1 attribute types and values (RFC 2409 Appendix A). */
enum ike_attr {
  IKE_ATTR_ENC = 1,
  IKE_ATTR_HASH = 2,
  IKE_ATTR_AUTH = 3,
  IKE_ATTR_GROUP = 4,
  IKE_ATTR_GROUP_TYPE = 5,
  IKE_ATTR_LIFE_TYPE = 11,
  IKE_ATTR_LIFE_DURATION = 12,
  IKE_ATTR_KEY_LEN = 14,
};

enum ike_enc {
  IKE_ENC_DES = 1,
  IKE_ENC_3DES = 5,
  IKE_ENC_AES_CBC = 7,
};

enum ike_hash {
  IKE_HASH_MD5 = 1,
  IKE_HASH_SHA1 = 2,
  IKE_HASH_SHA256 = 4,
  IKE_HASH_SHA384 = 5,
  IKE_HASH_SHA512 = 6,
};

/* Authentication methods (RFC 2409 App. A, RFC 4754 for ECDSA). */
enum ike_auth {
  IKE_AUTH_PSK = 1,
  IKE_AUTH_RSA_SIG = 3,
  IKE_AUTH_ECDSA_P256 = 9,
  IKE_AUTH_ECDSA_P384 = 10,
  IKE_AUTH_ECDSA_P521 = 11,
};

enum ike_life_type {
  IKE_LIFE_SECONDS = 1,
  IKE_LIFE_KILOBYTES = 2,
};

/* Phase-2 (IPsec DOI, RFC 2407 4.5) attribute types and values. */
enum ipsec_attr {
  IPSEC_ATTR_LIFE_TYPE = 1,
  IPSEC_ATTR_LIFE_DURATION = 2,
  IPSEC_ATTR_GROUP = 3,
  IPSEC_ATTR_ENCAP = 4,
  IPSEC_ATTR_AUTH = 5,
  IPSEC_ATTR_KEY_LEN = 6,
};

/* ESP transform identifiers (RFC 2407 4.4.4, RFC 4106). */
enum ipsec_esp_id {
  ESP_ID_3DES = 3,
  ESP_ID_NULL = 11,
  ESP_ID_AES_CBC = 12,
  ESP_ID_AES_GCM_8 = 18,
  ESP_ID_AES_GCM_12 = 19,
  ESP_ID_AES_GCM_16 = 20,
};

/* Authentication algorithms of an ESP transform (RFC 2407, RFC 4868). */
enum ipsec_auth {
  IPSEC_AUTH_NONE = 0,
  IPSEC_AUTH_HMAC_MD5 = 1,
  IPSEC_AUTH_HMAC_SHA1 = 2,
  IPSEC_AUTH_HMAC_SHA256 = 5,
  IPSEC_AUTH_HMAC_SHA384 = 6,
  IPSEC_AUTH_HMAC_SHA512 = 7,
};

/* Encapsulation modes: RFC 2407, RFC 3947 and the NAT-T drafts. */
enum ipsec_encap {
  IPSEC_ENCAP_TUNNEL = 1,
  IPSEC_ENCAP_TRANSPORT = 2,
  IPSEC_ENCAP_UDP_TUNNEL = 3,
  IPSEC_ENCAP_UDP_TRANSPORT = 4,
  IPSEC_ENCAP_UDP_TUNNEL_DRAFT = 61443,
  IPSEC_ENCAP_UDP_TRANSPORT_DRAFT = 61444,
};

/* Identification types (RFC 2407 4.6.2.1). */
enum ipsec_id_type {
  IPSEC_ID_IPV4_ADDR = 1,
  IPSEC_ID_FQDN = 2,
  IPSEC_ID_USER_FQDN = 3,
  IPSEC_ID_IPV4_ADDR_SUBNET = 4,
  IPSEC_ID_IPV6_ADDR = 5,
  IPSEC_ID_IPV6_ADDR_SUBNET = 6,
  IPSEC_ID_IPV4_ADDR_RANGE = 7,
  IPSEC_ID_IPV6_ADDR_RANGE = 8,
  IPSEC_ID_DER_ASN1_DN = 9,
  IPSEC_ID_KEY_ID = 11,
};

/* Notify message types (RFC 2408 3.14.1, RFC 2407 4.6.3, RFC 3706). */
enum isakmp_notify {
  ISAKMP_N_INVALID_PAYLOAD_TYPE = 1,
  ISAKMP_N_INVALID_MAJOR_VERSION = 5,
  ISAKMP_N_INVALID_EXCHANGE_TYPE = 7,
  ISAKMP_N_INVALID_FLAGS = 8,
  ISAKMP_N_INVALID_MESSAGE_ID = 9,
  ISAKMP_N_INVALID_SPI = 11,
  ISAKMP_N_NO_PROPOSAL_CHOSEN = 14,
  ISAKMP_N_PAYLOAD_MALFORMED = 16,
  ISAKMP_N_INVALID_KEY_INFORMATION = 17,
  ISAKMP_N_INVALID_ID_INFORMATION = 18,
  ISAKMP_N_AUTHENTICATION_FAILED = 24,
  ISAKMP_N_INVALID_HASH_INFORMATION = 23,
  ISAKMP_N_RESPONDER_LIFETIME = 24576,
  ISAKMP_N_INITIAL_CONTACT = 24578,
  ISAKMP_N_DPD_R_U_THERE = 36136,
  ISAKMP_N_DPD_R_U_THERE_ACK = 36137,
};

/* The fixed ISAKMP header, decoded. */
typedef struct isakmp_hdr {
  uint8_t icookie[ISAKMP_COOKIE_LEN];
  uint8_t rcookie[ISAKMP_COOKIE_LEN];
  uint8_t next_payload;
  uint8_t version;
  uint8_t exchange;
  uint8_t flags;
  uint32_t message_id;
  uint32_t length;
} isakmp_hdr;

/* One payload's body: the bytes after its 4-byte generic header. */
typedef struct isakmp_payload {
  const uint8_t *body;
  size_t len;
} isakmp_payload;

/* Caps on repeated payloads in one message; more is PAYLOAD-MALFORMED. */
#define ISAKMP_MAX_VIDS 32
#define ISAKMP_MAX_NATD 8
#define ISAKMP_MAX_NATOA 2
#define ISAKMP_MAX_NOTIFY 8
#define ISAKMP_MAX_DELETE 8
#define ISAKMP_MAX_CERT 8
#define ISAKMP_MAX_CR 8
#define ISAKMP_MAX_ID 2
/* Payloads of any kind in one message; a bound on the chain walk. */
#define ISAKMP_MAX_PAYLOADS 96

/*
 * The payloads of one message, by kind. A kind that may appear once has
 * len 0 and body NULL when absent. NAT-D and NAT-OA collect both the RFC
 * 3947 and the draft payload numbers; natd_draft records which one came.
 */
typedef struct isakmp_msg {
  isakmp_hdr hdr;
  isakmp_payload sa, ke, hash, sig, nonce, frag;
  isakmp_payload id[ISAKMP_MAX_ID];
  isakmp_payload vid[ISAKMP_MAX_VIDS];
  isakmp_payload natd[ISAKMP_MAX_NATD];
  isakmp_payload natoa[ISAKMP_MAX_NATOA];
  isakmp_payload notify[ISAKMP_MAX_NOTIFY];
  isakmp_payload del[ISAKMP_MAX_DELETE];
  isakmp_payload cert[ISAKMP_MAX_CERT];
  isakmp_payload cr[ISAKMP_MAX_CR];
  uint8_t n_id, n_vid, n_natd, n_natoa, n_notify, n_del, n_cert, n_cr;
  uint8_t n_unknown;  /* payloads of types we skip */
  uint8_t first_type; /* type of the first payload */
  bool natd_draft;    /* NAT-D came with number 130, not 20 */
  /* Body offsets of the HASH payload's generic header and of the end of
   * the last payload, for the quick mode and informational HASH(n) of
   * RFC 2409 5.5 over the payloads after HASH (padding excluded). */
  size_t hash_offset;
  size_t payloads_end;
} isakmp_msg;

/* Reasons for rejecting a message, each with its own counter. */
enum isakmp_parse_error {
  ISAKMP_PARSE_OK = 0,
  ISAKMP_PARSE_SHORT,       /* shorter than the fixed header */
  ISAKMP_PARSE_LENGTH,      /* header length differs from the datagram */
  ISAKMP_PARSE_VERSION,     /* major version other than 1 */
  ISAKMP_PARSE_COOKIE,      /* all-zero initiator cookie */
  ISAKMP_PARSE_PAYLOAD_LEN, /* a payload length below 4 or past the end */
  ISAKMP_PARSE_DUPLICATE,   /* a single-instance payload twice */
  ISAKMP_PARSE_TOO_MANY,    /* a repeated payload over its cap */
  ISAKMP_PARSE_TRAILING,    /* bytes after the last payload */
  ISAKMP_PARSE_ERROR_COUNT
};

/* Returns a short English name for a parse error, for log lines. */
const char *l2tpsec__isakmp_parse_error_name(enum isakmp_parse_error e);

/*
 * Decodes the fixed header of a datagram and checks it: length at least
 * ISAKMP_HDR_LEN, header length equal to len, major version 1 and a
 * non-zero initiator cookie.
 */
enum isakmp_parse_error l2tpsec__isakmp_parse_hdr(const uint8_t *data,
                                                  size_t len, isakmp_hdr *hdr);

/*
 * Walks the payload chain of body[0..len) (the bytes after the fixed
 * header, already decrypted) starting with payload type `first` and fills
 * msg's payload fields. `padded` allows bytes after the last payload, as
 * an encrypted body has padding there (RFC 2409 5.3 and Appendix B).
 */
enum isakmp_parse_error
l2tpsec__isakmp_parse_payloads(const uint8_t *body, size_t len, uint8_t first,
                               bool padded, isakmp_msg *msg);

/*
 * Parses a whole unencrypted message: header checks, then the payload
 * chain with no bytes allowed after the last payload. Clears msg first.
 */
enum isakmp_parse_error
l2tpsec__isakmp_parse_clear(const uint8_t *data, size_t len, isakmp_msg *msg);

/* Big-endian loads and stores. */
static inline uint16_t isakmp_get16(const uint8_t *p) {
  return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t isakmp_get32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
         ((uint32_t)p[2] << 8) | p[3];
}

static inline void isakmp_put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static inline void isakmp_put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

#endif
