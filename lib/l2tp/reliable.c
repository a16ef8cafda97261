/*
 * Reliable delivery of control messages (RFC 2661 section 5.8): Ns/Nr
 * sequencing, the peer's receive window, ZLB acknowledgements, a queue
 * for messages that arrive ahead of sequence, and retransmission with
 * exponential back-off.
 */
#include <stdlib.h>
#include <string.h>

#include "l2tp/bytes.h"
#include "l2tp/internal.h"
#include "l2tpsec/errors.h"

void l2tpsec__l2tp_ctl_init(l2tpsec__l2tp_tunnel *t) {
  l2tpsec__l2tp_ctl *ctl = &t->ctl;

  memset(ctl, 0, sizeof(*ctl));
  /* Section 5.8: a peer that sends no Receive Window Size AVP takes 4. */
  ctl->peer_window = 4;
  ctl->rtx_deadline = L2TPSEC_TSTAMP_NEVER;
  ctl->rtx_timeout = t->ep->settings.retransmit_initial;
}

void l2tpsec__l2tp_ctl_free(l2tpsec__l2tp_ctl *ctl) {
  while (ctl->tx_head != NULL) {
    l2tpsec__l2tp_txmsg *m = ctl->tx_head;
    ctl->tx_head = m->next;
    free(m);
  }
  while (ctl->rx_ahead != NULL) {
    l2tpsec__l2tp_rxmsg *m = ctl->rx_ahead;
    ctl->rx_ahead = m->next;
    free(m);
  }
  ctl->tx_tail = NULL;
  ctl->tx_count = 0;
  ctl->rx_ahead_count = 0;
}

bool l2tpsec__l2tp_ctl_idle(const l2tpsec__l2tp_ctl *ctl) {
  return ctl->tx_head == NULL;
}

void l2tpsec__l2tp_transmit(l2tpsec_l2tp *ep, uint64_t transport,
                            const uint8_t *data, size_t len) {
  uint8_t storage[L2TPSEC_L2TP_SEND_HEADROOM + L2TP_CTL_MAX +
                  L2TPSEC_L2TP_SEND_TAILROOM];
  l2tpsec_pkt pkt;

  if (len > L2TP_CTL_MAX)
    return;
  l2tpsec_pkt_init(&pkt, storage, sizeof(storage),
                   L2TPSEC_L2TP_SEND_HEADROOM);
  memcpy(l2tpsec_pkt_put(&pkt, len), data, len);
  if (ep->cb.send(ep->user_data, transport, &pkt) != 0)
    ep->stats.tx_errors++;
}

/* Sends (or resends) one queued message with the current Nr. */
static void send_txmsg(l2tpsec__l2tp_tunnel *t, l2tpsec__l2tp_txmsg *m) {
  l2tp_put16(m->data + 10, t->ctl.nr);
  t->ctl.ack_pending = false;
  l2tpsec__l2tp_transmit(t->ep, t->transport, m->data, m->len);
}

/* Sends queued messages while the peer's window has room. */
static void pump(l2tpsec__l2tp_tunnel *t, l2tpsec_tstamp now) {
  l2tpsec__l2tp_ctl *ctl = &t->ctl;
  unsigned in_flight = 0;

  for (l2tpsec__l2tp_txmsg *m = ctl->tx_head; m != NULL; m = m->next) {
    if (in_flight >= ctl->peer_window)
      break;
    if (!m->sent) {
      send_txmsg(t, m);
      m->sent = true;
      t->ep->stats.tx_control++;
    }
    in_flight++;
  }

  if (in_flight > 0 && ctl->rtx_deadline == L2TPSEC_TSTAMP_NEVER)
    ctl->rtx_deadline = now + ctl->rtx_timeout;
}

void l2tpsec__l2tp_ctl_queue(l2tpsec__l2tp_tunnel *t, l2tpsec__l2tp_txmsg *m,
                             l2tpsec_tstamp now) {
  l2tpsec__l2tp_ctl *ctl = &t->ctl;

  /* The caller may be in the middle of a handler, so the tunnel is
   * closed later, by l2tpsec__l2tp_ctl_check_overflow. */
  if (ctl->tx_count >= L2TP_TX_QUEUE_MAX) {
    ctl->tx_overflow = true;
    free(m);
    return;
  }
  ctl->tx_count++;
  m->ns = ctl->ns_next++;
  l2tp_put16(m->data + 8, m->ns);
  m->next = NULL;
  if (ctl->tx_tail != NULL)
    ctl->tx_tail->next = m;
  else
    ctl->tx_head = m;
  ctl->tx_tail = m;
  pump(t, now);
}

static unsigned count_sent(const l2tpsec__l2tp_ctl *ctl) {
  unsigned n = 0;

  for (const l2tpsec__l2tp_txmsg *m = ctl->tx_head; m != NULL && m->sent;
       m = m->next)
    n++;
  return n;
}

/*
 * Drops the messages that Nr acknowledges (every Ns before it). An Nr
 * behind an earlier one comes from a reordered packet and is ignored; an
 * Nr beyond what we sent is invalid.
 */
static int acknowledge(l2tpsec__l2tp_tunnel *t, uint16_t nr,
                       l2tpsec_tstamp now) {
  l2tpsec__l2tp_ctl *ctl = &t->ctl;
  uint16_t base = ctl->tx_head != NULL ? ctl->tx_head->ns : ctl->ns_next;
  int16_t acked = (int16_t)(uint16_t)(nr - base);

  if (acked <= 0)
    return 0;
  if ((unsigned)acked > count_sent(ctl))
    return L2TPSEC_ERR_MALFORMED;

  for (int i = 0; i < acked; i++) {
    l2tpsec__l2tp_txmsg *m = ctl->tx_head;
    ctl->tx_head = m->next;
    ctl->tx_count--;
    free(m);
  }
  if (ctl->tx_head == NULL)
    ctl->tx_tail = NULL;

  ctl->retries = 0;
  ctl->rtx_timeout = t->ep->settings.retransmit_initial;
  ctl->rtx_deadline = L2TPSEC_TSTAMP_NEVER;
  pump(t, now);
  return 0;
}

void l2tpsec__l2tp_ctl_flush_ack(l2tpsec__l2tp_tunnel *t, l2tpsec_tstamp now) {
  uint8_t zlb[L2TP_CTL_HEADER_LEN];

  if (!t->ctl.ack_pending || t->state == L2TP_TUNNEL_DEAD)
    return;

  l2tp_put16(zlb, L2TP_FLAG_T | L2TP_FLAG_L | L2TP_FLAG_S | L2TP_VERSION);
  l2tp_put16(zlb + 2, L2TP_CTL_HEADER_LEN);
  l2tp_put16(zlb + 4, t->peer_id);
  l2tp_put16(zlb + 6, 0);
  l2tp_put16(zlb + 8, t->ctl.ns_next);
  l2tp_put16(zlb + 10, t->ctl.nr);
  t->ctl.ack_pending = false;
  t->ep->stats.tx_zlb++;
  l2tpsec__l2tp_transmit(t->ep, t->transport, zlb, sizeof(zlb));
}

/* Keeps a message that arrived ahead of sequence, once per Ns. */
static int hold_ahead(l2tpsec__l2tp_tunnel *t, const l2tpsec__l2tp_header *h,
                      const uint8_t *avps, size_t len) {
  l2tpsec__l2tp_ctl *ctl = &t->ctl;
  l2tpsec__l2tp_rxmsg **pos = &ctl->rx_ahead;
  l2tpsec__l2tp_rxmsg *m;

  while (*pos != NULL && (int16_t)(uint16_t)((*pos)->ns - h->ns) < 0)
    pos = &(*pos)->next;
  if (*pos != NULL && (*pos)->ns == h->ns)
    return L2TPSEC_ERR_REPLAY;

  m = malloc(sizeof(*m) + len);
  if (m == NULL)
    return L2TPSEC_ERR_NOMEM;
  m->ns = h->ns;
  m->session_id = h->session_id;
  m->len = len;
  memcpy(m->data, avps, len);
  m->next = *pos;
  *pos = m;
  ctl->rx_ahead_count++;
  return 0;
}

/* Processes the in-sequence message, then any held ones that follow. */
static void deliver(l2tpsec__l2tp_tunnel *t, uint16_t sid, uint8_t *avps,
                    size_t len, l2tpsec_tstamp now) {
  l2tpsec__l2tp_ctl *ctl = &t->ctl;

  /* Nr advances first so that a reply carries the acknowledgement. */
  ctl->nr++;
  ctl->ack_pending = true;
  l2tpsec__l2tp_tunnel_process(t, sid, avps, len, now);

  while (t->state != L2TP_TUNNEL_DEAD && ctl->rx_ahead != NULL &&
         ctl->rx_ahead->ns == ctl->nr) {
    l2tpsec__l2tp_rxmsg *m = ctl->rx_ahead;

    ctl->rx_ahead = m->next;
    ctl->rx_ahead_count--;
    ctl->nr++;
    ctl->ack_pending = true;
    l2tpsec__l2tp_tunnel_process(t, m->session_id, m->data, m->len, now);
    free(m);
  }
}

static int receive_ahead(l2tpsec__l2tp_tunnel *t,
                         const l2tpsec__l2tp_header *h, const uint8_t *avps,
                         size_t len, int16_t distance, l2tpsec_tstamp now) {
  int rc;

  if ((uint16_t)distance >= t->ep->settings.receive_window) {
    t->ep->stats.rx_outside_window++;
    rc = L2TPSEC_ERR_LIMIT;
  } else {
    rc = hold_ahead(t, h, avps, len);
    if (rc == 0)
      t->ep->stats.rx_out_of_order++;
    else if (rc == L2TPSEC_ERR_REPLAY)
      t->ep->stats.rx_duplicate++;
  }
  /* One ZLB gives the peer the Ns we still wait for, also when the
   * message lies beyond our window and is dropped. Only non-empty
   * messages get here, so two peers cannot echo ZLBs at each other. */
  t->ctl.ack_pending = true;
  l2tpsec__l2tp_ctl_flush_ack(t, now);
  return rc;
}

int l2tpsec__l2tp_ctl_receive(l2tpsec__l2tp_tunnel *t,
                              const l2tpsec__l2tp_header *h,
                              const uint8_t *avps, size_t len,
                              l2tpsec_tstamp now) {
  int16_t distance;
  uint8_t *copy;

  if (acknowledge(t, h->nr, now) != 0) {
    t->ep->stats.rx_bad_ack++;
    return L2TPSEC_ERR_MALFORMED;
  }
  t->last_rx = now;
  /* A ZLB only acknowledges. A reply to it, even when its Ns looks
   * wrong, would let two peers echo ZLBs at each other for ever. */
  if (len == 0)
    return 0;

  distance = (int16_t)(uint16_t)(h->ns - t->ctl.nr);
  if (distance < 0) {
    /* Our acknowledgement was lost: acknowledge again. */
    t->ep->stats.rx_duplicate++;
    t->ctl.ack_pending = true;
    l2tpsec__l2tp_ctl_flush_ack(t, now);
    return L2TPSEC_ERR_REPLAY;
  }
  if (distance > 0)
    return receive_ahead(t, h, avps, len, distance, now);

  /* Hidden AVPs are revealed in place, so work on a copy. */
  copy = malloc(len);
  if (copy == NULL)
    return L2TPSEC_ERR_NOMEM;
  memcpy(copy, avps, len);
  deliver(t, h->session_id, copy, len, now);
  free(copy);
  l2tpsec__l2tp_ctl_flush_ack(t, now);
  return 0;
}

bool l2tpsec__l2tp_ctl_timeout(l2tpsec__l2tp_tunnel *t, l2tpsec_tstamp now) {
  l2tpsec__l2tp_ctl *ctl = &t->ctl;
  l2tpsec_duration cap = t->retransmit_cap;

  if (ctl->rtx_deadline > now)
    return true;

  ctl->retries++;
  if (ctl->retries >= t->max_retries)
    return false;

  for (l2tpsec__l2tp_txmsg *m = ctl->tx_head; m != NULL && m->sent;
       m = m->next) {
    send_txmsg(t, m);
    t->ep->stats.tx_retransmits++;
  }
  ctl->rtx_timeout = ctl->rtx_timeout * 2 > cap ? cap : ctl->rtx_timeout * 2;
  ctl->rtx_deadline = now + ctl->rtx_timeout;
  return true;
}

void l2tpsec__l2tp_ctl_check_overflow(l2tpsec__l2tp_tunnel *t) {
  if (!t->ctl.tx_overflow || t->state == L2TP_TUNNEL_DEAD)
    return;
  L2TP_LOG(t->ep, L2TPSEC_LOG_WARNING,
           "tunnel %u (peer %u): %u control messages unacknowledged; "
           "closing the tunnel",
           t->id, t->peer_id, t->ctl.tx_count);
  l2tpsec__l2tp_tunnel_kill(t, L2TPSEC_L2TP_REASON_PROTOCOL, 0, 0,
                            "peer stopped acknowledging control messages");
}
