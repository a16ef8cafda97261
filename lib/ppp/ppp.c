/*
 * The PPP link object: creation, frame dispatch by protocol, phases,
 * IP data and timers. The negotiation itself lives in fsm.c and the
 * per-protocol files.
 */
#include <stdlib.h>
#include <string.h>

#include "ppp/ppp_internal.h"

void l2tpsec_ppp_settings_default(l2tpsec_ppp_settings *s,
                                  enum l2tpsec_ppp_role role) {
  memset(s, 0, sizeof(*s));
  s->role = role;
  s->rand = l2tpsec_rand_system();
  s->mru = 1400;
  s->methods[0] = L2TPSEC_AUTH_MSCHAPV2;
  s->methods[1] = L2TPSEC_AUTH_CHAP_MD5;
  s->methods[2] = L2TPSEC_AUTH_PAP;
  s->restart_interval = 3 * L2TPSEC_SECONDS;
  s->max_configure = 10;
  s->max_terminate = 2;
  s->max_failure = 5;
  s->echo_interval = 30 * L2TPSEC_SECONDS;
  s->echo_failure = 4;
  /* A client cannot tell a slow decision (a push approval) from a lost
   * server, so it waits as long as a server waits for its decision. */
  s->auth_timeout = (role == L2TPSEC_PPP_CLIENT ? 120 : 30) * L2TPSEC_SECONDS;
  s->auth_max_attempts = 3;
  s->auth_decision_timeout = 120 * L2TPSEC_SECONDS;
  s->request_dns = true;
}

const char *l2tpsec_ppp_phase_name(enum l2tpsec_ppp_phase phase) {
  switch (phase) {
  case L2TPSEC_PPP_PHASE_DEAD:
    return "dead";
  case L2TPSEC_PPP_PHASE_ESTABLISH:
    return "establish";
  case L2TPSEC_PPP_PHASE_AUTHENTICATE:
    return "authenticate";
  case L2TPSEC_PPP_PHASE_NETWORK:
    return "network";
  case L2TPSEC_PPP_PHASE_TERMINATE:
    return "terminate";
  }
  return "invalid";
}

const char *l2tpsec_ppp_down_reason_name(enum l2tpsec_ppp_down_reason r) {
  switch (r) {
  case L2TPSEC_PPP_DOWN_CLOSED:
    return "closed locally";
  case L2TPSEC_PPP_DOWN_PEER_TERMINATED:
    return "terminated by the peer";
  case L2TPSEC_PPP_DOWN_NEGOTIATION:
    return "negotiation failed";
  case L2TPSEC_PPP_DOWN_AUTH_FAILED:
    return "authentication failed";
  case L2TPSEC_PPP_DOWN_AUTH_TIMEOUT:
    return "authentication timed out";
  case L2TPSEC_PPP_DOWN_ECHO_TIMEOUT:
    return "no answer to LCP echo requests";
  case L2TPSEC_PPP_DOWN_LOOPBACK:
    return "link looped back";
  case L2TPSEC_PPP_DOWN_NO_ADDRESS:
    return "no address available";
  }
  return "invalid";
}

/* ---- Helpers shared by the other files --------------------------------- */

uint32_t l2tpsec__ppp_random32(l2tpsec_ppp *ppp) {
  uint8_t b[4] = {0};

  /* A failing source leaves zeros; the caller-visible effect is only a
   * predictable challenge, which the log line reports. */
  if (l2tpsec_rand_bytes(&ppp->settings.rand, b, 4) != 0)
    L2TPSEC_LOG(&ppp->settings.log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_PPP,
                "random source failed; check the rand settings");
  return l2tpsec__get32(b);
}

void l2tpsec__ppp_emit(l2tpsec_ppp *ppp, const l2tpsec_ppp_event *ev) {
  if (ppp->cb.event != NULL)
    ppp->cb.event(ppp->user_data, ev);
}

void l2tpsec__ppp_set_phase(l2tpsec_ppp *ppp, enum l2tpsec_ppp_phase phase) {
  l2tpsec_ppp_event ev;

  if (ppp->phase == phase)
    return;
  ppp->phase = phase;
  memset(&ev, 0, sizeof(ev));
  ev.type = L2TPSEC_PPP_EVENT_PHASE;
  ev.phase = phase;
  l2tpsec__ppp_emit(ppp, &ev);
}

void l2tpsec__ppp_fail(l2tpsec_ppp *ppp, enum l2tpsec_ppp_down_reason reason,
                       l2tpsec_tstamp now) {
  if (ppp->dead)
    return;
  /* The first reason wins: later ones are consequences. */
  if (!ppp->down_reason_set) {
    ppp->down_reason = reason;
    ppp->down_reason_set = true;
  }
  l2tpsec__fsm_close(ppp, &ppp->lcp, now);
}

/* Server: the pool picks the peer's address before IPCP starts. */
static bool assign_address(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  l2tpsec_ppp_address_request req;
  int rc;

  if (ppp->address_held)
    return true;
  memset(&req, 0, sizeof(req));
  req.user = ppp->auth.user;
  req.attributes = &ppp->auth.attributes;
  rc = ppp->cb.address_request(ppp->user_data, &req, ppp->ipcp_peer_address);
  if (rc != 0) {
    L2TPSEC_LOG(&ppp->settings.log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_PPP,
                "no IPv4 address for user '%s' from %s (%s); closing",
                ppp->auth.user, ppp->peer, l2tpsec_strerror(rc));
    l2tpsec__ppp_fail(ppp, L2TPSEC_PPP_DOWN_NO_ADDRESS, now);
    return false;
  }
  ppp->address_held = true;
  return true;
}

void l2tpsec__ppp_release_address(l2tpsec_ppp *ppp) {
  if (!ppp->address_held)
    return;
  ppp->address_held = false;
  if (ppp->cb.address_release != NULL)
    ppp->cb.address_release(ppp->user_data, ppp->ipcp_peer_address);
}

void l2tpsec__ppp_auth_succeeded(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  if (ppp->settings.role == L2TPSEC_PPP_SERVER && !assign_address(ppp, now))
    return;
  l2tpsec__ppp_set_phase(ppp, L2TPSEC_PPP_PHASE_NETWORK);
  l2tpsec__fsm_open(ppp, &ppp->ipcp, now);
  l2tpsec__fsm_up(ppp, &ppp->ipcp, now);
  if (ppp->settings.ipv6) {
    l2tpsec__fsm_open(ppp, &ppp->ipv6cp, now);
    l2tpsec__fsm_up(ppp, &ppp->ipv6cp, now);
  }
}

/* ---- Creation ---------------------------------------------------------- */

static int check_settings(const l2tpsec_ppp_settings *s,
                          const l2tpsec_ppp_callbacks *cb) {
  const char *bad = NULL;

  if (cb->send_frame == NULL || cb->deliver_ip == NULL)
    bad = "send_frame and deliver_ip callbacks are required";
  else if (s->role == L2TPSEC_PPP_SERVER &&
           (cb->address_request == NULL ||
            (s->methods[0] != L2TPSEC_AUTH_NONE && cb->auth_request == NULL)))
    bad = "a server needs the auth_request and address_request callbacks";
  if (bad != NULL) {
    L2TPSEC_LOG(&s->log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_PPP, "%s", bad);
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  }

  if (s->mru < 128 || s->mru > 1500)
    bad = "mru must be within 128..1500";
  else if (s->restart_interval == 0 || s->max_configure == 0 ||
           s->max_terminate == 0)
    bad = "restart_interval, max_configure and max_terminate must be > 0";
  else if (s->auth_max_attempts == 0)
    bad = "auth_max_attempts must be > 0";
  else if (s->rand.fn == NULL)
    bad = "a random source is required";
  for (unsigned i = 0; i < L2TPSEC_PPP_MAX_METHODS && bad == NULL; i++)
    if ((unsigned)s->methods[i] > L2TPSEC_AUTH_MSCHAPV2)
      bad = "methods may hold only PAP, CHAP-MD5 and MS-CHAPv2";
  if (bad != NULL) {
    L2TPSEC_LOG(&s->log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_PPP,
                "invalid PPP settings: %s", bad);
    return L2TPSEC_ERR_CONFIG;
  }
  return 0;
}

static char *copy_string(const char *s, bool *failed) {
  char *copy;

  if (s == NULL)
    return NULL;
  copy = strdup(s);
  if (copy == NULL)
    *failed = true;
  return copy;
}

static void compact_methods(l2tpsec_ppp_settings *s) {
  unsigned n = 0;

  for (unsigned i = 0; i < L2TPSEC_PPP_MAX_METHODS; i++)
    if (s->methods[i] != L2TPSEC_AUTH_NONE)
      s->methods[n++] = s->methods[i];
  while (n < L2TPSEC_PPP_MAX_METHODS)
    s->methods[n++] = L2TPSEC_AUTH_NONE;
}

int l2tpsec_ppp_new(l2tpsec_ppp **pppp, const l2tpsec_ppp_settings *settings,
                    const l2tpsec_ppp_callbacks *callbacks, void *user_data,
                    l2tpsec_tstamp now) {
  l2tpsec_ppp *ppp;
  bool failed = false;
  int rc;

  if (pppp == NULL || settings == NULL || callbacks == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  *pppp = NULL;
  rc = check_settings(settings, callbacks);
  if (rc != 0)
    return rc;

  ppp = calloc(1, sizeof(*ppp));
  if (ppp == NULL)
    return L2TPSEC_ERR_NOMEM;
  ppp->settings = *settings;
  compact_methods(&ppp->settings);
  ppp->cb = *callbacks;
  ppp->user_data = user_data;
  ppp->user = copy_string(settings->user, &failed);
  ppp->password = copy_string(settings->password, &failed);
  ppp->hostname = copy_string(
      settings->hostname != NULL ? settings->hostname : "l2tpsec", &failed);
  ppp->peer = copy_string(settings->peer != NULL ? settings->peer : "",
                          &failed);
  if (failed) {
    l2tpsec_ppp_del(ppp);
    return L2TPSEC_ERR_NOMEM;
  }
  ppp->settings.user = ppp->settings.password = NULL;

  l2tpsec__ratelimit_init(&ppp->rx_log, L2TPSEC_SECONDS, 10);
  l2tpsec__fsm_init(&ppp->lcp, PPP_LCP, &l2tpsec__lcp_ops);
  l2tpsec__fsm_init(&ppp->ipcp, PPP_IPCP, &l2tpsec__ipcp_ops);
  l2tpsec__fsm_init(&ppp->ipv6cp, PPP_IPV6CP, &l2tpsec__ipv6cp_ops);
  ppp->lcp_peer.mru = 1500;
  ppp->echo_at = L2TPSEC_TSTAMP_NEVER;
  ppp->auth.deadline = ppp->auth.retransmit_at = L2TPSEC_TSTAMP_NEVER;
  ppp->phase = L2TPSEC_PPP_PHASE_ESTABLISH;

  /* L2TP creates the session when its lower layer is up: Open + Up. */
  l2tpsec__fsm_open(ppp, &ppp->lcp, now);
  l2tpsec__fsm_up(ppp, &ppp->lcp, now);
  *pppp = ppp;
  return 0;
}

static void free_secret(char *s) {
  if (s != NULL)
    l2tpsec_wipe(s, strlen(s));
  free(s);
}

void l2tpsec_ppp_del(l2tpsec_ppp *ppp) {
  if (ppp == NULL)
    return;
  l2tpsec__auth_stop(ppp);
  l2tpsec__ppp_release_address(ppp);
  free_secret(ppp->password);
  free(ppp->user);
  free(ppp->hostname);
  free(ppp->peer);
  l2tpsec_wipe(ppp, sizeof(*ppp));
  free(ppp);
}

/* ---- Input ------------------------------------------------------------- */

static void deliver_ip(l2tpsec_ppp *ppp, l2tpsec_pkt *frame, bool ipv6,
                       l2tpsec_tstamp now) {
  const struct ppp_fsm *ncp = ipv6 ? &ppp->ipv6cp : &ppp->ipcp;

  /* No IP before authentication and the NCP are done (RFC 1661 3.4). */
  if (ncp->state != FSM_OPENED || ppp->phase != L2TPSEC_PPP_PHASE_NETWORK) {
    ppp->stats.ip_dropped++;
    l2tpsec__ppp_drop(ppp, now, false, "IP packet before the NCP is open",
                      ipv6 ? PPP_IPV6 : PPP_IP);
    return;
  }
  ppp->stats.ip_in++;
  ppp->cb.deliver_ip(ppp->user_data, frame);
}

/* Protocol-Reject: the rejected protocol and as much of its packet as
 * fits the peer's MRU (RFC 1661 section 5.7). Only in Opened. */
static void reject_protocol(l2tpsec_ppp *ppp, uint16_t protocol,
                            const l2tpsec_pkt *frame, l2tpsec_tstamp now) {
  uint8_t data[PPP_CONTROL_MAX];
  size_t len = frame->len;

  if (ppp->lcp.state != FSM_OPENED) {
    l2tpsec__ppp_drop(ppp, now, false, "unknown protocol before LCP is open",
                      protocol);
    return;
  }
  if (len > sizeof(data) - 2)
    len = sizeof(data) - 2;
  l2tpsec__put16(data, protocol);
  memcpy(data + 2, frame->data, len);
  ppp->lcp.id++;
  ppp->stats.protocol_rejected++;
  l2tpsec__ppp_send_control(ppp, PPP_LCP, CODE_PROTO_REJ, ppp->lcp.id, data,
                            len + 2);
}

static void input_auth(l2tpsec_ppp *ppp, uint16_t protocol,
                       const l2tpsec_pkt *frame, l2tpsec_tstamp now) {
  if (ppp->lcp.state != FSM_OPENED) {
    l2tpsec__ppp_drop(ppp, now, false, "authentication before LCP is open",
                      protocol);
    return;
  }
  if (ppp->settings.role == L2TPSEC_PPP_SERVER)
    l2tpsec__auth_server_input(ppp, protocol, frame->data, frame->len, now);
  else
    l2tpsec__auth_client_input(ppp, protocol, frame->data, frame->len, now);
}

/* NCP packets count only in the network phase (RFC 1661 section 3.5). */
static int input_ncp(l2tpsec_ppp *ppp, struct ppp_fsm *ncp,
                     const l2tpsec_pkt *frame, l2tpsec_tstamp now) {
  if (ppp->phase != L2TPSEC_PPP_PHASE_NETWORK) {
    l2tpsec__ppp_drop(ppp, now, false, "NCP packet before the network phase",
                      ncp->protocol);
    return 0;
  }
  return l2tpsec__fsm_input(ppp, ncp, frame->data, frame->len, now);
}

static int dispatch(l2tpsec_ppp *ppp, uint16_t protocol, l2tpsec_pkt *frame,
                    l2tpsec_tstamp now) {
  switch (protocol) {
  case PPP_LCP:
    return l2tpsec__fsm_input(ppp, &ppp->lcp, frame->data, frame->len, now);
  case PPP_PAP:
  case PPP_CHAP:
    input_auth(ppp, protocol, frame, now);
    return 0;
  case PPP_IPCP:
    return input_ncp(ppp, &ppp->ipcp, frame, now);
  case PPP_IPV6CP:
    if (!ppp->settings.ipv6)
      break;
    return input_ncp(ppp, &ppp->ipv6cp, frame, now);
  case PPP_IP:
    deliver_ip(ppp, frame, false, now);
    return 0;
  case PPP_IPV6:
    deliver_ip(ppp, frame, true, now);
    return 0;
  default:
    break;
  }
  /* CCP lands here too: rejecting it is what pppd's noccp does. */
  reject_protocol(ppp, protocol, frame, now);
  return 0;
}

int l2tpsec_ppp_input(l2tpsec_ppp *ppp, l2tpsec_pkt *frame,
                      l2tpsec_tstamp now) {
  uint16_t protocol = 0;
  int rc;

  if (ppp == NULL || frame == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (ppp->dead)
    return L2TPSEC_ERR_CLOSED;
  ppp->stats.frames_in++;

  rc = l2tpsec__ppp_parse_header(frame, &protocol);
  if (rc == 0)
    rc = dispatch(ppp, protocol, frame, now);
  if (rc != 0)
    l2tpsec__ppp_drop(ppp, now, true, "bad header or length", protocol);
  return rc;
}

/* ---- Output ------------------------------------------------------------ */

int l2tpsec_ppp_send_ip(l2tpsec_ppp *ppp, l2tpsec_pkt *packet,
                        l2tpsec_tstamp now) {
  uint16_t protocol;
  const struct ppp_fsm *ncp;
  size_t header;
  uint8_t *p;

  (void)now;
  if (ppp == NULL || packet == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (packet->len < 1 ||
      (packet->data[0] >> 4 != 4 && packet->data[0] >> 4 != 6))
    return L2TPSEC_ERR_MALFORMED;
  protocol = packet->data[0] >> 4 == 4 ? PPP_IP : PPP_IPV6;
  ncp = protocol == PPP_IP ? &ppp->ipcp : &ppp->ipv6cp;
  if (ppp->dead || ncp->state != FSM_OPENED ||
      ppp->phase != L2TPSEC_PPP_PHASE_NETWORK)
    return L2TPSEC_ERR_STATE;
  if (packet->len > ppp->lcp_peer.mru)
    return L2TPSEC_ERR_LIMIT;

  header = (ppp->lcp_peer.pfc ? 1 : 2) + (ppp->lcp_peer.acfc ? 0 : 2);
  p = l2tpsec_pkt_push(packet, header);
  if (p == NULL)
    return L2TPSEC_ERR_NOBUFS;
  if (!ppp->lcp_peer.acfc) {
    *p++ = 0xff;
    *p++ = 0x03;
  }
  if (ppp->lcp_peer.pfc)
    *p = (uint8_t)protocol;
  else
    l2tpsec__put16(p, protocol);

  ppp->stats.ip_out++;
  ppp->stats.frames_out++;
  ppp->cb.send_frame(ppp->user_data, packet);
  return 0;
}

/* ---- Timers ------------------------------------------------------------ */

static l2tpsec_tstamp earliest(l2tpsec_tstamp a, l2tpsec_tstamp b) {
  return a < b ? a : b;
}

l2tpsec_tstamp l2tpsec_ppp_next_deadline(const l2tpsec_ppp *ppp) {
  l2tpsec_tstamp t;

  if (ppp == NULL || ppp->dead)
    return L2TPSEC_TSTAMP_NEVER;
  t = earliest(ppp->lcp.restart_at, ppp->ipcp.restart_at);
  t = earliest(t, ppp->ipv6cp.restart_at);
  t = earliest(t, ppp->echo_at);
  t = earliest(t, ppp->auth.retransmit_at);
  return earliest(t, ppp->auth.deadline);
}

int l2tpsec_ppp_handle_timeout(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  if (ppp == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (!ppp->dead && now >= ppp->lcp.restart_at)
    l2tpsec__fsm_timeout(ppp, &ppp->lcp, now);
  if (!ppp->dead && now >= ppp->ipcp.restart_at)
    l2tpsec__fsm_timeout(ppp, &ppp->ipcp, now);
  if (!ppp->dead && now >= ppp->ipv6cp.restart_at)
    l2tpsec__fsm_timeout(ppp, &ppp->ipv6cp, now);
  if (!ppp->dead && now >= ppp->echo_at)
    l2tpsec__lcp_echo_timeout(ppp, now);
  if (!ppp->dead &&
      (now >= ppp->auth.retransmit_at || now >= ppp->auth.deadline))
    l2tpsec__auth_timeout(ppp, now);
  return ppp->dead ? L2TPSEC_ERR_CLOSED : 0;
}

int l2tpsec_ppp_close(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  if (ppp == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (ppp->dead)
    return L2TPSEC_ERR_CLOSED;
  l2tpsec__ppp_fail(ppp, L2TPSEC_PPP_DOWN_CLOSED, now);
  return 0;
}

enum l2tpsec_ppp_phase l2tpsec_ppp_phase(const l2tpsec_ppp *ppp) {
  return ppp->phase;
}

uint16_t l2tpsec_ppp_peer_mru(const l2tpsec_ppp *ppp) {
  return ppp->lcp_peer.mru;
}

void l2tpsec_ppp_get_stats(const l2tpsec_ppp *ppp, l2tpsec_ppp_stats *stats) {
  *stats = ppp->stats;
}
