/*
 * IPCP (RFC 1332) with the DNS and NBNS options of RFC 1877. The server
 * states its own address and NAKs any peer address but the one the pool
 * assigned; the client asks for 0.0.0.0 and takes what it is given.
 */
#include <string.h>

#include "ppp/ppp_internal.h"

enum {
  IPCP_ADDRESSES = 1, /* deprecated pair form (RFC 1172): rejected */
  IPCP_COMPRESSION = 2,
  IPCP_ADDRESS = 3,
  IPCP_DNS1 = 129,
  IPCP_NBNS1 = 130,
  IPCP_DNS2 = 131,
  IPCP_NBNS2 = 132,
};

static const uint8_t zero_address[4];

static bool is_server(const l2tpsec_ppp *ppp) {
  return ppp->settings.role == L2TPSEC_PPP_SERVER;
}

static void ipcp_reset(l2tpsec_ppp *ppp) {
  struct ipcp_options *w = &ppp->ipcp_want;

  memset(w, 0, sizeof(*w));
  if (is_server(ppp)) {
    memcpy(w->address, ppp->settings.local_address, 4);
    return;
  }
  w->want_dns[0] = ppp->settings.request_dns;
  w->want_dns[1] = ppp->settings.request_dns;
  memset(ppp->ipcp_peer_address, 0, 4);
}

static size_t put_address(uint8_t *out, uint8_t type, const uint8_t *a) {
  out[0] = type;
  out[1] = 6;
  memcpy(out + 2, a, 4);
  return 6;
}

static size_t ipcp_build_request(l2tpsec_ppp *ppp, uint8_t *out) {
  const struct ipcp_options *w = &ppp->ipcp_want;
  size_t n = 0;

  /* A server without a configured address sends no IP-Address option. */
  if (!is_server(ppp) || memcmp(w->address, zero_address, 4) != 0)
    n += put_address(out + n, IPCP_ADDRESS, w->address);
  if (w->want_dns[0])
    n += put_address(out + n, IPCP_DNS1, w->dns[0]);
  if (w->want_dns[1])
    n += put_address(out + n, IPCP_DNS2, w->dns[1]);
  return n;
}

static bool ipcp_peer_nak(l2tpsec_ppp *ppp, const uint8_t *opts, size_t len,
                          bool reject, l2tpsec_tstamp now) {
  struct ipcp_options *w = &ppp->ipcp_want;

  (void)now;
  for (size_t off = 0; off < len; off += opts[off + 1]) {
    const uint8_t *opt = opts + off;
    int dns = -1;

    if (opt[0] == IPCP_DNS1)
      dns = 0;
    else if (opt[0] == IPCP_DNS2)
      dns = 1;

    if (opt[0] == IPCP_ADDRESS && !reject && opt[1] == 6 && !is_server(ppp))
      memcpy(w->address, opt + 2, 4);
    else if (dns >= 0 && reject)
      w->want_dns[dns] = false;
    else if (dns >= 0 && opt[1] == 6)
      memcpy(w->dns[dns], opt + 2, 4);
  }
  return true;
}

struct judgement {
  uint8_t naks[FSM_OPTIONS_MAX], rejects[FSM_OPTIONS_MAX];
  size_t nak_len, reject_len;
  bool naks_exhausted;
  bool saw_address;
  uint8_t peer_address[4];
};

static void append(uint8_t *list, size_t *len, const uint8_t *opt) {
  if (*len + opt[1] > FSM_OPTIONS_MAX)
    return;
  memcpy(list + *len, opt, opt[1]);
  *len += opt[1];
}

/* Nak with the value we require, or reject after Max-Failure. */
static void require_value(struct judgement *j, const uint8_t *opt,
                          const uint8_t *value) {
  uint8_t suggestion[6];

  if (memcmp(opt + 2, value, 4) == 0)
    return;
  put_address(suggestion, opt[0], value);
  if (j->naks_exhausted)
    append(j->rejects, &j->reject_len, opt);
  else
    append(j->naks, &j->nak_len, suggestion);
}

/* Server: DNS and NBNS options are answered from the settings; a value
 * we have none for is rejected. Client: we offer none. */
static void judge_server_info(l2tpsec_ppp *ppp, struct judgement *j,
                              const uint8_t *opt) {
  const uint8_t *value = NULL;

  if (opt[0] == IPCP_DNS1 || opt[0] == IPCP_DNS2)
    value = ppp->settings.dns[opt[0] == IPCP_DNS2];
  else
    value = ppp->settings.nbns[opt[0] == IPCP_NBNS2];
  if (!is_server(ppp) || memcmp(value, zero_address, 4) == 0) {
    append(j->rejects, &j->reject_len, opt);
    return;
  }
  require_value(j, opt, value);
}

static void judge_address(l2tpsec_ppp *ppp, struct judgement *j,
                          const uint8_t *opt) {
  j->saw_address = true;
  if (is_server(ppp)) {
    require_value(j, opt, ppp->ipcp_peer_address);
    return;
  }
  /* Client: the server's own address; any value is fine. */
  memcpy(j->peer_address, opt + 2, 4);
}

static int ipcp_judge_request(l2tpsec_ppp *ppp, const uint8_t *opts,
                              size_t len, uint8_t *out, size_t *out_len,
                              bool naks_exhausted, l2tpsec_tstamp now) {
  struct judgement j;

  (void)now;
  memset(&j, 0, sizeof(j));
  j.naks_exhausted = naks_exhausted;
  for (size_t off = 0; off < len; off += opts[off + 1]) {
    const uint8_t *opt = opts + off;

    if (opt[0] == IPCP_ADDRESS && opt[1] == 6)
      judge_address(ppp, &j, opt);
    else if (opt[1] == 6 && opt[0] >= IPCP_DNS1 && opt[0] <= IPCP_NBNS2)
      judge_server_info(ppp, &j, opt);
    else
      append(j.rejects, &j.reject_len, opt);
  }

  /* A client that requested no address gets its address in a Nak
   * (RFC 1332 section 3.3). */
  if (is_server(ppp) && !j.saw_address && !naks_exhausted) {
    uint8_t suggestion[6];

    put_address(suggestion, IPCP_ADDRESS, ppp->ipcp_peer_address);
    append(j.naks, &j.nak_len, suggestion);
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
  if (!is_server(ppp))
    memcpy(ppp->ipcp_peer_address, j.peer_address, 4);
  return CODE_CONF_ACK;
}

static void ipcp_up(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  l2tpsec_ppp_event ev;

  (void)now;
  memset(&ev, 0, sizeof(ev));
  ev.type = L2TPSEC_PPP_EVENT_IPCP_UP;
  memcpy(ev.local_address, ppp->ipcp_want.address, 4);
  memcpy(ev.peer_address, ppp->ipcp_peer_address, 4);
  memcpy(ev.dns, ppp->ipcp_want.dns, sizeof(ev.dns));
  L2TPSEC_LOG(&ppp->settings.log, L2TPSEC_LOG_INFO, L2TPSEC_LOG_PPP,
              "IPCP up: local %u.%u.%u.%u, peer %u.%u.%u.%u",
              ev.local_address[0], ev.local_address[1], ev.local_address[2],
              ev.local_address[3], ev.peer_address[0], ev.peer_address[1],
              ev.peer_address[2], ev.peer_address[3]);
  l2tpsec__ppp_emit(ppp, &ev);
}

static void ipcp_down(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  l2tpsec_ppp_event ev;

  (void)now;
  memset(&ev, 0, sizeof(ev));
  ev.type = L2TPSEC_PPP_EVENT_IPCP_DOWN;
  l2tpsec__ppp_emit(ppp, &ev);
}

/* IPCP gave up: without an NCP the link is useless (pppd closes it). */
static void ipcp_finished(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  enum ppp_fsm_state v6 = ppp->ipv6cp.state;

  if (v6 == FSM_OPENED || v6 == FSM_REQ_SENT || v6 == FSM_ACK_RCVD ||
      v6 == FSM_ACK_SENT || ppp->lcp.state != FSM_OPENED)
    return;
  L2TPSEC_LOG(&ppp->settings.log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_PPP,
              "IPCP with %s failed and no other network protocol is open; "
              "closing the link",
              ppp->peer);
  l2tpsec__ppp_fail(ppp, L2TPSEC_PPP_DOWN_NEGOTIATION, now);
}

const struct ppp_fsm_ops l2tpsec__ipcp_ops = {
    .name = "IPCP",
    .reset = ipcp_reset,
    .build_request = ipcp_build_request,
    .peer_nak = ipcp_peer_nak,
    .judge_request = ipcp_judge_request,
    .up = ipcp_up,
    .down = ipcp_down,
    .finished = ipcp_finished,
    .extra_code = NULL,
};
