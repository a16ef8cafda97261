/* Wire constants of L2TPv2 (RFC 2661). */
#ifndef L2TPSEC_L2TP_PROTO_H
#define L2TPSEC_L2TP_PROTO_H

/* Header flag bits, first two octets (section 3.1). */
#define L2TP_FLAG_T 0x8000u /* control message */
#define L2TP_FLAG_L 0x4000u /* Length field present */
#define L2TP_FLAG_S 0x0800u /* Ns and Nr present */
#define L2TP_FLAG_O 0x0200u /* Offset Size present */
#define L2TP_FLAG_P 0x0100u /* data priority */
#define L2TP_VERSION_MASK 0x000fu
#define L2TP_VERSION 2

/* A control header: flags, Length, Tunnel ID, Session ID, Ns, Nr. */
#define L2TP_CTL_HEADER_LEN 12

/* Largest control message we build (they are far smaller in practice). */
#define L2TP_CTL_MAX 1400

/* Message Type AVP values (section 3.2). */
enum l2tp_msg_type {
  L2TP_MSG_ZLB = 0, /* not on the wire: a message without AVPs */
  L2TP_MSG_SCCRQ = 1,
  L2TP_MSG_SCCRP = 2,
  L2TP_MSG_SCCCN = 3,
  L2TP_MSG_STOPCCN = 4,
  L2TP_MSG_HELLO = 6,
  L2TP_MSG_OCRQ = 7,
  L2TP_MSG_OCRP = 8,
  L2TP_MSG_OCCN = 9,
  L2TP_MSG_ICRQ = 10,
  L2TP_MSG_ICRP = 11,
  L2TP_MSG_ICCN = 12,
  L2TP_MSG_CDN = 14,
  L2TP_MSG_WEN = 15,
  L2TP_MSG_SLI = 16,
  L2TP_MSG_TYPE_COUNT = 17
};

/* IETF attribute types (section 4.4). */
enum l2tp_attr {
  L2TP_AVP_MESSAGE_TYPE = 0,
  L2TP_AVP_RESULT_CODE = 1,
  L2TP_AVP_PROTOCOL_VERSION = 2,
  L2TP_AVP_FRAMING_CAPS = 3,
  L2TP_AVP_BEARER_CAPS = 4,
  L2TP_AVP_TIE_BREAKER = 5,
  L2TP_AVP_FIRMWARE_REVISION = 6,
  L2TP_AVP_HOST_NAME = 7,
  L2TP_AVP_VENDOR_NAME = 8,
  L2TP_AVP_ASSIGNED_TUNNEL_ID = 9,
  L2TP_AVP_RECEIVE_WINDOW = 10,
  L2TP_AVP_CHALLENGE = 11,
  L2TP_AVP_Q931_CAUSE = 12,
  L2TP_AVP_CHALLENGE_RESPONSE = 13,
  L2TP_AVP_ASSIGNED_SESSION_ID = 14,
  L2TP_AVP_CALL_SERIAL = 15,
  L2TP_AVP_MIN_BPS = 16,
  L2TP_AVP_MAX_BPS = 17,
  L2TP_AVP_BEARER_TYPE = 18,
  L2TP_AVP_FRAMING_TYPE = 19,
  L2TP_AVP_CALLED_NUMBER = 21,
  L2TP_AVP_CALLING_NUMBER = 22,
  L2TP_AVP_SUB_ADDRESS = 23,
  L2TP_AVP_TX_CONNECT_SPEED = 24,
  L2TP_AVP_PHYSICAL_CHANNEL = 25,
  L2TP_AVP_INITIAL_RECV_LCP = 26,
  L2TP_AVP_LAST_SENT_LCP = 27,
  L2TP_AVP_LAST_RECV_LCP = 28,
  L2TP_AVP_PROXY_AUTHEN_TYPE = 29,
  L2TP_AVP_PROXY_AUTHEN_NAME = 30,
  L2TP_AVP_PROXY_AUTHEN_CHALLENGE = 31,
  L2TP_AVP_PROXY_AUTHEN_ID = 32,
  L2TP_AVP_PROXY_AUTHEN_RESPONSE = 33,
  L2TP_AVP_CALL_ERRORS = 34,
  L2TP_AVP_ACCM = 35,
  L2TP_AVP_RANDOM_VECTOR = 36,
  L2TP_AVP_PRIVATE_GROUP_ID = 37,
  L2TP_AVP_RX_CONNECT_SPEED = 38,
  L2TP_AVP_SEQUENCING_REQUIRED = 39,
  L2TP_AVP_COUNT = 40
};

/* AVP header: M and H bits, 4 reserved bits, 10-bit length (4.1). */
#define L2TP_AVP_M 0x8000u
#define L2TP_AVP_H 0x4000u
#define L2TP_AVP_RESERVED 0x3c00u
#define L2TP_AVP_LEN_MASK 0x03ffu
#define L2TP_AVP_HEADER_LEN 6

/* Protocol Version AVP value for L2TPv2: version 1, revision 0. */
#define L2TP_PROTOCOL_VERSION 0x0100u

/* StopCCN result codes (section 4.4.2). */
enum l2tp_stop_result {
  L2TP_STOP_CLEAR = 1,
  L2TP_STOP_GENERAL_ERROR = 2,
  L2TP_STOP_ALREADY_EXISTS = 3,
  L2TP_STOP_NOT_AUTHORIZED = 4,
  L2TP_STOP_BAD_VERSION = 5,
  L2TP_STOP_SHUTTING_DOWN = 6,
  L2TP_STOP_FSM_ERROR = 7,
};
#define L2TP_STOP_RESULT_MAX 7

/* CDN result codes (section 4.4.2). */
enum l2tp_cdn_result {
  L2TP_CDN_LOST_CARRIER = 1,
  L2TP_CDN_GENERAL_ERROR = 2,
  L2TP_CDN_ADMIN = 3,
  L2TP_CDN_NO_FACILITIES_TEMP = 4,
  L2TP_CDN_NO_FACILITIES_PERM = 5,
};
#define L2TP_CDN_RESULT_MAX 11

/* General error codes (section 4.4.2). */
enum l2tp_error_code {
  L2TP_ERR_NONE = 0,
  L2TP_ERR_NO_TUNNEL = 1,
  L2TP_ERR_BAD_LENGTH = 2,
  L2TP_ERR_BAD_VALUE = 3,
  L2TP_ERR_NO_RESOURCES = 4,
  L2TP_ERR_BAD_SESSION = 5,
  L2TP_ERR_VENDOR = 6,
  L2TP_ERR_TRY_ANOTHER = 7,
  L2TP_ERR_UNKNOWN_MANDATORY = 8,
};
#define L2TP_ERR_CODE_MAX 8

/* Framing and bearer capability bits (sections 4.4.3 and 4.4.5). */
#define L2TP_FRAMING_SYNC 0x1u
#define L2TP_FRAMING_ASYNC 0x2u

#endif
