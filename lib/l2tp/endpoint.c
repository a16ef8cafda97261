/* The L2TP endpoint: creation, input demultiplexing, timers, API. */
#include <stdlib.h>
#include <string.h>

#include "l2tp/bytes.h"
#include "l2tp/internal.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

void l2tpsec_l2tp_settings_default(l2tpsec_l2tp_settings *s) {
  memset(s, 0, sizeof(*s));
  s->role = L2TPSEC_L2TP_LNS;
  s->host_name = "libl2tpsec";
  s->vendor_name = "libl2tpsec";
  s->accept_tunnels = true;
  s->receive_window = 4;
  s->retransmit_initial = 1 * L2TPSEC_SECONDS;
  s->retransmit_cap = 8 * L2TPSEC_SECONDS;
  s->max_retries = 5;
  s->hello_interval = 60 * L2TPSEC_SECONDS;
  s->max_tunnels = 4096;
  s->max_sessions_per_tunnel = 1024;
  s->connect_speed = 100000000;
  s->rand = l2tpsec_rand_system();
}

static int check_settings(const l2tpsec_l2tp_settings *s) {
  if (s->receive_window < 1 || s->receive_window > L2TP_WINDOW_MAX)
    return L2TPSEC_ERR_CONFIG;
  if (s->max_retries == 0 || s->retransmit_initial == 0 ||
      s->retransmit_cap < s->retransmit_initial)
    return L2TPSEC_ERR_CONFIG;
  if (s->hide_avps && (s->secret == NULL || s->secret_len == 0))
    return L2TPSEC_ERR_CONFIG;
  if (s->host_name == NULL || s->host_name[0] == '\0' ||
      strlen(s->host_name) > L2TP_HOST_NAME_MAX)
    return L2TPSEC_ERR_CONFIG;
  if (s->vendor_name != NULL && strlen(s->vendor_name) > L2TP_HOST_NAME_MAX)
    return L2TPSEC_ERR_CONFIG;
  return 0;
}

static int copy_settings(l2tpsec_l2tp *l, const l2tpsec_l2tp_settings *s) {
  l->settings = *s;
  strcpy(l->host_name, s->host_name);
  strcpy(l->vendor_name, s->vendor_name != NULL ? s->vendor_name : "");
  l->settings.host_name = l->host_name;
  l->settings.vendor_name = l->vendor_name;
  l->settings.secret = NULL;
  if (s->secret != NULL && s->secret_len > 0) {
    l->secret = malloc(s->secret_len);
    if (l->secret == NULL)
      return L2TPSEC_ERR_NOMEM;
    memcpy(l->secret, s->secret, s->secret_len);
    l->secret_len = s->secret_len;
  }
  return 0;
}

int l2tpsec_l2tp_new(l2tpsec_l2tp **pl2tp,
                     const l2tpsec_l2tp_settings *settings,
                     const l2tpsec_l2tp_callbacks *callbacks,
                     void *user_data) {
  l2tpsec_l2tp *l;
  int rc;

  if (pl2tp == NULL || settings == NULL || callbacks == NULL ||
      callbacks->send == NULL || settings->rand.fn == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  rc = check_settings(settings);
  if (rc != 0)
    return rc;

  l = calloc(1, sizeof(*l));
  if (l == NULL)
    return L2TPSEC_ERR_NOMEM;
  rc = copy_settings(l, settings);
  if (rc != 0) {
    free(l);
    return rc;
  }
  l->cb = *callbacks;
  l->user_data = user_data;
  /* At most 10 receive-path log lines of each kind and 10 stateless
   * replies per second, whatever a flood sends. */
  for (int i = 0; i < L2TP_RX_LOG_KINDS; i++)
    l2tpsec__ratelimit_init(&l->rx_log[i], L2TPSEC_SECONDS, 10);
  l2tpsec__ratelimit_init(&l->reply_limit, L2TPSEC_SECONDS, 10);
  *pl2tp = l;
  return 0;
}

void l2tpsec_l2tp_del(l2tpsec_l2tp *l2tp) {
  if (l2tp == NULL)
    return;
  for (size_t i = 0; i < l2tp->tunnels.cap; i++) {
    l2tpsec__l2tp_tunnel *t = l2tp->tunnels.slots[i].value;

    if (t == NULL)
      continue;
    for (size_t j = 0; j < t->sessions.cap; j++)
      free(t->sessions.slots[j].value);
    l2tpsec__idmap_free(&t->sessions);
    l2tpsec__l2tp_ctl_free(&t->ctl);
    free(t);
  }
  l2tpsec__idmap_free(&l2tp->tunnels);
  if (l2tp->secret != NULL) {
    l2tpsec_wipe(l2tp->secret, l2tp->secret_len);
    free(l2tp->secret);
  }
  free(l2tp);
}

static void count_header_error(l2tpsec_l2tp *ep, int rc, l2tpsec_tstamp now) {
  if (rc == L2TPSEC_ERR_UNSUPPORTED) {
    ep->stats.rx_bad_version++;
    L2TP_LOG_RX(ep, L2TP_RX_LOG_VERSION, now, L2TPSEC_LOG_INFO,
                "datagram with an L2TP version other than 2 dropped");
    return;
  }
  ep->stats.rx_malformed++;
  L2TP_LOG_RX(ep, L2TP_RX_LOG_HEADER, now, L2TPSEC_LOG_INFO,
              "malformed L2TP header dropped (%s)", l2tpsec_strerror(rc));
}

static int control_input(l2tpsec_l2tp *ep, uint64_t transport,
                         const l2tpsec__l2tp_header *h, const uint8_t *data,
                         l2tpsec_tstamp now) {
  const uint8_t *avps = data + L2TP_CTL_HEADER_LEN;
  size_t len = h->message_len - L2TP_CTL_HEADER_LEN;
  l2tpsec__l2tp_tunnel *t;
  int rc;

  if (h->tunnel_id == 0)
    return l2tpsec__l2tp_sccrq_input(ep, transport, h, avps, len, now);

  t = l2tpsec__idmap_get(&ep->tunnels, h->tunnel_id);
  if (t == NULL || t->state == L2TP_TUNNEL_DEAD) {
    ep->stats.rx_unknown_tunnel++;
    L2TP_LOG_RX(ep, L2TP_RX_LOG_UNKNOWN_TUNNEL, now, L2TPSEC_LOG_INFO,
                "control message for unknown tunnel %u dropped",
                h->tunnel_id);
    return L2TPSEC_ERR_NOT_FOUND;
  }
  /* NOTE: a tunnel stays bound to the transport it began on, so a peer
   * whose NAT mapping changes loses the tunnel. */
  if (t->transport != transport) {
    ep->stats.rx_wrong_transport++;
    return L2TPSEC_ERR_NOT_FOUND;
  }

  rc = l2tpsec__l2tp_ctl_receive(t, h, avps, len, now);
  l2tpsec__l2tp_ctl_check_overflow(t);
  /* Section 5.7: our StopCCN is acknowledged, nothing more to do. */
  if (t->state == L2TP_TUNNEL_CLOSING && l2tpsec__l2tp_ctl_idle(&t->ctl))
    l2tpsec__l2tp_tunnel_kill(t, L2TPSEC_L2TP_REASON_LOCAL, 0, 0, NULL);
  return rc;
}

int l2tpsec_l2tp_input(l2tpsec_l2tp *l2tp, uint64_t transport,
                       const uint8_t *data, size_t len, l2tpsec_tstamp now) {
  l2tpsec__l2tp_header h;
  int rc;

  l2tp->now = now;
  l2tp->stats.rx_datagrams++;
  rc = l2tpsec__l2tp_header_parse(data, len, &h);
  if (rc != 0) {
    count_header_error(l2tp, rc, now);
    return rc;
  }

  if (h.flags & L2TP_FLAG_T)
    rc = control_input(l2tp, transport, &h, data, now);
  else
    rc = l2tpsec__l2tp_data_input(l2tp, transport, &h, data, now);
  l2tpsec__l2tp_reap(l2tp);
  return rc;
}

l2tpsec_tstamp l2tpsec_l2tp_next_deadline(const l2tpsec_l2tp *l) {
  l2tpsec_tstamp next = l2tpsec__l2tp_rx_log_deadline(l);

  /* TODO: a scan over every tunnel; a timer heap would make this
   * logarithmic for endpoints with many thousands of tunnels. */
  for (size_t i = 0; i < l->tunnels.cap; i++) {
    const l2tpsec__l2tp_tunnel *t = l->tunnels.slots[i].value;

    if (t != NULL) {
      l2tpsec_tstamp d = l2tpsec__l2tp_tunnel_deadline(t);
      if (d < next)
        next = d;
    }
  }
  return next;
}

int l2tpsec_l2tp_handle_timeout(l2tpsec_l2tp *l2tp, l2tpsec_tstamp now) {
  l2tp->now = now;
  for (size_t i = 0; i < l2tp->tunnels.cap; i++) {
    l2tpsec__l2tp_tunnel *t = l2tp->tunnels.slots[i].value;

    if (t != NULL && l2tpsec__l2tp_tunnel_deadline(t) <= now)
      l2tpsec__l2tp_tunnel_timeout(t, now);
  }
  l2tpsec__l2tp_reap(l2tp);
  l2tpsec__l2tp_rx_log_summary(l2tp, now);
  return 0;
}

int l2tpsec_l2tp_tunnel_open(l2tpsec_l2tp *l2tp, uint64_t transport,
                             uint16_t *tunnel_id, l2tpsec_tstamp now) {
  l2tpsec__l2tp_tunnel *t;
  int rc;

  t = l2tpsec__l2tp_tunnel_new(l2tp, transport, &rc);
  if (t == NULL)
    return rc;
  t->state = L2TP_TUNNEL_WAIT_CTL_REPLY;
  t->last_rx = now;
  rc = l2tpsec__l2tp_send_sccrq(t, now);
  if (rc != 0) {
    t->reported_down = true; /* never announced */
    l2tpsec__l2tp_tunnel_kill(t, L2TPSEC_L2TP_REASON_LOCAL, 0, 0, NULL);
    l2tpsec__l2tp_reap(l2tp);
    return rc;
  }
  *tunnel_id = t->id;
  return 0;
}

int l2tpsec_l2tp_tunnel_close(l2tpsec_l2tp *l2tp, uint16_t tunnel_id,
                              uint16_t result_code, l2tpsec_tstamp now) {
  l2tpsec__l2tp_tunnel *t = l2tpsec__idmap_get(&l2tp->tunnels, tunnel_id);

  if (t == NULL || t->state == L2TP_TUNNEL_DEAD)
    return L2TPSEC_ERR_NOT_FOUND;
  if (t->state >= L2TP_TUNNEL_CLOSING)
    return L2TPSEC_ERR_STATE;
  l2tp->now = now;
  l2tpsec__l2tp_tunnel_stop(t, result_code, 0, NULL,
                            L2TPSEC_L2TP_REASON_LOCAL, now);
  return 0;
}

size_t l2tpsec_l2tp_transport_abort(l2tpsec_l2tp *l2tp, uint64_t transport,
                                    l2tpsec_tstamp now) {
  size_t count = 0;

  l2tp->now = now;
  for (size_t i = 0; i < l2tp->tunnels.cap; i++) {
    l2tpsec__l2tp_tunnel *t = l2tp->tunnels.slots[i].value;

    if (t == NULL || t->transport != transport || t->state == L2TP_TUNNEL_DEAD)
      continue;
    l2tpsec__l2tp_tunnel_kill(t, L2TPSEC_L2TP_REASON_LOCAL, 0, 0,
                              "transport closed");
    count++;
  }
  l2tpsec__l2tp_reap(l2tp);
  return count;
}

int l2tpsec_l2tp_tunnel_set_timers(l2tpsec_l2tp *l2tp, uint16_t tunnel_id,
                                   l2tpsec_duration hello_interval,
                                   unsigned max_retries,
                                   l2tpsec_duration retransmit_cap) {
  l2tpsec__l2tp_tunnel *t = l2tpsec__idmap_get(&l2tp->tunnels, tunnel_id);

  if (t == NULL || t->state == L2TP_TUNNEL_DEAD)
    return L2TPSEC_ERR_NOT_FOUND;
  if (max_retries == 0 ||
      retransmit_cap < l2tp->settings.retransmit_initial)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  t->hello_interval = hello_interval;
  t->max_retries = max_retries;
  t->retransmit_cap = retransmit_cap;
  return 0;
}

void l2tpsec_l2tp_get_stats(const l2tpsec_l2tp *l2tp,
                            l2tpsec_l2tp_stats *stats) {
  *stats = l2tp->stats;
}

size_t l2tpsec_l2tp_tunnel_count(const l2tpsec_l2tp *l2tp) {
  return l2tp->tunnels.count;
}

size_t l2tpsec_l2tp_session_count(const l2tpsec_l2tp *l2tp) {
  return l2tp->session_count;
}

void l2tpsec__l2tp_printable(char *dst, size_t cap, const uint8_t *src,
                             size_t len) {
  size_t n = 0;

  for (size_t i = 0; i < len && n + 1 < cap; i++)
    dst[n++] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
  dst[n] = '\0';
}
