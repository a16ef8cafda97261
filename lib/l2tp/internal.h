/* Objects of the L2TP layer shared by its files. */
#ifndef L2TPSEC_L2TP_INTERNAL_H
#define L2TPSEC_L2TP_INTERNAL_H

#include "core/ratelimit.h"
#include "l2tp/avp.h"
#include "l2tp/idmap.h"
#include "l2tp/proto.h"
#include "l2tpsec/l2tp.h"

#define L2TP_WINDOW_MAX 64
/* Unacknowledged control messages a tunnel keeps before it gives up on
 * the peer: far more than any exchange needs, few enough to bound the
 * memory a peer that never acknowledges can make us hold. */
#define L2TP_TX_QUEUE_MAX 256
#define L2TP_HOST_NAME_MAX 255
/* Maximum error message length kept for events and logs; longer ones
 * are cut. */
#define L2TP_MESSAGE_MAX 128

/* A parsed L2TP header (section 3.1). */
/*
 * Kinds of receive-path log line. Each has its own rate limiter, so a
 * "suppressed" count always refers to lines of the same kind.
 */
enum l2tp_rx_log_kind {
  L2TP_RX_LOG_VERSION,        /* L2TP version other than 2 */
  L2TP_RX_LOG_HEADER,         /* malformed header */
  L2TP_RX_LOG_UNKNOWN_TUNNEL, /* control message for no tunnel */
  L2TP_RX_LOG_INVALID,        /* invalid AVPs in a control message */
  L2TP_RX_LOG_UNEXPECTED,     /* message not valid in the tunnel state */
  L2TP_RX_LOG_SESSION,        /* session message dropped or refused */
  L2TP_RX_LOG_SCCRQ_REFUSED,  /* SCCRQ answered with StopCCN */
  L2TP_RX_LOG_HALF_OPEN,      /* end of a tunnel that never came up */
  L2TP_RX_LOG_KINDS,
};

typedef struct l2tpsec__l2tp_header {
  uint16_t flags;
  uint16_t tunnel_id, session_id;
  uint16_t ns, nr;
  size_t header_len;   /* bytes before the payload, offset pad included */
  size_t message_len;  /* Length field, or the datagram length without L */
} l2tpsec__l2tp_header;

/*
 * Parses and checks a header: version 2, the control-message flag rules,
 * Length within the datagram, offset within the message. Returns 0,
 * L2TPSEC_ERR_TRUNCATED, L2TPSEC_ERR_MALFORMED or L2TPSEC_ERR_UNSUPPORTED
 * (other version).
 */
int l2tpsec__l2tp_header_parse(const uint8_t *data, size_t len,
                               l2tpsec__l2tp_header *h);

/* A control message we sent or will send, kept until acknowledged. */
typedef struct l2tpsec__l2tp_txmsg {
  struct l2tpsec__l2tp_txmsg *next;
  uint16_t ns;
  uint16_t len; /* whole message, header included */
  bool sent;
  uint8_t data[];
} l2tpsec__l2tp_txmsg;

/* A control message received ahead of sequence, waiting for its turn. */
typedef struct l2tpsec__l2tp_rxmsg {
  struct l2tpsec__l2tp_rxmsg *next;
  uint16_t ns;
  uint16_t session_id;
  size_t len; /* AVP bytes */
  uint8_t data[];
} l2tpsec__l2tp_rxmsg;

/* Reliable delivery state of one control connection (section 5.8). */
typedef struct l2tpsec__l2tp_ctl {
  uint16_t ns_next;     /* Ns of the next message we queue */
  uint16_t nr;          /* Ns we expect next from the peer */
  uint16_t peer_window; /* messages the peer accepts unacknowledged */
  l2tpsec__l2tp_txmsg *tx_head, *tx_tail;
  l2tpsec__l2tp_rxmsg *rx_ahead; /* sorted by Ns */
  size_t rx_ahead_count;
  l2tpsec_tstamp rtx_deadline; /* TSTAMP_NEVER when nothing in flight */
  l2tpsec_duration rtx_timeout;
  unsigned retries;
  unsigned tx_count; /* messages in tx_head */
  bool tx_overflow;  /* a message was dropped: L2TP_TX_QUEUE_MAX hit */
  bool ack_pending;
} l2tpsec__l2tp_ctl;

enum l2tp_tunnel_state {
  L2TP_TUNNEL_WAIT_CTL_REPLY, /* SCCRQ sent */
  L2TP_TUNNEL_WAIT_CTL_CONN,  /* SCCRP sent */
  L2TP_TUNNEL_ESTABLISHED,
  L2TP_TUNNEL_CLOSING, /* StopCCN sent, waiting for its acknowledgement */
  L2TP_TUNNEL_CLOSED,  /* StopCCN received, acknowledging duplicates */
  L2TP_TUNNEL_DEAD,    /* freed at the end of the current call */
};

enum l2tp_session_state {
  L2TP_SESSION_WAIT_REPLY,   /* LAC: ICRQ sent */
  L2TP_SESSION_WAIT_CONNECT, /* LNS: ICRP sent */
  L2TP_SESSION_ESTABLISHED,
};

typedef struct l2tpsec__l2tp_tunnel l2tpsec__l2tp_tunnel;

typedef struct l2tpsec__l2tp_session {
  l2tpsec__l2tp_tunnel *tunnel;
  uint16_t id, peer_id;
  enum l2tp_session_state state;
  bool sequencing;       /* put Ns/Nr on data we send */
  uint16_t data_ns;      /* next data Ns we send */
  uint16_t data_nr;      /* next data Ns we expect */
} l2tpsec__l2tp_session;

struct l2tpsec__l2tp_tunnel {
  l2tpsec_l2tp *ep;
  uint64_t transport;
  uint16_t id, peer_id;
  enum l2tp_tunnel_state state;
  l2tpsec__l2tp_ctl ctl;
  l2tpsec__idmap sessions;
  l2tpsec_tstamp last_rx;
  l2tpsec_tstamp linger_until; /* CLOSED: when to free */
  uint8_t challenge[16];       /* ours, when we sent one */
  bool sent_challenge;
  uint8_t tie_breaker[8];
  bool sent_tie_breaker;
  char peer_host[64];
  bool reported_down; /* TUNNEL_DOWN already sent to the application */
  bool established;   /* TUNNEL_UP was sent */
  /* Copies of the endpoint's settings that the API may change per
   * tunnel. */
  l2tpsec_duration hello_interval, retransmit_cap;
  unsigned max_retries;
  l2tpsec__l2tp_tunnel *next_dead;
};

struct l2tpsec_l2tp {
  l2tpsec_l2tp_settings settings;
  l2tpsec_l2tp_callbacks cb;
  void *user_data;
  char host_name[L2TP_HOST_NAME_MAX + 1];
  char vendor_name[L2TP_HOST_NAME_MAX + 1];
  uint8_t *secret;
  size_t secret_len;
  l2tpsec__idmap tunnels;
  size_t session_count;
  uint32_t call_serial;
  l2tpsec_l2tp_stats stats;
  l2tpsec__ratelimit rx_log[L2TP_RX_LOG_KINDS]; /* receive-path lines */
  l2tpsec__ratelimit reply_limit; /* stateless StopCCN replies */
  l2tpsec__l2tp_tunnel *dead;     /* tunnels to free */
  l2tpsec_tstamp now; /* time of the input or timeout call in progress */
};

#define L2TP_LOG(ep, level, ...)                                               \
  L2TPSEC_LOG(&(ep)->settings.log, level, L2TPSEC_LOG_L2TP, __VA_ARGS__)
#define L2TP_LOG_RX(ep, kind, now, level, ...)                                 \
  l2tpsec__log_limited(&(ep)->settings.log, &(ep)->rx_log[kind], now, level,   \
                       L2TPSEC_LOG_L2TP, __VA_ARGS__)

void l2tpsec__l2tp_rx_log_summary(l2tpsec_l2tp *ep, l2tpsec_tstamp now);
l2tpsec_tstamp l2tpsec__l2tp_rx_log_deadline(const l2tpsec_l2tp *ep);

/* ---- control channel (reliable.c) ---- */
void l2tpsec__l2tp_ctl_init(l2tpsec__l2tp_tunnel *t);
void l2tpsec__l2tp_ctl_free(l2tpsec__l2tp_ctl *ctl);
/* Queues a built message (header + AVPs) and sends it if the window
 * allows. Takes ownership of msg. */
void l2tpsec__l2tp_ctl_queue(l2tpsec__l2tp_tunnel *t, l2tpsec__l2tp_txmsg *m,
                             l2tpsec_tstamp now);
/* Feeds one received control message through sequencing; processes it
 * and any queued successors. Returns 0 or the reason it was dropped. */
int l2tpsec__l2tp_ctl_receive(l2tpsec__l2tp_tunnel *t,
                              const l2tpsec__l2tp_header *h,
                              const uint8_t *avps, size_t len,
                              l2tpsec_tstamp now);
/* Sends a ZLB when a received message is still unacknowledged. */
void l2tpsec__l2tp_ctl_flush_ack(l2tpsec__l2tp_tunnel *t, l2tpsec_tstamp now);
/* Retransmits or gives up; returns false when the tunnel timed out. */
bool l2tpsec__l2tp_ctl_timeout(l2tpsec__l2tp_tunnel *t, l2tpsec_tstamp now);
bool l2tpsec__l2tp_ctl_idle(const l2tpsec__l2tp_ctl *ctl);
/* Closes the tunnel when a message had to be dropped from a full queue. */
void l2tpsec__l2tp_ctl_check_overflow(l2tpsec__l2tp_tunnel *t);
/* Hands a finished datagram to the send callback with headroom. */
void l2tpsec__l2tp_transmit(l2tpsec_l2tp *ep, uint64_t transport,
                            const uint8_t *data, size_t len);

/* ---- messages (build.c) ---- */
l2tpsec__l2tp_txmsg *l2tpsec__l2tp_msg_new(l2tpsec__l2tp_tunnel *t,
                                           uint16_t peer_session,
                                           const l2tpsec__l2tp_writer *w);
void l2tpsec__l2tp_writer_start(l2tpsec__l2tp_tunnel *t,
                                l2tpsec__l2tp_writer *w, uint8_t *buf,
                                size_t cap, uint16_t type);
/* Appends an AVP, hidden when the endpoint hides AVPs. */
void l2tpsec__l2tp_put_secret(l2tpsec__l2tp_tunnel *t, l2tpsec__l2tp_writer *w,
                              uint16_t attr, const void *value, size_t len);
void l2tpsec__l2tp_put_result(l2tpsec__l2tp_writer *w, uint16_t result,
                              uint16_t error, const char *message);
int l2tpsec__l2tp_send_msg(l2tpsec__l2tp_tunnel *t, uint16_t peer_session,
                           const l2tpsec__l2tp_writer *w, l2tpsec_tstamp now);

/* ---- tunnels (tunnel.c, tunnel_rx.c) ---- */
int l2tpsec__l2tp_sccrq_input(l2tpsec_l2tp *ep, uint64_t transport,
                              const l2tpsec__l2tp_header *h,
                              const uint8_t *avps, size_t len,
                              l2tpsec_tstamp now);
l2tpsec__l2tp_tunnel *l2tpsec__l2tp_tunnel_new(l2tpsec_l2tp *ep,
                                               uint64_t transport, int *err);
void l2tpsec__l2tp_tunnel_process(l2tpsec__l2tp_tunnel *t, uint16_t sid,
                                  uint8_t *avps, size_t len,
                                  l2tpsec_tstamp now);
/* Sends StopCCN, reports every session and the tunnel down. */
void l2tpsec__l2tp_tunnel_stop(l2tpsec__l2tp_tunnel *t, uint16_t result,
                               uint16_t error, const char *message,
                               enum l2tpsec_l2tp_reason reason,
                               l2tpsec_tstamp now);
/* Reports the sessions and the tunnel down and frees it at once. */
void l2tpsec__l2tp_tunnel_kill(l2tpsec__l2tp_tunnel *t,
                               enum l2tpsec_l2tp_reason reason,
                               uint16_t result, uint16_t error,
                               const char *message);
/* Enters CLOSED after a StopCCN and keeps acknowledging for a while. */
void l2tpsec__l2tp_tunnel_closed_by_peer(l2tpsec__l2tp_tunnel *t,
                                         l2tpsec_tstamp now);
/* Sends SCCRQ on a new tunnel (tunnel_rx.c). */
int l2tpsec__l2tp_send_sccrq(l2tpsec__l2tp_tunnel *t, l2tpsec_tstamp now);
void l2tpsec__l2tp_tunnel_timeout(l2tpsec__l2tp_tunnel *t, l2tpsec_tstamp now);
l2tpsec_tstamp l2tpsec__l2tp_tunnel_deadline(const l2tpsec__l2tp_tunnel *t);
void l2tpsec__l2tp_tunnel_event(l2tpsec__l2tp_tunnel *t,
                                enum l2tpsec_l2tp_event_type type,
                                enum l2tpsec_l2tp_reason reason,
                                uint16_t result, uint16_t error,
                                const char *message);
void l2tpsec__l2tp_reap(l2tpsec_l2tp *ep);
/* Names of Result and Error Code values (result_names.c). */
const char *l2tpsec__l2tp_stopccn_result_name(uint16_t result);
const char *l2tpsec__l2tp_cdn_result_name(uint16_t result);
const char *l2tpsec__l2tp_error_name(uint16_t error);

void l2tpsec__l2tp_log_down(const l2tpsec__l2tp_tunnel *t, const char *how,
                            uint16_t result, uint16_t error,
                            const char *message);
/* Challenge Response (section 4.2): MD5(type || secret || challenge). */
int l2tpsec__l2tp_chap_response(const l2tpsec_l2tp *ep, uint8_t msg_type,
                                const uint8_t *challenge, size_t len,
                                uint8_t out[16]);

/* ---- sessions (session.c) ---- */
void l2tpsec__l2tp_session_process(l2tpsec__l2tp_tunnel *t, uint16_t sid,
                                   l2tpsec__l2tp_msg *msg,
                                   l2tpsec_tstamp now);
/* Reports every session of a tunnel down and frees them. */
void l2tpsec__l2tp_sessions_kill(l2tpsec__l2tp_tunnel *t,
                                 enum l2tpsec_l2tp_reason reason,
                                 uint16_t result, uint16_t error,
                                 const char *message);
void l2tpsec__l2tp_session_fail(l2tpsec__l2tp_tunnel *t, uint16_t sid,
                                const l2tpsec__l2tp_msg *msg,
                                l2tpsec_tstamp now);

/* ---- data (data.c) ---- */
int l2tpsec__l2tp_data_input(l2tpsec_l2tp *ep, uint64_t transport,
                             const l2tpsec__l2tp_header *h,
                             const uint8_t *data, l2tpsec_tstamp now);

/* Copies printable ASCII of src into dst (NUL-terminated, cut to fit). */
void l2tpsec__l2tp_printable(char *dst, size_t cap, const uint8_t *src,
                             size_t len);

#endif
