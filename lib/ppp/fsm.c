/*
 * The RFC 1661 option negotiation automaton. Each event handler follows
 * one column of the state transition table in section 4.1; the actions
 * (irc, scr, sca, tlu...) are the small functions at the top.
 */
#include <string.h>

#include "ppp/ppp_internal.h"

void l2tpsec__fsm_init(struct ppp_fsm *fsm, uint16_t protocol,
                       const struct ppp_fsm_ops *ops) {
  memset(fsm, 0, sizeof(*fsm));
  fsm->ops = ops;
  fsm->protocol = protocol;
  fsm->state = FSM_INITIAL;
  fsm->restart_at = L2TPSEC_TSTAMP_NEVER;
}

const char *l2tpsec__fsm_state_name(enum ppp_fsm_state state) {
  static const char *const names[] = {
      "Initial",  "Starting", "Closed",   "Stopped",  "Closing",
      "Stopping", "Req-Sent", "Ack-Rcvd", "Ack-Sent", "Opened"};

  if ((unsigned)state >= sizeof(names) / sizeof(names[0]))
    return "invalid";
  return names[state];
}

static void set_state(l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                      enum ppp_fsm_state state) {
  if (fsm->state == state)
    return;
  L2TPSEC_LOG(&ppp->settings.log, L2TPSEC_LOG_DEBUG, L2TPSEC_LOG_PPP,
              "%s: %s -> %s", fsm->ops->name,
              l2tpsec__fsm_state_name(fsm->state),
              l2tpsec__fsm_state_name(state));
  fsm->state = state;

  /* The restart timer runs only while a request is outstanding. */
  if (state != FSM_CLOSING && state != FSM_STOPPING &&
      state != FSM_REQ_SENT && state != FSM_ACK_RCVD && state != FSM_ACK_SENT)
    fsm->restart_at = L2TPSEC_TSTAMP_NEVER;
}

/* ---- Actions (RFC 1661 section 4.4) ------------------------------------ */

/* irc: Initialize-Restart-Count for a Configure or Terminate phase. */
static void irc(l2tpsec_ppp *ppp, struct ppp_fsm *fsm, bool terminate) {
  fsm->restart_count = terminate ? ppp->settings.max_terminate
                                 : ppp->settings.max_configure;
  if (!terminate)
    fsm->naks_sent = 0;
}

/* zrc: Zero-Restart-Count; the timer still runs once (Stopping waits). */
static void zrc(l2tpsec_ppp *ppp, struct ppp_fsm *fsm, l2tpsec_tstamp now) {
  fsm->restart_count = 0;
  fsm->restart_at = now + ppp->settings.restart_interval;
}

static void start_timer(l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                        l2tpsec_tstamp now) {
  if (fsm->restart_count > 0)
    fsm->restart_count--;
  fsm->restart_at = now + ppp->settings.restart_interval;
}

/* scr: Send-Configure-Request with a fresh identifier. */
static void scr(l2tpsec_ppp *ppp, struct ppp_fsm *fsm, l2tpsec_tstamp now) {
  fsm->last_request_len = fsm->ops->build_request(ppp, fsm->last_request);
  fsm->id++;
  l2tpsec__ppp_send_control(ppp, fsm->protocol, CODE_CONF_REQ, fsm->id,
                            fsm->last_request, fsm->last_request_len);
  start_timer(ppp, fsm, now);
}

/* A timeout retransmits the same request with the same identifier, which
 * RFC 1661 section 5.1 allows, so a peer that already acknowledged it
 * can tell the copy from a new request (pppd does the same). */
static void scr_again(l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                      l2tpsec_tstamp now) {
  l2tpsec__ppp_send_control(ppp, fsm->protocol, CODE_CONF_REQ, fsm->id,
                            fsm->last_request, fsm->last_request_len);
  start_timer(ppp, fsm, now);
}

/* str: Send-Terminate-Request. */
static void str(l2tpsec_ppp *ppp, struct ppp_fsm *fsm, l2tpsec_tstamp now) {
  fsm->id++;
  l2tpsec__ppp_send_control(ppp, fsm->protocol, CODE_TERM_REQ, fsm->id, NULL,
                            0);
  start_timer(ppp, fsm, now);
}

/* sta: Send-Terminate-Ack. */
static void sta(l2tpsec_ppp *ppp, struct ppp_fsm *fsm, uint8_t id) {
  l2tpsec__ppp_send_control(ppp, fsm->protocol, CODE_TERM_ACK, id, NULL, 0);
}

static void tlu(l2tpsec_ppp *ppp, struct ppp_fsm *fsm, l2tpsec_tstamp now) {
  set_state(ppp, fsm, FSM_OPENED);
  fsm->ops->up(ppp, now);
}

static void tld(l2tpsec_ppp *ppp, struct ppp_fsm *fsm, l2tpsec_tstamp now) {
  fsm->ops->down(ppp, now);
}

static void tlf(l2tpsec_ppp *ppp, struct ppp_fsm *fsm, l2tpsec_tstamp now) {
  fsm->ops->finished(ppp, now);
}

/* ---- Administrative and lower-layer events ----------------------------- */

void l2tpsec__fsm_up(l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                     l2tpsec_tstamp now) {
  switch (fsm->state) {
  case FSM_INITIAL:
    set_state(ppp, fsm, FSM_CLOSED);
    break;
  case FSM_STARTING:
    fsm->ops->reset(ppp);
    irc(ppp, fsm, false);
    set_state(ppp, fsm, FSM_REQ_SENT);
    scr(ppp, fsm, now);
    break;
  default:
    break; /* Up in any other state is a caller bug; ignore it. */
  }
}

void l2tpsec__fsm_down(l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                       l2tpsec_tstamp now) {
  switch (fsm->state) {
  case FSM_CLOSED:
  case FSM_CLOSING:
    set_state(ppp, fsm, FSM_INITIAL);
    break;
  case FSM_STOPPED:
  case FSM_STOPPING:
  case FSM_REQ_SENT:
  case FSM_ACK_RCVD:
  case FSM_ACK_SENT:
    set_state(ppp, fsm, FSM_STARTING);
    break;
  case FSM_OPENED:
    set_state(ppp, fsm, FSM_STARTING);
    tld(ppp, fsm, now);
    break;
  default:
    break;
  }
}

void l2tpsec__fsm_open(l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                       l2tpsec_tstamp now) {
  switch (fsm->state) {
  case FSM_INITIAL:
    set_state(ppp, fsm, FSM_STARTING);
    break;
  case FSM_CLOSED:
    fsm->ops->reset(ppp);
    irc(ppp, fsm, false);
    set_state(ppp, fsm, FSM_REQ_SENT);
    scr(ppp, fsm, now);
    break;
  case FSM_CLOSING:
    set_state(ppp, fsm, FSM_STOPPING);
    break;
  default:
    break;
  }
}

void l2tpsec__fsm_close(l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                        l2tpsec_tstamp now) {
  switch (fsm->state) {
  case FSM_STARTING:
    set_state(ppp, fsm, FSM_INITIAL);
    tlf(ppp, fsm, now);
    break;
  case FSM_STOPPED:
    set_state(ppp, fsm, FSM_CLOSED);
    break;
  case FSM_STOPPING:
    set_state(ppp, fsm, FSM_CLOSING);
    break;
  case FSM_OPENED:
    tld(ppp, fsm, now);
    /* fall through */
  case FSM_REQ_SENT:
  case FSM_ACK_RCVD:
  case FSM_ACK_SENT:
    irc(ppp, fsm, true);
    set_state(ppp, fsm, FSM_CLOSING);
    str(ppp, fsm, now);
    break;
  default:
    break;
  }
}

void l2tpsec__fsm_timeout(l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                          l2tpsec_tstamp now) {
  bool counter_left = fsm->restart_count > 0;

  fsm->restart_at = L2TPSEC_TSTAMP_NEVER;
  switch (fsm->state) {
  case FSM_CLOSING:
  case FSM_STOPPING:
    if (counter_left) {
      str(ppp, fsm, now);
      break;
    }
    set_state(ppp, fsm,
              fsm->state == FSM_CLOSING ? FSM_CLOSED : FSM_STOPPED);
    tlf(ppp, fsm, now);
    break;
  case FSM_REQ_SENT:
  case FSM_ACK_RCVD:
  case FSM_ACK_SENT:
    if (counter_left) {
      if (fsm->state == FSM_ACK_RCVD)
        set_state(ppp, fsm, FSM_REQ_SENT);
      scr_again(ppp, fsm, now);
      break;
    }
    L2TPSEC_LOG(&ppp->settings.log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_PPP,
                "%s: no answer after %u Configure-Requests; giving up",
                fsm->ops->name, ppp->settings.max_configure);
    set_state(ppp, fsm, FSM_STOPPED);
    tlf(ppp, fsm, now);
    break;
  default:
    break;
  }
}

void l2tpsec__fsm_rxj_bad(l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                          l2tpsec_tstamp now) {
  switch (fsm->state) {
  case FSM_CLOSED:
  case FSM_STOPPED:
    tlf(ppp, fsm, now);
    break;
  case FSM_CLOSING:
    set_state(ppp, fsm, FSM_CLOSED);
    tlf(ppp, fsm, now);
    break;
  case FSM_STOPPING:
  case FSM_REQ_SENT:
  case FSM_ACK_RCVD:
  case FSM_ACK_SENT:
    set_state(ppp, fsm, FSM_STOPPED);
    tlf(ppp, fsm, now);
    break;
  case FSM_OPENED:
    tld(ppp, fsm, now);
    irc(ppp, fsm, true);
    set_state(ppp, fsm, FSM_STOPPING);
    str(ppp, fsm, now);
    break;
  default:
    break;
  }
}

/* ---- Received packets -------------------------------------------------- */

/*
 * A link that duplicates frames delivers a second copy of the request we
 * acknowledged after we reached Opened. RFC 1661 would restart the
 * negotiation (and authentication) on it; a byte-identical copy with the
 * same identifier gets the same Ack instead. A peer that really
 * restarted sends a new identifier or new options, or retransmits until
 * it does.
 */
static bool is_duplicate_request(const struct ppp_fsm *fsm, uint8_t id,
                                 const uint8_t *opts, size_t len) {
  return fsm->state == FSM_OPENED && fsm->peer_request_acked &&
         id == fsm->peer_request_id && len == fsm->peer_request_len &&
         (len == 0 || memcmp(opts, fsm->peer_request, len) == 0);
}

static void send_ack(l2tpsec_ppp *ppp, struct ppp_fsm *fsm, uint8_t id,
                     const uint8_t *opts, size_t len) {
  fsm->naks_sent = 0;
  fsm->peer_request_acked = true;
  fsm->peer_request_id = id;
  fsm->peer_request_len = len;
  if (len > 0)
    memcpy(fsm->peer_request, opts, len);
  l2tpsec__ppp_send_control(ppp, fsm->protocol, CODE_CONF_ACK, id, opts, len);
}

/* RCR+ / RCR-: the peer's Configure-Request, judged by the protocol. */
static void receive_conf_req(l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                             uint8_t id, const uint8_t *opts, size_t len,
                             l2tpsec_tstamp now) {
  uint8_t reply[FSM_OPTIONS_MAX];
  size_t reply_len = 0;
  enum ppp_fsm_state before = fsm->state;
  int code;

  if (before == FSM_CLOSED || before == FSM_STOPPED) {
    if (before == FSM_CLOSED) {
      sta(ppp, fsm, id);
      return;
    }
  } else if (before == FSM_CLOSING || before == FSM_STOPPING ||
             before == FSM_INITIAL || before == FSM_STARTING) {
    return;
  }
  if (is_duplicate_request(fsm, id, opts, len)) {
    l2tpsec__ppp_send_control(ppp, fsm->protocol, CODE_CONF_ACK, id, opts,
                              len);
    return;
  }

  code = fsm->ops->judge_request(ppp, opts, len, reply, &reply_len,
                                 fsm->naks_sent >= ppp->settings.max_failure,
                                 now);
  if (ppp->dead || fsm->state != before)
    return; /* judging closed the link (looped back) */

  /* Stopped, or Opened (which first goes down): start our side again. */
  if (before == FSM_OPENED) {
    tld(ppp, fsm, now);
    before = FSM_REQ_SENT;
    set_state(ppp, fsm, FSM_REQ_SENT);
    scr(ppp, fsm, now);
  } else if (before == FSM_STOPPED) {
    fsm->ops->reset(ppp);
    irc(ppp, fsm, false);
    before = FSM_REQ_SENT;
    set_state(ppp, fsm, FSM_REQ_SENT);
    scr(ppp, fsm, now);
  }

  if (code != CODE_CONF_ACK) {
    if (code == CODE_CONF_NAK)
      fsm->naks_sent++;
    l2tpsec__ppp_send_control(ppp, fsm->protocol, (uint8_t)code, id, reply,
                              reply_len);
    if (before == FSM_ACK_SENT)
      set_state(ppp, fsm, FSM_REQ_SENT);
    return;
  }

  send_ack(ppp, fsm, id, opts, len);
  if (before == FSM_ACK_RCVD)
    tlu(ppp, fsm, now);
  else
    set_state(ppp, fsm, FSM_ACK_SENT);
}

/* RCA: the peer acknowledged our request; it must echo it exactly. */
static void receive_conf_ack(l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                             uint8_t id, const uint8_t *opts, size_t len,
                             l2tpsec_tstamp now) {
  if (id != fsm->id || len != fsm->last_request_len ||
      (len > 0 && memcmp(opts, fsm->last_request, len) != 0)) {
    l2tpsec__ppp_drop(ppp, now, false, "Configure-Ack not matching",
                      fsm->protocol);
    return;
  }

  /* A second copy of the Ack that opened the link (see
   * is_duplicate_request). */
  if (fsm->state == FSM_OPENED) {
    l2tpsec__ppp_drop(ppp, now, false, "duplicate Configure-Ack",
                      fsm->protocol);
    return;
  }

  switch (fsm->state) {
  case FSM_CLOSED:
  case FSM_STOPPED:
    sta(ppp, fsm, id);
    break;
  case FSM_REQ_SENT:
    irc(ppp, fsm, false);
    set_state(ppp, fsm, FSM_ACK_RCVD);
    break;
  case FSM_ACK_RCVD: /* a crossed connection: start again */
    set_state(ppp, fsm, FSM_REQ_SENT);
    scr(ppp, fsm, now);
    break;
  case FSM_ACK_SENT:
    irc(ppp, fsm, false);
    tlu(ppp, fsm, now);
    break;
  default:
    break;
  }
}

/* RCN: a Configure-Nak or Configure-Reject of our request. */
static void receive_conf_nak(l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                             uint8_t id, const uint8_t *opts, size_t len,
                             bool reject, l2tpsec_tstamp now) {
  if (id != fsm->id) {
    l2tpsec__ppp_drop(ppp, now, false, "Configure-Nak with an old id",
                      fsm->protocol);
    return;
  }
  if (fsm->state == FSM_CLOSED || fsm->state == FSM_STOPPED) {
    sta(ppp, fsm, id);
    return;
  }
  if (fsm->state < FSM_REQ_SENT)
    return;
  if (!fsm->ops->peer_nak(ppp, opts, len, reject, now)) {
    l2tpsec__ppp_drop(ppp, now, true, "invalid Configure-Nak/Reject",
                      fsm->protocol);
    return;
  }
  if (ppp->dead || fsm->state < FSM_REQ_SENT)
    return; /* the Nak made the link give up (no method left) */

  switch (fsm->state) {
  case FSM_REQ_SENT:
  case FSM_ACK_SENT:
    irc(ppp, fsm, false);
    scr(ppp, fsm, now);
    break;
  case FSM_ACK_RCVD:
    set_state(ppp, fsm, FSM_REQ_SENT);
    scr(ppp, fsm, now);
    break;
  case FSM_OPENED:
    tld(ppp, fsm, now);
    set_state(ppp, fsm, FSM_REQ_SENT);
    scr(ppp, fsm, now);
    break;
  default:
    break;
  }
}

/* RTR: Terminate-Request. */
static void receive_term_req(l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                             uint8_t id, l2tpsec_tstamp now) {
  switch (fsm->state) {
  case FSM_REQ_SENT:
  case FSM_ACK_RCVD:
  case FSM_ACK_SENT:
    sta(ppp, fsm, id);
    set_state(ppp, fsm, FSM_REQ_SENT);
    break;
  case FSM_OPENED:
    if (fsm->protocol == PPP_LCP && !ppp->down_reason_set) {
      ppp->down_reason = L2TPSEC_PPP_DOWN_PEER_TERMINATED;
      ppp->down_reason_set = true;
    }
    tld(ppp, fsm, now);
    zrc(ppp, fsm, now);
    sta(ppp, fsm, id);
    set_state(ppp, fsm, FSM_STOPPING);
    break;
  case FSM_CLOSED:
  case FSM_STOPPED:
  case FSM_CLOSING:
  case FSM_STOPPING:
    sta(ppp, fsm, id);
    break;
  default:
    break;
  }
}

/* RTA: Terminate-Ack. */
static void receive_term_ack(l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                             l2tpsec_tstamp now) {
  switch (fsm->state) {
  case FSM_CLOSING:
    set_state(ppp, fsm, FSM_CLOSED);
    tlf(ppp, fsm, now);
    break;
  case FSM_STOPPING:
    set_state(ppp, fsm, FSM_STOPPED);
    tlf(ppp, fsm, now);
    break;
  case FSM_ACK_RCVD:
    set_state(ppp, fsm, FSM_REQ_SENT);
    break;
  case FSM_OPENED:
    tld(ppp, fsm, now);
    set_state(ppp, fsm, FSM_REQ_SENT);
    scr(ppp, fsm, now);
    break;
  default:
    break;
  }
}

/* RXJ+ / RXJ-: Code-Reject. Rejecting a code we need is fatal. */
static void receive_code_rej(l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                             const uint8_t *data, size_t len,
                             l2tpsec_tstamp now) {
  uint8_t rejected = len > 0 ? data[0] : 0;

  if (rejected >= CODE_CONF_REQ && rejected <= CODE_CODE_REJ) {
    L2TPSEC_LOG(&ppp->settings.log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_PPP,
                "%s: peer rejected code %u, which the protocol needs",
                fsm->ops->name, rejected);
    l2tpsec__fsm_rxj_bad(ppp, fsm, now);
    return;
  }
  if (rejected == CODE_ECHO_REQ && fsm->protocol == PPP_LCP)
    ppp->echo_disabled = true;
  if (fsm->state == FSM_ACK_RCVD)
    set_state(ppp, fsm, FSM_REQ_SENT);
}

/* RUC: an unknown code is answered with Code-Reject (in every state but
 * Initial and Starting), limited to the peer's MRU by send_control. */
static void send_code_reject(l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                             const uint8_t *pkt, size_t len) {
  if (fsm->state == FSM_INITIAL || fsm->state == FSM_STARTING)
    return;
  fsm->id++;
  l2tpsec__ppp_send_control(ppp, fsm->protocol, CODE_CODE_REJ, fsm->id, pkt,
                            len);
}

int l2tpsec__fsm_input(l2tpsec_ppp *ppp, struct ppp_fsm *fsm,
                       const uint8_t *pkt, size_t len, l2tpsec_tstamp now) {
  uint8_t code, id;
  size_t length;
  const uint8_t *data;

  if (len < 4)
    return L2TPSEC_ERR_TRUNCATED;
  code = pkt[0];
  id = pkt[1];
  length = l2tpsec__get16(pkt + 2);
  if (length < 4 || length > len)
    return L2TPSEC_ERR_TRUNCATED;
  /* Octets past Length are padding (RFC 1661 section 5). */
  data = pkt + 4;
  length -= 4;

  switch (code) {
  case CODE_CONF_REQ:
  case CODE_CONF_ACK:
  case CODE_CONF_NAK:
  case CODE_CONF_REJ:
    if (!l2tpsec__ppp_options_valid(data, length))
      return L2TPSEC_ERR_MALFORMED;
    break;
  default:
    break;
  }

  switch (code) {
  case CODE_CONF_REQ:
    receive_conf_req(ppp, fsm, id, data, length, now);
    break;
  case CODE_CONF_ACK:
    receive_conf_ack(ppp, fsm, id, data, length, now);
    break;
  case CODE_CONF_NAK:
  case CODE_CONF_REJ:
    receive_conf_nak(ppp, fsm, id, data, length, code == CODE_CONF_REJ, now);
    break;
  case CODE_TERM_REQ:
    receive_term_req(ppp, fsm, id, now);
    break;
  case CODE_TERM_ACK:
    receive_term_ack(ppp, fsm, now);
    break;
  case CODE_CODE_REJ:
    receive_code_rej(ppp, fsm, data, length, now);
    break;
  default:
    if (fsm->ops->extra_code == NULL ||
        !fsm->ops->extra_code(ppp, code, id, data, length, now))
      send_code_reject(ppp, fsm, pkt, length + 4);
    break;
  }
  return 0;
}
