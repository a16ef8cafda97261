/*
 * The option negotiation automaton of RFC 1661 section 4, shared by LCP,
 * IPCP and IPv6CP. The per-protocol parts (which options to request, how
 * to judge the peer's) come in a ppp_fsm_ops table.
 */
#ifndef L2TPSEC_PPP_FSM_H
#define L2TPSEC_PPP_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l2tpsec/common.h"

struct l2tpsec_ppp;

/* States of RFC 1661 section 4.2. */
enum ppp_fsm_state {
  FSM_INITIAL = 0,
  FSM_STARTING,
  FSM_CLOSED,
  FSM_STOPPED,
  FSM_CLOSING,
  FSM_STOPPING,
  FSM_REQ_SENT,
  FSM_ACK_RCVD,
  FSM_ACK_SENT,
  FSM_OPENED,
};

/* Packet codes of RFC 1661 section 5. */
enum ppp_code {
  CODE_CONF_REQ = 1,
  CODE_CONF_ACK = 2,
  CODE_CONF_NAK = 3,
  CODE_CONF_REJ = 4,
  CODE_TERM_REQ = 5,
  CODE_TERM_ACK = 6,
  CODE_CODE_REJ = 7,
  CODE_PROTO_REJ = 8,
  CODE_ECHO_REQ = 9,
  CODE_ECHO_REP = 10,
  CODE_DISCARD_REQ = 11,
  CODE_IDENTIFICATION = 12,
  CODE_TIME_REMAINING = 13,
};

/* Largest option list we build or answer with. */
#define FSM_OPTIONS_MAX 1492

struct ppp_fsm_ops {
  const char *name; /* "LCP", "IPCP", "IPv6CP" for logs */

  /* Resets the options we request to their starting values (irc on
   * entry to Req-Sent from a closed state). */
  void (*reset)(struct l2tpsec_ppp *ppp);

  /* Writes our Configure-Request options; returns their length. */
  size_t (*build_request)(struct l2tpsec_ppp *ppp, uint8_t *out);

  /* Applies the peer's Configure-Nak (reject false) or Configure-Reject
   * (reject true) to our wanted options. Returns false when the packet
   * does not fit what we sent, so it is dropped. */
  bool (*peer_nak)(struct l2tpsec_ppp *ppp, const uint8_t *opts, size_t len,
                   bool reject, l2tpsec_tstamp now);

  /* Judges the peer's Configure-Request. Writes the options for a Nak
   * or Reject into out and returns CODE_CONF_ACK, CODE_CONF_NAK or
   * CODE_CONF_REJ. With naks_exhausted, options that would be NAKed are
   * rejected instead (Max-Failure, RFC 1661 section 4.6). The peer's
   * values are stored only on CODE_CONF_ACK. */
  int (*judge_request)(struct l2tpsec_ppp *ppp, const uint8_t *opts,
                       size_t len, uint8_t *out, size_t *out_len,
                       bool naks_exhausted, l2tpsec_tstamp now);

  /* This-Layer-Up, -Down, -Started, -Finished (RFC 1661 section 4.4). */
  void (*up)(struct l2tpsec_ppp *ppp, l2tpsec_tstamp now);
  void (*down)(struct l2tpsec_ppp *ppp, l2tpsec_tstamp now);
  void (*finished)(struct l2tpsec_ppp *ppp, l2tpsec_tstamp now);

  /* Handles codes beyond 7 (LCP's Protocol-Reject, Echo...). Returns
   * false for an unknown code, which is Code-Rejected. May be NULL. */
  bool (*extra_code)(struct l2tpsec_ppp *ppp, uint8_t code, uint8_t id,
                     const uint8_t *data, size_t len, l2tpsec_tstamp now);
};

struct ppp_fsm {
  const struct ppp_fsm_ops *ops;
  uint16_t protocol;
  enum ppp_fsm_state state;
  uint8_t id;               /* identifier of our last request */
  unsigned restart_count;
  unsigned naks_sent;       /* Configure-Naks since the last Ack sent */
  l2tpsec_tstamp restart_at; /* restart timer, or NEVER */
  uint8_t last_request[FSM_OPTIONS_MAX]; /* options of our last request */
  size_t last_request_len;

  /* The peer's request we acknowledged last, to recognise duplicates. */
  bool peer_request_acked;
  uint8_t peer_request_id;
  uint8_t peer_request[FSM_OPTIONS_MAX];
  size_t peer_request_len;
};

void l2tpsec__fsm_init(struct ppp_fsm *fsm, uint16_t protocol,
                       const struct ppp_fsm_ops *ops);

/* Administrative and lower-layer events of RFC 1661 section 4.3. */
void l2tpsec__fsm_up(struct l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                     l2tpsec_tstamp now);
void l2tpsec__fsm_down(struct l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                       l2tpsec_tstamp now);
void l2tpsec__fsm_open(struct l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                       l2tpsec_tstamp now);
void l2tpsec__fsm_close(struct l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                        l2tpsec_tstamp now);
void l2tpsec__fsm_timeout(struct l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                          l2tpsec_tstamp now);

/* RXJ- from a Protocol-Reject of this protocol or a fatal Code-Reject. */
void l2tpsec__fsm_rxj_bad(struct l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                          l2tpsec_tstamp now);

/* Feeds one packet (code, id, length, data) of this protocol. Returns 0
 * or L2TPSEC_ERR_MALFORMED / L2TPSEC_ERR_TRUNCATED. */
int l2tpsec__fsm_input(struct l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                       const uint8_t *pkt, size_t len, l2tpsec_tstamp now);

/* Returns a state's RFC 1661 name. */
const char *l2tpsec__fsm_state_name(enum ppp_fsm_state state);

#endif
