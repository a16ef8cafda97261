/*
 * LCP (RFC 1661): the options we request and accept, the extra codes
 * (Protocol-Reject, Echo, Discard, Identification, Time-Remaining) and
 * the Echo keepalive.
 */
#include <string.h>

#include "ppp/ppp_internal.h"

/* LCP option types (RFC 1661 section 6, RFC 1570, RFC 1990). */
enum {
  LCP_MRU = 1,
  LCP_ACCM = 2,
  LCP_AUTH = 3,
  LCP_QUALITY = 4,
  LCP_MAGIC = 5,
  LCP_PFC = 7,
  LCP_ACFC = 8,
};

/* Smallest MRU we let a peer announce (pppd's MINMRU). */
#define LCP_MIN_MRU 128
#define LCP_DEFAULT_MRU 1500

static void lcp_reset(l2tpsec_ppp *ppp) {
  struct lcp_options *w = &ppp->lcp_want;

  w->mru = ppp->settings.mru;
  w->send_mru = w->mru != LCP_DEFAULT_MRU;
  w->send_magic = true;
  w->magic = l2tpsec__ppp_random32(ppp);
  w->loopback_naks = 0;
  w->method_index = 0;
  w->method = ppp->settings.role == L2TPSEC_PPP_SERVER
                  ? ppp->settings.methods[0]
                  : L2TPSEC_AUTH_NONE;
  ppp->lcp_peer.mru = LCP_DEFAULT_MRU;
  ppp->lcp_peer.magic = 0;
  ppp->lcp_peer.pfc = false;
  ppp->lcp_peer.acfc = false;
  ppp->lcp_peer.method = L2TPSEC_AUTH_NONE;
}

/* Encodes an Authentication-Protocol option value; returns its length. */
static size_t encode_method(enum l2tpsec_auth_method method, uint8_t *out) {
  switch (method) {
  case L2TPSEC_AUTH_PAP:
    l2tpsec__put16(out, PPP_PAP);
    return 2;
  case L2TPSEC_AUTH_CHAP_MD5:
    l2tpsec__put16(out, PPP_CHAP);
    out[2] = CHAP_MD5;
    return 3;
  case L2TPSEC_AUTH_MSCHAPV2:
    l2tpsec__put16(out, PPP_CHAP);
    out[2] = CHAP_MSCHAPV2;
    return 3;
  default:
    return 0;
  }
}

static enum l2tpsec_auth_method decode_method(const uint8_t *v, size_t len) {
  if (len == 2 && l2tpsec__get16(v) == PPP_PAP)
    return L2TPSEC_AUTH_PAP;
  if (len == 3 && l2tpsec__get16(v) == PPP_CHAP && v[2] == CHAP_MD5)
    return L2TPSEC_AUTH_CHAP_MD5;
  if (len == 3 && l2tpsec__get16(v) == PPP_CHAP && v[2] == CHAP_MSCHAPV2)
    return L2TPSEC_AUTH_MSCHAPV2;
  return L2TPSEC_AUTH_NONE;
}

static size_t lcp_build_request(l2tpsec_ppp *ppp, uint8_t *out) {
  const struct lcp_options *w = &ppp->lcp_want;
  size_t n = 0, vlen;

  if (w->send_mru) {
    out[n] = LCP_MRU;
    out[n + 1] = 4;
    l2tpsec__put16(out + n + 2, w->mru);
    n += 4;
  }
  vlen = encode_method(w->method, out + n + 2);
  if (vlen > 0) {
    out[n] = LCP_AUTH;
    out[n + 1] = (uint8_t)(vlen + 2);
    n += vlen + 2;
  }
  if (w->send_magic) {
    out[n] = LCP_MAGIC;
    out[n + 1] = 6;
    l2tpsec__put32(out + n + 2, w->magic);
    n += 6;
  }
  return n;
}

static bool method_configured(const l2tpsec_ppp *ppp,
                              enum l2tpsec_auth_method method) {
  for (unsigned i = 0; i < L2TPSEC_PPP_MAX_METHODS; i++)
    if (ppp->settings.methods[i] == method && method != L2TPSEC_AUTH_NONE)
      return true;
  return false;
}

/*
 * Server: the peer refused the offered method. Take its suggestion when
 * we offer it later in our list, else the next method in our order.
 * Returns false when no method is left.
 */
static bool next_method(l2tpsec_ppp *ppp, enum l2tpsec_auth_method hint) {
  struct lcp_options *w = &ppp->lcp_want;

  for (unsigned i = w->method_index + 1; i < L2TPSEC_PPP_MAX_METHODS; i++) {
    if (ppp->settings.methods[i] == hint && hint != L2TPSEC_AUTH_NONE) {
      w->method_index = i;
      w->method = hint;
      return true;
    }
  }
  while (++w->method_index < L2TPSEC_PPP_MAX_METHODS) {
    w->method = ppp->settings.methods[w->method_index];
    if (w->method != L2TPSEC_AUTH_NONE)
      return true;
  }
  w->method = L2TPSEC_AUTH_NONE;
  return false;
}

static void no_method_left(l2tpsec_ppp *ppp, enum l2tpsec_auth_method hint,
                           l2tpsec_tstamp now) {
  L2TPSEC_LOG(&ppp->settings.log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_AUTH,
              "peer %s refused every configured authentication method "
              "(it asked for %s); closing the link",
              ppp->peer, l2tpsec_auth_method_name(hint));
  ppp->stats.auth_failures++;
  l2tpsec__ppp_fail(ppp, L2TPSEC_PPP_DOWN_AUTH_FAILED, now);
}

static bool lcp_peer_nak(l2tpsec_ppp *ppp, const uint8_t *opts, size_t len,
                         bool reject, l2tpsec_tstamp now) {
  struct lcp_options *w = &ppp->lcp_want;

  for (size_t off = 0; off < len; off += opts[off + 1]) {
    const uint8_t *v = opts + off + 2;
    size_t vlen = opts[off + 1] - 2u;

    switch (opts[off]) {
    case LCP_MRU:
      if (reject || vlen != 2) {
        w->send_mru = false;
        w->mru = LCP_DEFAULT_MRU;
      } else if (l2tpsec__get16(v) >= LCP_MIN_MRU) {
        w->mru = l2tpsec__get16(v);
        w->send_mru = w->mru != LCP_DEFAULT_MRU;
      }
      break;
    case LCP_MAGIC:
      if (reject)
        w->send_magic = false;
      else
        w->magic = l2tpsec__ppp_random32(ppp);
      break;
    case LCP_AUTH:
      if (w->method == L2TPSEC_AUTH_NONE)
        break;
      if (reject || !next_method(ppp, decode_method(v, vlen))) {
        no_method_left(ppp, reject ? L2TPSEC_AUTH_NONE : decode_method(v, vlen),
                       now);
        return true;
      }
      L2TPSEC_LOG(&ppp->settings.log, L2TPSEC_LOG_INFO, L2TPSEC_LOG_AUTH,
                  "peer %s declined the method; offering %s", ppp->peer,
                  l2tpsec_auth_method_name(w->method));
      break;
    default:
      break; /* a Nak may suggest options we did not send; ignore them */
    }
  }
  return true;
}

/* Appends one option to a Nak or Reject list. */
static void append(uint8_t *out, size_t *out_len, const uint8_t *opt,
                   size_t len) {
  if (*out_len + len > FSM_OPTIONS_MAX)
    return;
  memcpy(out + *out_len, opt, len);
  *out_len += len;
}

struct judgement {
  uint8_t naks[FSM_OPTIONS_MAX], rejects[FSM_OPTIONS_MAX];
  size_t nak_len, reject_len;
  struct lcp_peer_options peer;
  bool naks_exhausted;
};

/* Naks an option with a suggested value, or after Max-Failure rejects
 * the option as the peer sent it (a Reject carries the peer's options
 * unchanged, RFC 1661 section 5.4). */
static void nak(struct judgement *j, const uint8_t *opt,
                const uint8_t *suggestion) {
  if (j->naks_exhausted)
    append(j->rejects, &j->reject_len, opt, opt[1]);
  else
    append(j->naks, &j->nak_len, suggestion, suggestion[1]);
}

static void judge_mru(struct judgement *j, const uint8_t *opt) {
  uint8_t suggestion[4] = {LCP_MRU, 4, 0, LCP_MIN_MRU};

  if (opt[1] != 4) {
    append(j->rejects, &j->reject_len, opt, opt[1]);
    return;
  }
  if (l2tpsec__get16(opt + 2) < LCP_MIN_MRU) {
    nak(j, opt, suggestion);
    return;
  }
  j->peer.mru = l2tpsec__get16(opt + 2);
}

/* Client: accept the server's method when we allow it, else suggest
 * the first method we allow. */
static void judge_auth(l2tpsec_ppp *ppp, struct judgement *j,
                       const uint8_t *opt) {
  enum l2tpsec_auth_method asked = decode_method(opt + 2, opt[1] - 2u);
  uint8_t suggestion[5] = {LCP_AUTH, 0};
  size_t vlen;

  if (ppp->settings.role == L2TPSEC_PPP_SERVER) {
    append(j->rejects, &j->reject_len, opt, opt[1]);
    return;
  }
  if (method_configured(ppp, asked)) {
    j->peer.method = asked;
    return;
  }
  vlen = encode_method(ppp->settings.methods[0], suggestion + 2);
  if (vlen == 0) {
    append(j->rejects, &j->reject_len, opt, opt[1]);
    return;
  }
  suggestion[1] = (uint8_t)(vlen + 2);
  nak(j, opt, suggestion);
}

/* A peer magic number equal to ours suggests a looped-back link
 * (RFC 1661 section 6.4): Nak with a new value and count. */
static void judge_magic(l2tpsec_ppp *ppp, struct judgement *j,
                        const uint8_t *opt) {
  uint8_t suggestion[6] = {LCP_MAGIC, 6};
  uint32_t magic;

  if (opt[1] != 6) {
    append(j->rejects, &j->reject_len, opt, opt[1]);
    return;
  }
  magic = l2tpsec__get32(opt + 2);
  if (magic != 0 && ppp->lcp_want.send_magic && magic == ppp->lcp_want.magic) {
    ppp->lcp_want.loopback_naks++;
    l2tpsec__put32(suggestion + 2, l2tpsec__ppp_random32(ppp));
    nak(j, opt, suggestion);
    return;
  }
  j->peer.magic = magic;
}

static void judge_option(l2tpsec_ppp *ppp, struct judgement *j,
                         const uint8_t *opt) {
  switch (opt[0]) {
  case LCP_MRU:
    judge_mru(j, opt);
    break;
  case LCP_ACCM: /* meaningless on L2TP's synchronous link; accept it */
    if (opt[1] != 6)
      append(j->rejects, &j->reject_len, opt, opt[1]);
    break;
  case LCP_AUTH:
    judge_auth(ppp, j, opt);
    break;
  case LCP_MAGIC:
    judge_magic(ppp, j, opt);
    break;
  case LCP_PFC:
  case LCP_ACFC:
    if (opt[1] != 2)
      append(j->rejects, &j->reject_len, opt, opt[1]);
    else if (opt[0] == LCP_PFC)
      j->peer.pfc = true;
    else
      j->peer.acfc = true;
    break;
  default:
    /* Quality-Protocol, callback, multilink (MRRU, short sequence,
     * endpoint discriminator) and everything unknown. */
    append(j->rejects, &j->reject_len, opt, opt[1]);
    break;
  }
}

static int lcp_judge_request(l2tpsec_ppp *ppp, const uint8_t *opts,
                             size_t len, uint8_t *out, size_t *out_len,
                             bool naks_exhausted, l2tpsec_tstamp now) {
  struct judgement j;

  memset(&j, 0, sizeof(j));
  j.peer.mru = LCP_DEFAULT_MRU;
  j.naks_exhausted = naks_exhausted;
  for (size_t off = 0; off < len; off += opts[off + 1])
    judge_option(ppp, &j, opts + off);

  if (ppp->lcp_want.loopback_naks > ppp->settings.max_failure) {
    L2TPSEC_LOG(&ppp->settings.log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_PPP,
                "LCP: peer keeps sending our magic number; the link seems "
                "looped back");
    l2tpsec__ppp_fail(ppp, L2TPSEC_PPP_DOWN_LOOPBACK, now);
  }
  if (j.reject_len > 0) {
    memcpy(out, j.rejects, j.reject_len);
    *out_len = j.reject_len;
    return CODE_CONF_REJ;
  }
  if (j.nak_len > 0) {
    memcpy(out, j.naks, j.nak_len);
    *out_len = j.nak_len;
    return CODE_CONF_NAK;
  }
  ppp->lcp_peer = j.peer;
  return CODE_CONF_ACK;
}

/* ---- This-Layer actions ------------------------------------------------ */

static void lcp_up(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  ppp->echo_unanswered = 0;
  ppp->echo_at = ppp->settings.echo_interval > 0 && !ppp->echo_disabled
                     ? now + ppp->settings.echo_interval
                     : L2TPSEC_TSTAMP_NEVER;
  l2tpsec__ppp_set_phase(ppp, L2TPSEC_PPP_PHASE_AUTHENTICATE);

  if (ppp->settings.role == L2TPSEC_PPP_SERVER &&
      ppp->lcp_want.method != L2TPSEC_AUTH_NONE) {
    l2tpsec__auth_server_start(ppp, now);
  } else if (ppp->settings.role == L2TPSEC_PPP_CLIENT &&
             ppp->lcp_peer.method != L2TPSEC_AUTH_NONE) {
    l2tpsec__auth_client_start(ppp, now);
  } else {
    l2tpsec__ppp_auth_succeeded(ppp, now);
  }
}

static void lcp_down(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  ppp->echo_at = L2TPSEC_TSTAMP_NEVER;
  l2tpsec__auth_stop(ppp);
  l2tpsec__fsm_down(ppp, &ppp->ipcp, now);
  l2tpsec__fsm_down(ppp, &ppp->ipv6cp, now);
  if (!ppp->dead)
    l2tpsec__ppp_set_phase(ppp, L2TPSEC_PPP_PHASE_TERMINATE);
}

/* tlf: LCP finished, so the link is dead (L2TP tears the session down). */
static void lcp_finished(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  l2tpsec_ppp_event ev;

  (void)now;
  if (ppp->dead)
    return;
  ppp->dead = true;
  ppp->echo_at = L2TPSEC_TSTAMP_NEVER;
  if (!ppp->down_reason_set)
    ppp->down_reason = L2TPSEC_PPP_DOWN_NEGOTIATION;
  l2tpsec__auth_stop(ppp);
  l2tpsec__ppp_release_address(ppp);
  l2tpsec__ppp_set_phase(ppp, L2TPSEC_PPP_PHASE_DEAD);
  memset(&ev, 0, sizeof(ev));
  ev.type = L2TPSEC_PPP_EVENT_DEAD;
  ev.down_reason = ppp->down_reason;
  l2tpsec__ppp_emit(ppp, &ev);
}

/* ---- Extra codes ------------------------------------------------------- */

static struct ppp_fsm *fsm_for_protocol(l2tpsec_ppp *ppp, uint16_t protocol) {
  if (protocol == PPP_IPCP)
    return &ppp->ipcp;
  if (protocol == PPP_IPV6CP)
    return &ppp->ipv6cp;
  return NULL;
}

static void receive_protocol_reject(l2tpsec_ppp *ppp, const uint8_t *data,
                                    size_t len, l2tpsec_tstamp now) {
  uint16_t protocol;
  struct ppp_fsm *ncp;

  if (len < 2 || ppp->lcp.state != FSM_OPENED)
    return;
  protocol = l2tpsec__get16(data);
  L2TPSEC_LOG(&ppp->settings.log, L2TPSEC_LOG_INFO, L2TPSEC_LOG_PPP,
              "peer rejected protocol 0x%04x", protocol);
  if (protocol == PPP_LCP) {
    l2tpsec__fsm_rxj_bad(ppp, &ppp->lcp, now);
    return;
  }
  if (protocol == PPP_PAP || protocol == PPP_CHAP) {
    ppp->stats.auth_failures++;
    l2tpsec__ppp_fail(ppp, L2TPSEC_PPP_DOWN_AUTH_FAILED, now);
    return;
  }
  ncp = fsm_for_protocol(ppp, protocol);
  if (ncp != NULL)
    l2tpsec__fsm_rxj_bad(ppp, ncp, now);
}

/* Echo-Reply: our magic number, the request's identifier, and its data
 * truncated so the reply fits the peer's MRU (send_control cuts it). */
static void receive_echo_request(l2tpsec_ppp *ppp, uint8_t id,
                                 const uint8_t *data, size_t len) {
  uint8_t reply[PPP_CONTROL_MAX];
  uint32_t magic = ppp->lcp_want.send_magic ? ppp->lcp_want.magic : 0;

  if (ppp->lcp.state != FSM_OPENED || len < 4)
    return;
  if (len > sizeof(reply))
    len = sizeof(reply);
  l2tpsec__put32(reply, magic);
  memcpy(reply + 4, data + 4, len - 4);
  l2tpsec__ppp_send_control(ppp, PPP_LCP, CODE_ECHO_REP, id, reply, len);
}

static void receive_echo_reply(l2tpsec_ppp *ppp, uint8_t id,
                               const uint8_t *data, size_t len,
                               l2tpsec_tstamp now) {
  if (len < 4 || id != ppp->echo_id) {
    l2tpsec__ppp_drop(ppp, now, false, "unexpected Echo-Reply", PPP_LCP);
    return;
  }
  if (ppp->lcp_want.send_magic &&
      l2tpsec__get32(data) == ppp->lcp_want.magic) {
    l2tpsec__ppp_drop(ppp, now, false, "Echo-Reply with our own magic",
                      PPP_LCP);
    return;
  }
  ppp->stats.echo_replies_in++;
  ppp->echo_unanswered = 0;
}

static bool lcp_extra_code(l2tpsec_ppp *ppp, uint8_t code, uint8_t id,
                           const uint8_t *data, size_t len,
                           l2tpsec_tstamp now) {
  switch (code) {
  case CODE_PROTO_REJ:
    receive_protocol_reject(ppp, data, len, now);
    return true;
  case CODE_ECHO_REQ:
    receive_echo_request(ppp, id, data, len);
    return true;
  case CODE_ECHO_REP:
    receive_echo_reply(ppp, id, data, len, now);
    return true;
  case CODE_DISCARD_REQ:
  case CODE_IDENTIFICATION:
  case CODE_TIME_REMAINING:
    return true; /* nothing to answer (RFC 1661 5.8, RFC 1570) */
  default:
    return false;
  }
}

/* Sends the next Echo-Request, or declares the link dead after
 * echo_failure unanswered ones (pppd's lcp-echo-failure). */
void l2tpsec__lcp_echo_timeout(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  uint8_t magic[4];

  if (ppp->echo_disabled) {
    ppp->echo_at = L2TPSEC_TSTAMP_NEVER;
    return;
  }
  if (ppp->echo_unanswered >= ppp->settings.echo_failure) {
    L2TPSEC_LOG(&ppp->settings.log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_PPP,
                "no answer to %u LCP Echo-Requests from %s; closing the link",
                ppp->echo_unanswered, ppp->peer);
    ppp->echo_at = L2TPSEC_TSTAMP_NEVER;
    l2tpsec__ppp_fail(ppp, L2TPSEC_PPP_DOWN_ECHO_TIMEOUT, now);
    return;
  }
  l2tpsec__put32(magic, ppp->lcp_want.send_magic ? ppp->lcp_want.magic : 0);
  ppp->echo_id++;
  ppp->echo_unanswered++;
  ppp->stats.echo_requests_out++;
  l2tpsec__ppp_send_control(ppp, PPP_LCP, CODE_ECHO_REQ, ppp->echo_id, magic,
                            4);
  ppp->echo_at = now + ppp->settings.echo_interval;
}

const struct ppp_fsm_ops l2tpsec__lcp_ops = {
    .name = "LCP",
    .reset = lcp_reset,
    .build_request = lcp_build_request,
    .peer_nak = lcp_peer_nak,
    .judge_request = lcp_judge_request,
    .up = lcp_up,
    .down = lcp_down,
    .finished = lcp_finished,
    .extra_code = lcp_extra_code,
};
