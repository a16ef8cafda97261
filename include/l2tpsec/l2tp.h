/*
 * L2TPv2 (RFC 2661): control connections, sessions and data messages, for
 * both the LNS and the LAC role, without I/O.
 *
 * One l2tpsec_l2tp endpoint contains any number of tunnels, each with any
 * number of sessions. It carries PPP frames as opaque bytes and runs over
 * any datagram transport: the caller feeds it each received UDP payload
 * together with a 64-bit transport id that names where the datagram came
 * from (an ESP SA, an address and port, a test pipe), and the endpoint
 * hands every datagram it sends to the send callback with the transport
 * id of its tunnel. A tunnel is identified by (transport id, peer's
 * Assigned Tunnel ID), so several clients behind one NAT that share an
 * outer address and port stay apart as long as their transport ids
 * differ.
 *
 * Callbacks may call the public functions of the same endpoint, except
 * l2tpsec_l2tp_del and l2tpsec_l2tp_input.
 */
#ifndef L2TPSEC_L2TP_H
#define L2TPSEC_L2TP_H

#include <stdbool.h>

#include "l2tpsec/common.h"
#include "l2tpsec/log.h"
#include "l2tpsec/packet.h"
#include "l2tpsec/rand.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct l2tpsec_l2tp l2tpsec_l2tp;

/*
 * Bytes that the endpoint reserves in front of every control message it
 * sends and that session_send needs in front of a PPP frame: room for
 * the lower layers' headers (UDP, ESP, outer IP) to be pushed in place.
 */
#define L2TPSEC_L2TP_SEND_HEADROOM 128
/* Bytes reserved after every control message, for an ESP trailer. */
#define L2TPSEC_L2TP_SEND_TAILROOM 64
/* Largest L2TP data header: flags, length, ids, Ns, Nr, offset size. */
#define L2TPSEC_L2TP_DATA_HEADER_MAX 16

/* The endpoint's side of calls (RFC 2661 section 1.2). */
enum l2tpsec_l2tp_role {
  /* Network Server: accepts incoming calls (ICRQ). */
  L2TPSEC_L2TP_LNS = 0,
  /* Access Concentrator: places incoming calls (sends ICRQ). */
  L2TPSEC_L2TP_LAC = 1,
};

typedef struct l2tpsec_l2tp_settings {
  enum l2tpsec_l2tp_role role;
  /* Sent in the Host Name AVP; copied at creation. Default "libl2tpsec". */
  const char *host_name;
  /* Sent in the Vendor Name AVP; copied. Default "libl2tpsec". */
  const char *vendor_name;
  /*
   * Tunnel secret for Challenge/Response authentication (section 4.2)
   * and hidden AVPs (section 4.3); copied and wiped on deletion. NULL or
   * length 0 disables both. With a secret, we challenge every peer.
   * NOTE: one secret serves every peer of the endpoint.
   */
  const uint8_t *secret;
  size_t secret_len;
  /* Hide sensitive AVPs that we send (needs a secret). Default false. */
  bool hide_avps;
  /* Accept SCCRQ from peers. Default true. */
  bool accept_tunnels;
  /* Send a Tie Breaker AVP (section 4.4.3) in our SCCRQ. Default false. */
  bool tie_breaker;
  /* Send sequence numbers on data messages and ask the peer to. */
  bool data_sequencing;
  /* Set the L bit (length field) on data messages we send. */
  bool data_length_bit;
  /* Receive Window Size we advertise (1..64). Default 4. */
  uint16_t receive_window;
  /*
   * Retransmission of control messages (section 5.8): the first resend
   * comes after retransmit_initial, each later wait doubles up to
   * retransmit_cap. After max_retries timeouts in a row without an
   * acknowledgement the tunnel closes. Defaults 1 s, 8 s and 5: sends at
   * 0, 1, 3, 7 and 15 s, closed at 23 s.
   */
  l2tpsec_duration retransmit_initial;
  l2tpsec_duration retransmit_cap;
  unsigned max_retries;
  /*
   * A HELLO is sent after this long without receiving anything on a
   * tunnel (section 6.5); 0 disables HELLO. Default 60 s.
   */
  l2tpsec_duration hello_interval;
  /* Maximum number of tunnels at once. Default 4096. */
  uint32_t max_tunnels;
  /* Sessions per tunnel. Default 1024. */
  uint32_t max_sessions_per_tunnel;
  /* Connect speed in bits per second reported in ICCN. Default 1e8. */
  uint32_t connect_speed;
  l2tpsec_rand rand;
  l2tpsec_log log;
} l2tpsec_l2tp_settings;

/* Fills settings with the defaults above, the LNS role and no secret. */
L2TPSEC_API void l2tpsec_l2tp_settings_default(l2tpsec_l2tp_settings *s);

enum l2tpsec_l2tp_event_type {
  L2TPSEC_L2TP_TUNNEL_UP,    /* control connection established */
  /* Tunnel closed. Its sessions went first, each SESSION_DOWN with the
   * tunnel's reason, result code and message. */
  L2TPSEC_L2TP_TUNNEL_DOWN,
  L2TPSEC_L2TP_SESSION_UP,   /* session established: frames may flow */
  L2TPSEC_L2TP_SESSION_DOWN, /* session closed */
  L2TPSEC_L2TP_LINK_INFO,    /* SLI received: accm_send, accm_recv set */
  L2TPSEC_L2TP_WAN_ERROR,    /* WEN received: call_errors set */
  /* The tunnel's state is freed, after TUNNEL_DOWN and after the linger
   * that acknowledges a resent StopCCN (RFC 2661 section 5.7). It sends
   * nothing more on its transport, so a transport kept only for this
   * tunnel may be released now, and not at TUNNEL_DOWN. */
  L2TPSEC_L2TP_TUNNEL_FREED,
};

/* The cause of a tunnel or session going down. */
enum l2tpsec_l2tp_reason {
  L2TPSEC_L2TP_REASON_NONE = 0,
  L2TPSEC_L2TP_REASON_LOCAL,       /* closed through the API */
  L2TPSEC_L2TP_REASON_PEER,        /* StopCCN or CDN received */
  L2TPSEC_L2TP_REASON_TIMEOUT,     /* retransmissions ran out */
  L2TPSEC_L2TP_REASON_PROTOCOL,    /* malformed or unexpected message */
  L2TPSEC_L2TP_REASON_AUTH,        /* challenge/response failed */
  L2TPSEC_L2TP_REASON_TIE_BREAKER, /* lost the tie breaker */
};

/* Counters of a WAN-Error-Notify (Call Errors AVP, section 4.4.6). */
typedef struct l2tpsec_l2tp_call_errors {
  uint32_t crc_errors;
  uint32_t framing_errors;
  uint32_t hardware_overruns;
  uint32_t buffer_overruns;
  uint32_t timeout_errors;
  uint32_t alignment_errors;
} l2tpsec_l2tp_call_errors;

typedef struct l2tpsec_l2tp_event {
  enum l2tpsec_l2tp_event_type type;
  uint64_t transport;
  uint16_t tunnel_id;       /* ours */
  uint16_t peer_tunnel_id;  /* the peer's, 0 when not known yet */
  uint16_t session_id;      /* ours; 0 for tunnel events */
  uint16_t peer_session_id; /* 0 for tunnel events or when not known */
  enum l2tpsec_l2tp_reason reason;
  /* Result Code AVP sent or received with StopCCN or CDN, else 0. */
  uint16_t result_code;
  uint16_t error_code;
  /* Error message, printable ASCII, NUL-terminated; never NULL. */
  const char *message;
  /* Peer's Host Name (printable, NUL-terminated); never NULL. */
  const char *peer_host_name;
  uint32_t accm_send, accm_recv;
  l2tpsec_l2tp_call_errors call_errors;
} l2tpsec_l2tp_event;

/*
 * Sends one datagram (a UDP payload) on the transport. For control
 * messages pkt has L2TPSEC_L2TP_SEND_HEADROOM bytes of headroom, for data
 * whatever the caller gave session_send. The callee may push headers
 * into pkt and modify it in place, but owns it only during the call. Returns 0 or a negative error code, which the endpoint counts.
 */
typedef int (*l2tpsec_l2tp_send_fn)(void *user_data, uint64_t transport,
                                    l2tpsec_pkt *pkt);

/* Delivers one received PPP frame; valid only during the call. */
typedef void (*l2tpsec_l2tp_recv_fn)(void *user_data, uint16_t tunnel_id,
                                     uint16_t session_id,
                                     const uint8_t *frame, size_t len);

typedef void (*l2tpsec_l2tp_event_fn)(void *user_data,
                                      const l2tpsec_l2tp_event *event);

typedef struct l2tpsec_l2tp_callbacks {
  l2tpsec_l2tp_send_fn send;   /* required */
  l2tpsec_l2tp_recv_fn recv;   /* may be NULL */
  l2tpsec_l2tp_event_fn event; /* may be NULL */
} l2tpsec_l2tp_callbacks;

/* Counters of dropped or noteworthy input; all only grow. */
typedef struct l2tpsec_l2tp_stats {
  uint64_t rx_datagrams;
  uint64_t rx_malformed;        /* header or AVP encoding invalid */
  uint64_t rx_bad_version;      /* Ver field other than 2 */
  uint64_t rx_unknown_tunnel;   /* no tunnel with that id */
  uint64_t rx_wrong_transport;  /* tunnel exists on another transport */
  uint64_t rx_unknown_session;  /* data for no established session */
  uint64_t rx_duplicate;        /* control Ns already received */
  uint64_t rx_out_of_order;     /* control Ns ahead, queued */
  uint64_t rx_outside_window;   /* control Ns beyond our window */
  uint64_t rx_bad_ack;          /* Nr acknowledges what was never sent */
  uint64_t rx_unexpected;       /* message not valid in the state */
  uint64_t rx_auth_failed;      /* challenge response wrong or missing */
  uint64_t rx_hidden_failed;    /* hidden AVP could not be revealed */
  uint64_t rx_unknown_mandatory; /* unknown AVP with the M bit set */
  uint64_t rx_data_stale;       /* data Ns older than expected */
  uint64_t rx_data_frames;      /* PPP frames delivered */
  uint64_t tx_control;          /* control messages sent, first time */
  uint64_t tx_retransmits;
  uint64_t tx_zlb;
  uint64_t tx_data_frames;
  uint64_t tx_errors;           /* send callback returned an error */
  uint64_t tunnels_created;
  uint64_t tunnels_rejected;    /* SCCRQ refused (limit, auth, version) */
} l2tpsec_l2tp_stats;

/*
 * Creates an endpoint. Settings and callbacks are copied. Returns
 * L2TPSEC_ERR_INVALID_ARGUMENT (NULL pointer, no send callback, no
 * random source), L2TPSEC_ERR_CONFIG (window outside 1..64, zero
 * retries or initial retransmission time, hide_avps without a secret, a
 * host name longer than 255 bytes) or L2TPSEC_ERR_NOMEM.
 */
L2TPSEC_API int l2tpsec_l2tp_new(l2tpsec_l2tp **pl2tp,
                                 const l2tpsec_l2tp_settings *settings,
                                 const l2tpsec_l2tp_callbacks *callbacks,
                                 void *user_data);

/* Frees the endpoint and its tunnels without sending. Accepts NULL. */
L2TPSEC_API void l2tpsec_l2tp_del(l2tpsec_l2tp *l2tp);

/*
 * Processes one received datagram (a UDP payload) from `transport`.
 * Replies and frames leave through the callbacks before it returns.
 * Returns 0 when the datagram was used, or the reason it was dropped:
 * L2TPSEC_ERR_MALFORMED, L2TPSEC_ERR_TRUNCATED, L2TPSEC_ERR_UNSUPPORTED
 * (version), L2TPSEC_ERR_NOT_FOUND (tunnel or session), L2TPSEC_ERR_REPLAY
 * (duplicate), L2TPSEC_ERR_STATE, L2TPSEC_ERR_AUTH_FAILED,
 * L2TPSEC_ERR_LIMIT or L2TPSEC_ERR_NOMEM. Each drop is also counted.
 */
L2TPSEC_API int l2tpsec_l2tp_input(l2tpsec_l2tp *l2tp, uint64_t transport,
                                   const uint8_t *data, size_t len,
                                   l2tpsec_tstamp now);

/* Returns the earliest time handle_timeout must run, or TSTAMP_NEVER. */
L2TPSEC_API l2tpsec_tstamp l2tpsec_l2tp_next_deadline(const l2tpsec_l2tp *l);

/* Runs retransmissions, HELLOs and expiries due at `now`. Returns 0. */
L2TPSEC_API int l2tpsec_l2tp_handle_timeout(l2tpsec_l2tp *l2tp,
                                            l2tpsec_tstamp now);

/*
 * Opens a tunnel to the peer on `transport` by sending SCCRQ; TUNNEL_UP
 * follows. Writes our tunnel id to *tunnel_id. Returns
 * L2TPSEC_ERR_LIMIT (max_tunnels reached) or L2TPSEC_ERR_NOMEM.
 */
L2TPSEC_API int l2tpsec_l2tp_tunnel_open(l2tpsec_l2tp *l2tp,
                                         uint64_t transport,
                                         uint16_t *tunnel_id,
                                         l2tpsec_tstamp now);

/*
 * Closes a tunnel with StopCCN (result_code 1 = general request, see
 * section 4.4.2) and reports SESSION_DOWN for each session and then
 * TUNNEL_DOWN. Returns L2TPSEC_ERR_NOT_FOUND or L2TPSEC_ERR_STATE
 * (already closing).
 */
L2TPSEC_API int l2tpsec_l2tp_tunnel_close(l2tpsec_l2tp *l2tp,
                                          uint16_t tunnel_id,
                                          uint16_t result_code,
                                          l2tpsec_tstamp now);

/*
 * Frees every tunnel on `transport` at once and sends nothing, for a
 * transport that can no longer carry a StopCCN (its ESP SAs are gone).
 * Reports SESSION_DOWN for each session, TUNNEL_DOWN (reason LOCAL,
 * message "transport closed") and TUNNEL_FREED for each tunnel before it
 * returns. Returns the number of tunnels freed.
 */
L2TPSEC_API size_t l2tpsec_l2tp_transport_abort(l2tpsec_l2tp *l2tp,
                                                uint64_t transport,
                                                l2tpsec_tstamp now);

/*
 * Places an incoming call on an established tunnel (LAC role): sends
 * ICRQ; SESSION_UP follows. Returns L2TPSEC_ERR_NOT_FOUND,
 * L2TPSEC_ERR_STATE (tunnel not established or LNS role),
 * L2TPSEC_ERR_LIMIT or L2TPSEC_ERR_NOMEM.
 */
L2TPSEC_API int l2tpsec_l2tp_session_open(l2tpsec_l2tp *l2tp,
                                          uint16_t tunnel_id,
                                          uint16_t *session_id,
                                          l2tpsec_tstamp now);

/*
 * Ends a session with CDN (result_code per section 4.4.2, e.g. 3 =
 * administrative reasons) and reports SESSION_DOWN. Returns
 * L2TPSEC_ERR_NOT_FOUND.
 */
L2TPSEC_API int l2tpsec_l2tp_session_close(l2tpsec_l2tp *l2tp,
                                           uint16_t tunnel_id,
                                           uint16_t session_id,
                                           uint16_t result_code,
                                           l2tpsec_tstamp now);

/*
 * Sends the PPP frame in pkt on an established session. The L2TP header
 * is pushed into pkt's headroom (at most L2TPSEC_L2TP_DATA_HEADER_MAX
 * bytes), so the frame is not copied; pkt stays the caller's. Returns
 * L2TPSEC_ERR_NOT_FOUND, L2TPSEC_ERR_STATE (session not established),
 * L2TPSEC_ERR_NOBUFS (headroom too small) or the send callback's error.
 */
L2TPSEC_API int l2tpsec_l2tp_session_send(l2tpsec_l2tp *l2tp,
                                          uint16_t tunnel_id,
                                          uint16_t session_id,
                                          l2tpsec_pkt *pkt,
                                          l2tpsec_tstamp now);

/*
 * Sends Set-Link-Info with the ACCM values PPP negotiated (LNS role,
 * section 6.15). Returns L2TPSEC_ERR_NOT_FOUND, L2TPSEC_ERR_STATE or
 * L2TPSEC_ERR_NOMEM.
 */
L2TPSEC_API int l2tpsec_l2tp_session_set_link_info(l2tpsec_l2tp *l2tp,
                                                   uint16_t tunnel_id,
                                                   uint16_t session_id,
                                                   uint32_t accm_send,
                                                   uint32_t accm_recv,
                                                   l2tpsec_tstamp now);

/*
 * Sends WAN-Error-Notify with the given counters (LAC role, section
 * 6.14). Returns L2TPSEC_ERR_NOT_FOUND, L2TPSEC_ERR_STATE or
 * L2TPSEC_ERR_NOMEM.
 */
L2TPSEC_API int l2tpsec_l2tp_session_report_errors(
    l2tpsec_l2tp *l2tp, uint16_t tunnel_id, uint16_t session_id,
    const l2tpsec_l2tp_call_errors *errors, l2tpsec_tstamp now);

/*
 * Changes one tunnel's HELLO interval (0 disables HELLO), retry count
 * and back-off cap, for peers such as sleeping phones that need other
 * values than the endpoint's settings. Returns L2TPSEC_ERR_NOT_FOUND or
 * L2TPSEC_ERR_INVALID_ARGUMENT (zero retries, cap below
 * retransmit_initial).
 */
L2TPSEC_API int l2tpsec_l2tp_tunnel_set_timers(l2tpsec_l2tp *l2tp,
                                               uint16_t tunnel_id,
                                               l2tpsec_duration hello_interval,
                                               unsigned max_retries,
                                               l2tpsec_duration retransmit_cap);

/* Copies the counters. */
L2TPSEC_API void l2tpsec_l2tp_get_stats(const l2tpsec_l2tp *l2tp,
                                        l2tpsec_l2tp_stats *stats);

/* Returns the number of tunnels held, including closing ones. */
L2TPSEC_API size_t l2tpsec_l2tp_tunnel_count(const l2tpsec_l2tp *l2tp);

/* Returns the number of sessions held over all tunnels. */
L2TPSEC_API size_t l2tpsec_l2tp_session_count(const l2tpsec_l2tp *l2tp);

#ifdef __cplusplus
}
#endif

#endif
