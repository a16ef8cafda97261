/* Tunnel life cycle: creation, events, teardown, timers. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "l2tp/bytes.h"
#include "l2tp/internal.h"
#include "l2tpsec/errors.h"

static int pick_tunnel_id(l2tpsec_l2tp *ep, uint16_t *id) {
  /* Random ids make spoofed messages for other tunnels hard to aim;
   * 0 means "no tunnel yet" on the wire (section 3.1). */
  for (int tries = 0; tries < 64; tries++) {
    uint8_t r[2];

    if (l2tpsec_rand_bytes(&ep->settings.rand, r, sizeof(r)) != 0)
      return L2TPSEC_ERR_CRYPTO;
    *id = l2tp_get16(r);
    if (*id != 0 && l2tpsec__idmap_get(&ep->tunnels, *id) == NULL)
      return 0;
  }
  return L2TPSEC_ERR_LIMIT;
}

l2tpsec__l2tp_tunnel *l2tpsec__l2tp_tunnel_new(l2tpsec_l2tp *ep,
                                               uint64_t transport, int *err) {
  l2tpsec__l2tp_tunnel *t;
  uint16_t id;

  *err = L2TPSEC_ERR_LIMIT;
  if (ep->tunnels.count >= ep->settings.max_tunnels)
    return NULL;
  *err = pick_tunnel_id(ep, &id);
  if (*err != 0)
    return NULL;

  *err = L2TPSEC_ERR_NOMEM;
  t = calloc(1, sizeof(*t));
  if (t == NULL)
    return NULL;
  if (l2tpsec__idmap_put(&ep->tunnels, id, t) != 0) {
    free(t);
    return NULL;
  }

  t->ep = ep;
  t->transport = transport;
  t->id = id;
  t->hello_interval = ep->settings.hello_interval;
  t->retransmit_cap = ep->settings.retransmit_cap;
  t->max_retries = ep->settings.max_retries;
  l2tpsec__l2tp_ctl_init(t);
  ep->stats.tunnels_created++;
  *err = 0;
  return t;
}

void l2tpsec__l2tp_tunnel_event(l2tpsec__l2tp_tunnel *t,
                                enum l2tpsec_l2tp_event_type type,
                                enum l2tpsec_l2tp_reason reason,
                                uint16_t result, uint16_t error,
                                const char *message) {
  l2tpsec_l2tp *ep = t->ep;
  l2tpsec_l2tp_event ev;

  if (ep->cb.event == NULL)
    return;
  memset(&ev, 0, sizeof(ev));
  ev.type = type;
  ev.transport = t->transport;
  ev.tunnel_id = t->id;
  ev.peer_tunnel_id = t->peer_id;
  ev.reason = reason;
  ev.result_code = result;
  ev.error_code = error;
  ev.message = message != NULL ? message : "";
  ev.peer_host_name = t->peer_host;
  ep->cb.event(ep->user_data, &ev);
}

void l2tpsec__l2tp_log_down(const l2tpsec__l2tp_tunnel *t, const char *how,
                            uint16_t result, uint16_t error,
                            const char *message) {
  /* The transport names the peer even when no Host Name came yet. */
  static const char fmt[] =
      "tunnel %u (transport %llu, peer tunnel %u, host \"%s\") %s: "
      "result %u (%s), error %u (%s)%s%s%s";
  unsigned long long transport = t->transport;
  const char *result_name = l2tpsec__l2tp_stopccn_result_name(result);
  const char *error_name = l2tpsec__l2tp_error_name(error);
  bool has_message = message != NULL && message[0] != '\0';

  if (t->established) {
    L2TP_LOG(t->ep, L2TPSEC_LOG_NOTICE, fmt, t->id, transport, t->peer_id,
             t->peer_host, how, result, result_name, error, error_name,
             has_message ? ", message \"" : "", has_message ? message : "",
             has_message ? "\"" : "");
    return;
  }
  /* A flood of SCCRQs leaves many tunnels that never come up and expire
   * together, so their lines are rate-limited. */
  L2TP_LOG_RX(t->ep, L2TP_RX_LOG_HALF_OPEN, t->ep->now, L2TPSEC_LOG_INFO, fmt,
              t->id, transport, t->peer_id, t->peer_host, how, result,
              result_name, error, error_name,
              has_message ? ", message \"" : "", has_message ? message : "",
              has_message ? "\"" : "");
}

static void report_down(l2tpsec__l2tp_tunnel *t,
                        enum l2tpsec_l2tp_reason reason, uint16_t result,
                        uint16_t error, const char *message) {
  if (t->reported_down)
    return;
  t->reported_down = true;
  l2tpsec__l2tp_log_down(t, "closed", result, error,
                         message != NULL ? message : "");
  l2tpsec__l2tp_tunnel_event(t, L2TPSEC_L2TP_TUNNEL_DOWN, reason, result,
                             error, message);
}

void l2tpsec__l2tp_tunnel_kill(l2tpsec__l2tp_tunnel *t,
                               enum l2tpsec_l2tp_reason reason,
                               uint16_t result, uint16_t error,
                               const char *message) {
  if (t->state == L2TP_TUNNEL_DEAD)
    return;
  l2tpsec__l2tp_sessions_kill(t, reason, result, error, message);
  report_down(t, reason, result, error, message);
  t->state = L2TP_TUNNEL_DEAD;
  t->next_dead = t->ep->dead;
  t->ep->dead = t;
}

static int queue_stopccn(l2tpsec__l2tp_tunnel *t, uint16_t result,
                         uint16_t error, const char *message,
                         l2tpsec_tstamp now) {
  uint8_t buf[L2TP_CTL_MAX];
  l2tpsec__l2tp_writer w;

  l2tpsec__l2tp_writer_start(t, &w, buf, sizeof(buf), L2TP_MSG_STOPCCN);
  l2tpsec__l2tp_put_u16(&w, true, L2TP_AVP_ASSIGNED_TUNNEL_ID, t->id);
  l2tpsec__l2tp_put_result(&w, result, error, message);
  return l2tpsec__l2tp_send_msg(t, 0, &w, now);
}

void l2tpsec__l2tp_tunnel_stop(l2tpsec__l2tp_tunnel *t, uint16_t result,
                               uint16_t error, const char *message,
                               enum l2tpsec_l2tp_reason reason,
                               l2tpsec_tstamp now) {
  if (t->state >= L2TP_TUNNEL_CLOSING)
    return;
  /* Without the peer's tunnel id a StopCCN cannot be addressed. */
  if (t->peer_id == 0 ||
      queue_stopccn(t, result, error, message, now) != 0) {
    l2tpsec__l2tp_tunnel_kill(t, reason, result, error, message);
    return;
  }
  l2tpsec__l2tp_sessions_kill(t, reason, result, error, message);
  report_down(t, reason, result, error, message);
  /* Section 5.7: wait until the StopCCN is acknowledged. */
  t->state = L2TP_TUNNEL_CLOSING;
}

/* A full retransmission cycle: how long a peer may resend a message. */
static l2tpsec_duration retransmit_cycle(const l2tpsec__l2tp_tunnel *t) {
  l2tpsec_duration wait = t->ep->settings.retransmit_initial, total = 0;

  for (unsigned i = 0; i < t->max_retries; i++) {
    total += wait;
    wait = wait * 2 > t->retransmit_cap ? t->retransmit_cap : wait * 2;
  }
  return total;
}

void l2tpsec__l2tp_tunnel_closed_by_peer(l2tpsec__l2tp_tunnel *t,
                                         l2tpsec_tstamp now) {
  l2tpsec__l2tp_ctl *ctl = &t->ctl;

  /* Our unacknowledged messages no longer matter, but the state stays
   * for a retransmission cycle to acknowledge a resent StopCCN
   * (section 5.7). */
  while (ctl->tx_head != NULL) {
    l2tpsec__l2tp_txmsg *m = ctl->tx_head;
    ctl->tx_head = m->next;
    free(m);
  }
  ctl->tx_tail = NULL;
  ctl->tx_count = 0;
  ctl->rtx_deadline = L2TPSEC_TSTAMP_NEVER;
  t->state = L2TP_TUNNEL_CLOSED;
  t->linger_until = now + retransmit_cycle(t);
}

static l2tpsec_tstamp hello_deadline(const l2tpsec__l2tp_tunnel *t) {
  l2tpsec_duration interval = t->hello_interval;

  if (interval == 0 || t->state != L2TP_TUNNEL_ESTABLISHED ||
      !l2tpsec__l2tp_ctl_idle(&t->ctl))
    return L2TPSEC_TSTAMP_NEVER;
  return t->last_rx + interval;
}

l2tpsec_tstamp l2tpsec__l2tp_tunnel_deadline(const l2tpsec__l2tp_tunnel *t) {
  l2tpsec_tstamp d = t->ctl.rtx_deadline;
  l2tpsec_tstamp hello = hello_deadline(t);

  if (t->state == L2TP_TUNNEL_DEAD)
    return L2TPSEC_TSTAMP_NEVER;
  if (t->state == L2TP_TUNNEL_CLOSED && t->linger_until < d)
    d = t->linger_until;
  return hello < d ? hello : d;
}

static void send_hello(l2tpsec__l2tp_tunnel *t, l2tpsec_tstamp now) {
  uint8_t buf[64];
  l2tpsec__l2tp_writer w;

  l2tpsec__l2tp_writer_start(t, &w, buf, sizeof(buf), L2TP_MSG_HELLO);
  if (l2tpsec__l2tp_send_msg(t, 0, &w, now) != 0)
    L2TP_LOG(t->ep, L2TPSEC_LOG_WARNING,
             "tunnel %u: could not queue HELLO: out of memory", t->id);
}

void l2tpsec__l2tp_tunnel_timeout(l2tpsec__l2tp_tunnel *t,
                                  l2tpsec_tstamp now) {
  l2tpsec__l2tp_ctl_check_overflow(t);
  if (t->state == L2TP_TUNNEL_DEAD)
    return;
  if (t->state == L2TP_TUNNEL_CLOSED) {
    if (now >= t->linger_until)
      l2tpsec__l2tp_tunnel_kill(t, L2TPSEC_L2TP_REASON_PEER, 0, 0, NULL);
    return;
  }

  if (!l2tpsec__l2tp_ctl_timeout(t, now)) {
    /* A tunnel that never came up gets only its rate-limited down line. */
    if (t->established)
      L2TP_LOG(t->ep, L2TPSEC_LOG_WARNING,
               "tunnel %u (transport %llu, peer tunnel %u): no "
               "acknowledgement after %u transmissions; closing the tunnel",
               t->id, (unsigned long long)t->transport, t->peer_id,
               t->ctl.retries);
    l2tpsec__l2tp_tunnel_kill(t, L2TPSEC_L2TP_REASON_TIMEOUT, 0, 0,
                              "retransmissions exhausted");
    return;
  }

  if (t->state == L2TP_TUNNEL_CLOSING && l2tpsec__l2tp_ctl_idle(&t->ctl)) {
    l2tpsec__l2tp_tunnel_kill(t, L2TPSEC_L2TP_REASON_LOCAL, 0, 0, NULL);
    return;
  }
  if (now >= hello_deadline(t))
    send_hello(t, now);
}

void l2tpsec__l2tp_reap(l2tpsec_l2tp *ep) {
  while (ep->dead != NULL) {
    l2tpsec__l2tp_tunnel *t = ep->dead;

    ep->dead = t->next_dead;
    l2tpsec__idmap_remove(&ep->tunnels, t->id);
    /* Told before the free, because the event reads the tunnel, and
     * after the removal, so that a tunnel count excludes it. */
    l2tpsec__l2tp_tunnel_event(t, L2TPSEC_L2TP_TUNNEL_FREED,
                               L2TPSEC_L2TP_REASON_NONE, 0, 0, NULL);
    l2tpsec__l2tp_ctl_free(&t->ctl);
    l2tpsec__idmap_free(&t->sessions);
    free(t);
  }
}
