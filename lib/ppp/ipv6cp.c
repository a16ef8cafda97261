/*
 * IPv6CP (RFC 5072): both sides pick random 64-bit interface
 * identifiers; a zero or clashing identifier from the peer is NAKed with
 * a fresh one (section 4.1). IPv6 compression is rejected.
 */
#include <string.h>

#include "ppp/ppp_internal.h"

#define IPV6CP_INTERFACE_ID 1

static void random_id(l2tpsec_ppp *ppp, uint8_t id[8]) {
  do {
    l2tpsec__put32(id, l2tpsec__ppp_random32(ppp));
    l2tpsec__put32(id + 4, l2tpsec__ppp_random32(ppp));
  } while (l2tpsec__get32(id) == 0 && l2tpsec__get32(id + 4) == 0);
}

static void ipv6cp_reset(l2tpsec_ppp *ppp) {
  random_id(ppp, ppp->ipv6_local_id);
  memset(ppp->ipv6_peer_id, 0, 8);
}

static size_t ipv6cp_build_request(l2tpsec_ppp *ppp, uint8_t *out) {
  out[0] = IPV6CP_INTERFACE_ID;
  out[1] = 10;
  memcpy(out + 2, ppp->ipv6_local_id, 8);
  return 10;
}

static bool ipv6cp_peer_nak(l2tpsec_ppp *ppp, const uint8_t *opts,
                            size_t len, bool reject, l2tpsec_tstamp now) {
  static const uint8_t zero[8];

  (void)now;
  for (size_t off = 0; off < len; off += opts[off + 1]) {
    const uint8_t *opt = opts + off;

    if (opt[0] != IPV6CP_INTERFACE_ID || opt[1] != 10)
      continue;
    /* Without an identifier IPv6CP cannot work (RFC 5072 section 4.1). */
    if (reject)
      return false;
    if (memcmp(opt + 2, zero, 8) != 0)
      memcpy(ppp->ipv6_local_id, opt + 2, 8);
    else
      random_id(ppp, ppp->ipv6_local_id);
  }
  return true;
}

static int ipv6cp_judge_request(l2tpsec_ppp *ppp, const uint8_t *opts,
                                size_t len, uint8_t *out, size_t *out_len,
                                bool naks_exhausted, l2tpsec_tstamp now) {
  static const uint8_t zero[8];
  uint8_t peer_id[8] = {0};
  size_t reject_len = 0;
  bool clash = false;
  const uint8_t *id_option = NULL;

  (void)now;
  for (size_t off = 0; off < len; off += opts[off + 1]) {
    const uint8_t *opt = opts + off;

    if (opt[0] == IPV6CP_INTERFACE_ID && opt[1] == 10) {
      id_option = opt;
      memcpy(peer_id, opt + 2, 8);
      clash = memcmp(peer_id, zero, 8) == 0 ||
              memcmp(peer_id, ppp->ipv6_local_id, 8) == 0;
      continue;
    }
    if (reject_len + opt[1] <= FSM_OPTIONS_MAX) {
      memcpy(out + reject_len, opt, opt[1]);
      reject_len += opt[1];
    }
  }
  if (reject_len > 0) {
    *out_len = reject_len;
    return CODE_CONF_REJ;
  }
  if (clash && naks_exhausted) {
    memcpy(out, id_option, 10);
    *out_len = 10;
    return CODE_CONF_REJ;
  }
  if (clash) {
    out[0] = IPV6CP_INTERFACE_ID;
    out[1] = 10;
    do
      random_id(ppp, out + 2);
    while (memcmp(out + 2, ppp->ipv6_local_id, 8) == 0);
    *out_len = 10;
    return CODE_CONF_NAK;
  }
  memcpy(ppp->ipv6_peer_id, peer_id, 8);
  return CODE_CONF_ACK;
}

static void ipv6cp_up(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  l2tpsec_ppp_event ev;

  (void)now;
  memset(&ev, 0, sizeof(ev));
  ev.type = L2TPSEC_PPP_EVENT_IPV6CP_UP;
  memcpy(ev.local_interface_id, ppp->ipv6_local_id, 8);
  memcpy(ev.peer_interface_id, ppp->ipv6_peer_id, 8);
  l2tpsec__ppp_emit(ppp, &ev);
}

static void ipv6cp_down(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  l2tpsec_ppp_event ev;

  (void)now;
  memset(&ev, 0, sizeof(ev));
  ev.type = L2TPSEC_PPP_EVENT_IPV6CP_DOWN;
  l2tpsec__ppp_emit(ppp, &ev);
}

/* IPv6CP is optional: losing it closes the link only when IPCP is not
 * open either. */
static void ipv6cp_finished(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  if (ppp->ipcp.state == FSM_OPENED || ppp->ipcp.state == FSM_REQ_SENT ||
      ppp->ipcp.state == FSM_ACK_SENT || ppp->ipcp.state == FSM_ACK_RCVD ||
      ppp->lcp.state != FSM_OPENED)
    return;
  l2tpsec__ppp_fail(ppp, L2TPSEC_PPP_DOWN_NEGOTIATION, now);
}

const struct ppp_fsm_ops l2tpsec__ipv6cp_ops = {
    .name = "IPv6CP",
    .reset = ipv6cp_reset,
    .build_request = ipv6cp_build_request,
    .peer_nak = ipv6cp_peer_nak,
    .judge_request = ipv6cp_judge_request,
    .up = ipv6cp_up,
    .down = ipv6cp_down,
    .finished = ipv6cp_finished,
    .extra_code = NULL,
};
