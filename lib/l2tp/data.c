/* Data messages (RFC 2661 section 5.9): PPP frames in and out. */
#include "l2tp/bytes.h"
#include "l2tp/internal.h"
#include "l2tpsec/errors.h"

/* Section 5.9: a data Ns behind the expected one is stale and dropped. */
static bool accept_sequence(l2tpsec__l2tp_session *s,
                            const l2tpsec__l2tp_header *h) {
  if (!(h->flags & L2TP_FLAG_S))
    return true;
  /* A peer that numbers its data wants ours numbered too. */
  s->sequencing = true;
  if ((int16_t)(uint16_t)(h->ns - s->data_nr) < 0)
    return false;
  s->data_nr = (uint16_t)(h->ns + 1);
  return true;
}

int l2tpsec__l2tp_data_input(l2tpsec_l2tp *ep, uint64_t transport,
                             const l2tpsec__l2tp_header *h,
                             const uint8_t *data, l2tpsec_tstamp now) {
  l2tpsec__l2tp_tunnel *t = l2tpsec__idmap_get(&ep->tunnels, h->tunnel_id);
  l2tpsec__l2tp_session *s;

  if (t == NULL || t->state == L2TP_TUNNEL_DEAD) {
    ep->stats.rx_unknown_tunnel++;
    return L2TPSEC_ERR_NOT_FOUND;
  }
  if (t->transport != transport) {
    ep->stats.rx_wrong_transport++;
    return L2TPSEC_ERR_NOT_FOUND;
  }
  s = l2tpsec__idmap_get(&t->sessions, h->session_id);
  if (s == NULL || s->state != L2TP_SESSION_ESTABLISHED) {
    ep->stats.rx_unknown_session++;
    return L2TPSEC_ERR_NOT_FOUND;
  }

  t->last_rx = now;
  if (!accept_sequence(s, h)) {
    ep->stats.rx_data_stale++;
    return L2TPSEC_ERR_REPLAY;
  }
  ep->stats.rx_data_frames++;
  if (ep->cb.recv != NULL)
    ep->cb.recv(ep->user_data, t->id, s->id, data + h->header_len,
                h->message_len - h->header_len);
  return 0;
}

int l2tpsec_l2tp_session_send(l2tpsec_l2tp *l2tp, uint16_t tunnel_id,
                              uint16_t session_id, l2tpsec_pkt *pkt,
                              l2tpsec_tstamp now) {
  l2tpsec__l2tp_tunnel *t = l2tpsec__idmap_get(&l2tp->tunnels, tunnel_id);
  l2tpsec__l2tp_session *s;
  bool with_length = l2tp->settings.data_length_bit;
  uint16_t flags = L2TP_VERSION;
  size_t hlen = 6;
  uint8_t *p;
  int rc;

  if (t == NULL || t->state == L2TP_TUNNEL_DEAD)
    return L2TPSEC_ERR_NOT_FOUND;
  s = l2tpsec__idmap_get(&t->sessions, session_id);
  if (s == NULL)
    return L2TPSEC_ERR_NOT_FOUND;
  if (s->state != L2TP_SESSION_ESTABLISHED ||
      t->state != L2TP_TUNNEL_ESTABLISHED)
    return L2TPSEC_ERR_STATE;

  hlen += (with_length ? 2 : 0) + (s->sequencing ? 4 : 0);
  if (with_length && pkt->len + hlen > 0xffff)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  p = l2tpsec_pkt_push(pkt, hlen);
  if (p == NULL)
    return L2TPSEC_ERR_NOBUFS;

  flags |= (with_length ? L2TP_FLAG_L : 0) | (s->sequencing ? L2TP_FLAG_S : 0);
  l2tp_put16(p, flags);
  p += 2;
  if (with_length) {
    l2tp_put16(p, (uint16_t)pkt->len);
    p += 2;
  }
  l2tp_put16(p, t->peer_id);
  l2tp_put16(p + 2, s->peer_id);
  if (s->sequencing) {
    /* Nr is reserved in data messages (section 3.1). */
    l2tp_put16(p + 4, s->data_ns++);
    l2tp_put16(p + 6, 0);
  }

  rc = l2tp->cb.send(l2tp->user_data, t->transport, pkt);
  if (rc != 0)
    l2tp->stats.tx_errors++;
  else
    l2tp->stats.tx_data_frames++;
  return rc;
}
