/*
 * PPP over L2TP: LCP (RFC 1661), PAP (RFC 1334), CHAP-MD5 (RFC 1994),
 * MS-CHAPv2 (RFC 2759), IPCP (RFC 1332, RFC 1877) and optionally IPv6CP
 * (RFC 5072), in the server role (authenticates the peer, assigns its
 * address) or the client role (authenticates itself, takes an address).
 *
 * The object does no I/O. Feed it every PPP frame of one L2TP session
 * with l2tpsec_ppp_input() (with or without the FF 03 address and
 * control bytes), give it IP packets to send with l2tpsec_ppp_send_ip(),
 * and call l2tpsec_ppp_handle_timeout() when l2tpsec_ppp_next_deadline()
 * has passed. Output arrives through the callbacks. IP packets flow only
 * after authentication succeeded and IPCP (or IPv6CP) is open.
 *
 * A callback may not delete the object it was called from or feed it
 * input: queue the frame and call l2tpsec_ppp_input() after the callback
 * returns. auth_request may complete its request before returning.
 */
#ifndef L2TPSEC_PPP_H
#define L2TPSEC_PPP_H

#include <stdbool.h>

#include "l2tpsec/auth.h"
#include "l2tpsec/common.h"
#include "l2tpsec/log.h"
#include "l2tpsec/packet.h"
#include "l2tpsec/rand.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct l2tpsec_ppp l2tpsec_ppp;

enum l2tpsec_ppp_role {
  L2TPSEC_PPP_SERVER = 0, /* authenticator, assigns the peer's address */
  L2TPSEC_PPP_CLIENT = 1, /* authenticates itself, accepts an address */
};

/* Link phases of RFC 1661 section 3.2. */
enum l2tpsec_ppp_phase {
  L2TPSEC_PPP_PHASE_DEAD = 0,
  L2TPSEC_PPP_PHASE_ESTABLISH,
  L2TPSEC_PPP_PHASE_AUTHENTICATE,
  L2TPSEC_PPP_PHASE_NETWORK,
  L2TPSEC_PPP_PHASE_TERMINATE,
};

/* Returns "dead", "establish", "authenticate", "network" or "terminate". */
L2TPSEC_API const char *l2tpsec_ppp_phase_name(enum l2tpsec_ppp_phase phase);

/* Most authentication methods a settings list holds. */
#define L2TPSEC_PPP_MAX_METHODS 4

typedef struct l2tpsec_ppp_settings {
  enum l2tpsec_ppp_role role;
  l2tpsec_log log;
  l2tpsec_rand rand; /* challenges, magic numbers, interface ids */

  /* Our MRU, announced in LCP. 1400 leaves room for IP, UDP, ESP, UDP
   * and L2TP headers on a 1500-byte path. Range 128..1500. */
  uint16_t mru;

  /* Server: methods offered in this order; the next one is offered when
   * the peer NAKs the current one. Client: methods accepted, in order of
   * preference for the NAK we send. Zero-terminated when shorter.
   * Default: MS-CHAPv2, CHAP-MD5, PAP. */
  enum l2tpsec_auth_method methods[L2TPSEC_PPP_MAX_METHODS];

  /* Client: credentials. password is NUL-terminated (password+code for a
   * second factor). Server: name sent in CHAP challenges. */
  const char *user;
  const char *password;
  const char *hostname; /* default "l2tpsec" */

  /* RFC 1661 section 4.6 timer and counters, shared by LCP and NCPs. */
  l2tpsec_duration restart_interval; /* 3 s */
  unsigned max_configure;            /* 10 */
  unsigned max_terminate;            /* 2 */
  unsigned max_failure;              /* 5 */

  /* LCP Echo keepalive: a request every echo_interval once LCP is open;
   * the link is declared dead after echo_failure unanswered ones. A zero
   * interval disables it. As pppd's lcp-echo-interval and -failure. */
  l2tpsec_duration echo_interval; /* 30 s */
  unsigned echo_failure;          /* 4 */

  /* Server: time the peer has to send usable credentials after the
   * authentication phase starts (excluding a pending decision), and the
   * number of attempts (rejected credentials) before the link closes.
   * Client: time to wait for the server's verdict. */
  l2tpsec_duration auth_timeout; /* server 30 s, client 120 s */
  unsigned auth_max_attempts;    /* 3 */

  /* Server: how long a decision may stay pending before PPP gives up and
   * cancels it. Long enough for a RADIUS push approval with failover. */
  l2tpsec_duration auth_decision_timeout; /* 120 s */

  /* Server: our own IPv4 address, sent in IPCP (network byte order), and
   * the DNS and NBNS servers given to clients (RFC 1877); zero = none. */
  uint8_t local_address[4];
  uint8_t dns[2][4];
  uint8_t nbns[2][4];

  /* Client: ask the server for DNS servers (RFC 1877). Default true. */
  bool request_dns;

  /* Run IPv6CP (RFC 5072); when false, IPv6CP is Protocol-Rejected.
   * Default false. */
  bool ipv6;

  /* Peer's address text for auth requests and logs (copied). */
  const char *peer;
} l2tpsec_ppp_settings;

/* Fills the defaults given in the comments above for the given role. */
L2TPSEC_API void l2tpsec_ppp_settings_default(l2tpsec_ppp_settings *settings,
                                              enum l2tpsec_ppp_role role);

enum l2tpsec_ppp_event_type {
  L2TPSEC_PPP_EVENT_PHASE,        /* phase changed */
  L2TPSEC_PPP_EVENT_AUTH_SUCCESS, /* peer (server) or we (client) passed */
  L2TPSEC_PPP_EVENT_AUTH_FAILURE,
  L2TPSEC_PPP_EVENT_IPCP_UP,      /* IPv4 may flow; addresses set */
  L2TPSEC_PPP_EVENT_IPCP_DOWN,
  L2TPSEC_PPP_EVENT_IPV6CP_UP,
  L2TPSEC_PPP_EVENT_IPV6CP_DOWN,
  L2TPSEC_PPP_EVENT_DEAD,         /* link finished; delete the object */
};

/* Reason the link finished (EVENT_DEAD). */
enum l2tpsec_ppp_down_reason {
  L2TPSEC_PPP_DOWN_CLOSED = 0,      /* l2tpsec_ppp_close() */
  L2TPSEC_PPP_DOWN_PEER_TERMINATED, /* peer sent Terminate-Request */
  L2TPSEC_PPP_DOWN_NEGOTIATION,     /* LCP or NCP could not agree */
  L2TPSEC_PPP_DOWN_AUTH_FAILED,
  L2TPSEC_PPP_DOWN_AUTH_TIMEOUT,
  L2TPSEC_PPP_DOWN_ECHO_TIMEOUT,    /* keepalive failed */
  L2TPSEC_PPP_DOWN_LOOPBACK,        /* own magic number came back */
  L2TPSEC_PPP_DOWN_NO_ADDRESS,      /* address pool had none */
};

/* Returns a short English description of a reason. */
L2TPSEC_API const char *
l2tpsec_ppp_down_reason_name(enum l2tpsec_ppp_down_reason reason);

typedef struct l2tpsec_ppp_event {
  enum l2tpsec_ppp_event_type type;
  enum l2tpsec_ppp_phase phase;         /* EVENT_PHASE: the new phase */
  enum l2tpsec_auth_method method;      /* AUTH_*: method used */
  enum l2tpsec_auth_reason auth_reason; /* AUTH_FAILURE */
  const char *user;                     /* AUTH_*: user name */
  uint8_t local_address[4];             /* IPCP_UP, network byte order */
  uint8_t peer_address[4];
  uint8_t dns[2][4];                    /* IPCP_UP, client: learned DNS */
  uint8_t local_interface_id[8];        /* IPV6CP_UP */
  uint8_t peer_interface_id[8];
  enum l2tpsec_ppp_down_reason down_reason; /* EVENT_DEAD */
} l2tpsec_ppp_event;

/* What the server's address pool is asked for when IPCP starts. */
typedef struct l2tpsec_ppp_address_request {
  const char *user;             /* authenticated user name */
  const l2tpsec_auth_attributes *attributes; /* from the accept; may
                                                 carry a static address */
  uint8_t requested[4];         /* what the peer asked for, or zeros */
} l2tpsec_ppp_address_request;

typedef struct l2tpsec_ppp_callbacks {
  /*
   * Sends one PPP frame (protocol field first, with FF 03 in front unless
   * the peer negotiated ACFC). The packet is lent for the call: the
   * callee may push headers into its headroom (PPP leaves at least 128
   * bytes) and must not keep it. Required.
   */
  void (*send_frame)(void *user_data, l2tpsec_pkt *frame);

  /* Delivers one received IPv4 or IPv6 packet (version in the first
   * nibble), lent for the call like send_frame's. Required. */
  void (*deliver_ip)(void *user_data, l2tpsec_pkt *packet);

  /* Reports an event; the struct is valid during the call only. */
  void (*event)(void *user_data, const l2tpsec_ppp_event *event);

  /* Server: requests a decision on the peer's credentials. Required in
   * the server role. */
  l2tpsec_auth_request_fn auth_request;
  l2tpsec_auth_cancel_fn auth_cancel;

  /*
   * Server: picks the peer's IPv4 address (network byte order) into
   * `address`. Return 0, or a negative error when the pool is empty
   * (the link then closes with DOWN_NO_ADDRESS). Required in the server
   * role. address_release returns it when IPCP goes down for good.
   */
  int (*address_request)(void *user_data,
                         const l2tpsec_ppp_address_request *req,
                         uint8_t address[4]);
  void (*address_release)(void *user_data, const uint8_t address[4]);
} l2tpsec_ppp_callbacks;

/*
 * Creates a PPP link in the Establish phase and sends the first LCP
 * Configure-Request at `now` (the lower layer is already up when L2TP
 * creates a session). Settings and strings are copied. Returns
 * L2TPSEC_ERR_INVALID_ARGUMENT for a NULL argument or a missing required
 * callback, L2TPSEC_ERR_CONFIG for an out-of-range setting (the log names
 * it), L2TPSEC_ERR_NOMEM.
 */
L2TPSEC_API int l2tpsec_ppp_new(l2tpsec_ppp **pppp,
                                const l2tpsec_ppp_settings *settings,
                                const l2tpsec_ppp_callbacks *callbacks,
                                void *user_data, l2tpsec_tstamp now);

/* Cancels a pending authentication, wipes secrets, frees. Accepts NULL. */
L2TPSEC_API void l2tpsec_ppp_del(l2tpsec_ppp *ppp);

/*
 * Processes one received PPP frame. The packet is lent for the call and
 * may be modified. Returns 0 when the frame was used or dropped
 * harmlessly; L2TPSEC_ERR_MALFORMED or L2TPSEC_ERR_TRUNCATED when it
 * was dropped as invalid (a counter and a rate-limited log line record
 * it); L2TPSEC_ERR_CLOSED after the link finished.
 */
L2TPSEC_API int l2tpsec_ppp_input(l2tpsec_ppp *ppp, l2tpsec_pkt *frame,
                                  l2tpsec_tstamp now);

/*
 * Sends an IPv4 or IPv6 packet: pushes the PPP header into the packet's
 * headroom (at most 4 bytes) and calls send_frame with the same packet.
 * Returns L2TPSEC_ERR_STATE when the matching NCP is not open (no IP
 * before authentication and IPCP), L2TPSEC_ERR_LIMIT when the packet is
 * larger than the peer's MRU, L2TPSEC_ERR_NOBUFS without headroom,
 * L2TPSEC_ERR_MALFORMED when it is neither IPv4 nor IPv6.
 */
L2TPSEC_API int l2tpsec_ppp_send_ip(l2tpsec_ppp *ppp, l2tpsec_pkt *packet,
                                    l2tpsec_tstamp now);

/* Returns the earliest time handle_timeout must run, or NEVER. */
L2TPSEC_API l2tpsec_tstamp l2tpsec_ppp_next_deadline(const l2tpsec_ppp *ppp);

/* Runs the timers that are due at `now`. Returns 0 or L2TPSEC_ERR_CLOSED. */
L2TPSEC_API int l2tpsec_ppp_handle_timeout(l2tpsec_ppp *ppp,
                                           l2tpsec_tstamp now);

/*
 * Starts an orderly close (LCP Terminate-Request). EVENT_DEAD follows
 * when the peer acknowledges or the terminate counter runs out. Returns
 * 0, or L2TPSEC_ERR_CLOSED when the link is already dead.
 */
L2TPSEC_API int l2tpsec_ppp_close(l2tpsec_ppp *ppp, l2tpsec_tstamp now);

L2TPSEC_API enum l2tpsec_ppp_phase l2tpsec_ppp_phase(const l2tpsec_ppp *ppp);

/* The peer's negotiated MRU: the largest IP packet send_ip accepts. */
L2TPSEC_API uint16_t l2tpsec_ppp_peer_mru(const l2tpsec_ppp *ppp);

/* Counters for monitoring; all only grow. */
typedef struct l2tpsec_ppp_stats {
  uint64_t frames_in, frames_out;
  uint64_t ip_in, ip_out;
  uint64_t malformed;         /* dropped: bad header, length or option */
  uint64_t unexpected;        /* dropped: valid but wrong state or id */
  uint64_t ip_dropped;        /* IP received before its NCP was open */
  uint64_t protocol_rejected; /* unknown protocols we Protocol-Rejected */
  uint64_t echo_requests_out, echo_replies_in;
  uint64_t auth_failures;
} l2tpsec_ppp_stats;

L2TPSEC_API void l2tpsec_ppp_get_stats(const l2tpsec_ppp *ppp,
                                       l2tpsec_ppp_stats *stats);

#ifdef __cplusplus
}
#endif

#endif
