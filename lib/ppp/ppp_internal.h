/* Internal state of a PPP link, shared by the files of lib/ppp. */
#ifndef L2TPSEC_PPP_INTERNAL_H
#define L2TPSEC_PPP_INTERNAL_H

#include "core/log_internal.h"
#include "core/ratelimit.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"
#include "l2tpsec/ppp.h"
#include "ppp/fsm.h"

/* PPP protocol numbers (IANA "PPP DLL Protocol Numbers"). */
#define PPP_IP 0x0021
#define PPP_IPV6 0x0057
#define PPP_IPCP 0x8021
#define PPP_IPV6CP 0x8057
#define PPP_CCP 0x80fd
#define PPP_LCP 0xc021
#define PPP_PAP 0xc023
#define PPP_CHAP 0xc223

/* CHAP algorithm numbers (RFC 1994, RFC 2759). */
#define CHAP_MD5 0x05
#define CHAP_MSCHAPV2 0x81

/* Room left in front of every frame we build, for the lower layers. */
#define PPP_HEADROOM 128
/* Largest control frame we build: our MRU range ends at 1500. */
#define PPP_CONTROL_MAX 1500

/* Where our side of the authentication stands. */
enum auth_state {
  AUTH_IDLE = 0,   /* not started or not needed */
  AUTH_WAITING,    /* server: challenge sent or waiting for PAP request;
                      client: request sent or waiting for a challenge */
  AUTH_PENDING,    /* server: the application is deciding */
  AUTH_DONE,       /* succeeded */
  AUTH_FAILED,
};

/* LCP options we ask for, and what the peer asked of us. */
struct lcp_options {
  bool send_mru;
  uint16_t mru;
  bool send_magic;
  uint32_t magic;
  enum l2tpsec_auth_method method; /* server: Authentication-Protocol */
  unsigned method_index;           /* position in settings.methods */
  unsigned loopback_naks;
};

struct lcp_peer_options {
  uint16_t mru;
  uint32_t magic;
  bool pfc, acfc;
  enum l2tpsec_auth_method method; /* client: what the server requires */
};

struct ipcp_options {
  uint8_t address[4];
  bool want_dns[2];
  uint8_t dns[2][4];
};

/* State of the authentication exchange, for both roles. */
struct auth_exchange {
  enum auth_state state;
  enum l2tpsec_auth_method method;
  uint8_t id;                  /* identifier of the current round */
  uint8_t challenge[16];       /* server: our challenge */
  uint8_t challenge_len;
  unsigned attempts;           /* server: rejected credentials */
  unsigned transmits;          /* retransmissions of our last packet */
  l2tpsec_tstamp retransmit_at; /* next retransmission, or NEVER */
  l2tpsec_tstamp deadline;      /* gives up, or NEVER */

  /* Server: the request the application decides. Its pointers refer to
   * the buffers below, which stay unchanged while it is pending. */
  l2tpsec_auth_request request;
  char user[L2TPSEC_AUTH_NAME_MAX + 1];
  uint8_t password[L2TPSEC_AUTH_PASSWORD_MAX];
  uint8_t response[49];        /* CHAP value: MD5 16 or MS-CHAPv2 49 */
  l2tpsec_auth_attributes attributes; /* from the accept */

  /* Last reply sent, resent when the peer retransmits that round. */
  uint8_t reply[PPP_CONTROL_MAX];
  size_t reply_len;
  uint16_t reply_protocol;

  /* Client: the MS-CHAPv2 authenticator response we expect. */
  uint8_t expected_auth_response[L2TPSEC_MSCHAPV2_AUTH_RESPONSE_LEN];
};

struct l2tpsec_ppp {
  l2tpsec_ppp_settings settings;
  l2tpsec_ppp_callbacks cb;
  void *user_data;

  char *user, *password, *hostname, *peer; /* owned copies */

  enum l2tpsec_ppp_phase phase;
  bool dead;
  bool down_reason_set;
  enum l2tpsec_ppp_down_reason down_reason;

  struct ppp_fsm lcp, ipcp, ipv6cp;
  struct lcp_options lcp_want;
  struct lcp_peer_options lcp_peer;
  struct ipcp_options ipcp_want;
  uint8_t ipcp_peer_address[4];   /* server: assigned; client: server's */
  bool address_held;              /* server: must release it */
  uint8_t ipv6_local_id[8], ipv6_peer_id[8];

  struct auth_exchange auth;

  /* Echo keepalive. */
  l2tpsec_tstamp echo_at;
  unsigned echo_unanswered;
  uint8_t echo_id;
  bool echo_disabled;

  l2tpsec_ppp_stats stats;
  l2tpsec__ratelimit rx_log;
};

/* ---- frame.c ---- */

/* Sends a control packet (code, id, data) of the given protocol. */
void l2tpsec__ppp_send_control(l2tpsec_ppp *ppp, uint16_t protocol,
                               uint8_t code, uint8_t id, const uint8_t *data,
                               size_t len);

/* Sends an already encoded packet (code, id, length...) of a protocol. */
void l2tpsec__ppp_send_raw(l2tpsec_ppp *ppp, uint16_t protocol,
                           const uint8_t *packet, size_t len);

/*
 * Strips the address/control bytes and the protocol field from a frame.
 * Returns 0, or L2TPSEC_ERR_MALFORMED / L2TPSEC_ERR_TRUNCATED.
 */
int l2tpsec__ppp_parse_header(l2tpsec_pkt *frame, uint16_t *protocol);

/* Calls fn for each option of a list; returns false when one is malformed
 * (length under 2 or past the end). fn returns false to stop. */
bool l2tpsec__ppp_options_valid(const uint8_t *opts, size_t len);

/* Counts and logs (rate-limited) a dropped frame. */
void l2tpsec__ppp_drop(l2tpsec_ppp *ppp, l2tpsec_tstamp now, bool malformed,
                       const char *what, uint16_t protocol);

uint16_t l2tpsec__get16(const uint8_t *p);
uint32_t l2tpsec__get32(const uint8_t *p);
void l2tpsec__put16(uint8_t *p, uint16_t v);
void l2tpsec__put32(uint8_t *p, uint32_t v);

/* ---- ppp.c ---- */

void l2tpsec__ppp_emit(l2tpsec_ppp *ppp, const l2tpsec_ppp_event *ev);
void l2tpsec__ppp_set_phase(l2tpsec_ppp *ppp, enum l2tpsec_ppp_phase phase);
/* Closes LCP for a reason; the link dies when LCP finishes. */
void l2tpsec__ppp_fail(l2tpsec_ppp *ppp, enum l2tpsec_ppp_down_reason reason,
                       l2tpsec_tstamp now);
/* Authentication finished (both roles): start the network phase. */
void l2tpsec__ppp_auth_succeeded(l2tpsec_ppp *ppp, l2tpsec_tstamp now);
uint32_t l2tpsec__ppp_random32(l2tpsec_ppp *ppp);
/* Server: gives the peer's address back to the pool once. */
void l2tpsec__ppp_release_address(l2tpsec_ppp *ppp);

/* ---- lcp.c / ipcp.c / ipv6cp.c: the automaton's per-protocol parts ---- */

extern const struct ppp_fsm_ops l2tpsec__lcp_ops;
extern const struct ppp_fsm_ops l2tpsec__ipcp_ops;
extern const struct ppp_fsm_ops l2tpsec__ipv6cp_ops;

void l2tpsec__lcp_echo_timeout(l2tpsec_ppp *ppp, l2tpsec_tstamp now);

/* ---- auth_server.c / auth_client.c ---- */

void l2tpsec__auth_server_start(l2tpsec_ppp *ppp, l2tpsec_tstamp now);
void l2tpsec__auth_server_input(l2tpsec_ppp *ppp, uint16_t protocol,
                                const uint8_t *pkt, size_t len,
                                l2tpsec_tstamp now);
void l2tpsec__auth_client_start(l2tpsec_ppp *ppp, l2tpsec_tstamp now);
void l2tpsec__auth_client_input(l2tpsec_ppp *ppp, uint16_t protocol,
                                const uint8_t *pkt, size_t len,
                                l2tpsec_tstamp now);
void l2tpsec__auth_client_retransmit(l2tpsec_ppp *ppp, l2tpsec_tstamp now);
void l2tpsec__auth_timeout(l2tpsec_ppp *ppp, l2tpsec_tstamp now);
/* Stops the exchange; a pending request is cancelled. */
void l2tpsec__auth_stop(l2tpsec_ppp *ppp);

#endif
