/*
 * Incoming calls (RFC 2661 sections 5.4.2 and 5.5): ICRQ, ICRP, ICCN and
 * CDN in both roles, WEN and SLI, and polite refusal of outgoing calls
 * (OCRQ), which this layer does not place.
 */
#include <stdlib.h>
#include <string.h>

#include "l2tp/bytes.h"
#include "l2tp/internal.h"
#include "l2tpsec/errors.h"

/* Synchronous framing: PPP frames without HDLC-like escaping. */
#define FRAMING_TYPE_SYNC 1u

static void session_event(l2tpsec__l2tp_tunnel *t, uint16_t id,
                          uint16_t peer_id, l2tpsec_l2tp_event *ev) {
  l2tpsec_l2tp *ep = t->ep;

  if (ep->cb.event == NULL)
    return;
  ev->transport = t->transport;
  ev->tunnel_id = t->id;
  ev->peer_tunnel_id = t->peer_id;
  ev->session_id = id;
  ev->peer_session_id = peer_id;
  if (ev->message == NULL)
    ev->message = "";
  ev->peer_host_name = t->peer_host;
  ep->cb.event(ep->user_data, ev);
}

/* Removes and frees a session, then reports it down. */
static void session_end(l2tpsec__l2tp_session *s,
                        enum l2tpsec_l2tp_reason reason, uint16_t result,
                        uint16_t error, const char *message) {
  l2tpsec__l2tp_tunnel *t = s->tunnel;
  l2tpsec_l2tp_event ev = {.type = L2TPSEC_L2TP_SESSION_DOWN,
                           .reason = reason,
                           .result_code = result,
                           .error_code = error,
                           .message = message};
  uint16_t id = s->id, peer_id = s->peer_id;

  l2tpsec__idmap_remove(&t->sessions, id);
  t->ep->session_count--;
  free(s);
  L2TP_LOG(t->ep, L2TPSEC_LOG_INFO,
           "tunnel %u session %u (peer %u) closed: result %u (%s), error %u "
           "(%s)%s%s%s",
           t->id, id, peer_id, result, l2tpsec__l2tp_cdn_result_name(result),
           error, l2tpsec__l2tp_error_name(error),
           message != NULL && message[0] ? ", message \"" : "",
           message != NULL ? message : "",
           message != NULL && message[0] ? "\"" : "");
  session_event(t, id, peer_id, &ev);
}

void l2tpsec__l2tp_sessions_kill(l2tpsec__l2tp_tunnel *t,
                                 enum l2tpsec_l2tp_reason reason,
                                 uint16_t result, uint16_t error,
                                 const char *message) {
  /* Detach the table first so that callbacks find no session here. */
  l2tpsec__idmap map = t->sessions;

  memset(&t->sessions, 0, sizeof(t->sessions));
  for (size_t i = 0; i < map.cap; i++) {
    l2tpsec__l2tp_session *s = map.slots[i].value;
    l2tpsec_l2tp_event ev = {.type = L2TPSEC_L2TP_SESSION_DOWN,
                             .reason = reason,
                             .result_code = result,
                             .error_code = error,
                             .message = message};

    if (s == NULL)
      continue;
    t->ep->session_count--;
    session_event(t, s->id, s->peer_id, &ev);
    free(s);
  }
  l2tpsec__idmap_free(&map);
}

static int pick_session_id(l2tpsec__l2tp_tunnel *t, uint16_t *id) {
  for (int tries = 0; tries < 64; tries++) {
    uint8_t r[2];

    if (l2tpsec_rand_bytes(&t->ep->settings.rand, r, sizeof(r)) != 0)
      return L2TPSEC_ERR_CRYPTO;
    *id = l2tp_get16(r);
    if (*id != 0 && l2tpsec__idmap_get(&t->sessions, *id) == NULL)
      return 0;
  }
  return L2TPSEC_ERR_LIMIT;
}

static l2tpsec__l2tp_session *session_new(l2tpsec__l2tp_tunnel *t, int *err) {
  l2tpsec__l2tp_session *s;
  uint16_t id;

  *err = L2TPSEC_ERR_LIMIT;
  if (t->sessions.count >= t->ep->settings.max_sessions_per_tunnel)
    return NULL;
  *err = pick_session_id(t, &id);
  if (*err != 0)
    return NULL;
  *err = L2TPSEC_ERR_NOMEM;
  s = calloc(1, sizeof(*s));
  if (s == NULL)
    return NULL;
  if (l2tpsec__idmap_put(&t->sessions, id, s) != 0) {
    free(s);
    return NULL;
  }
  s->tunnel = t;
  s->id = id;
  s->sequencing = t->ep->settings.data_sequencing;
  t->ep->session_count++;
  *err = 0;
  return s;
}

/* CDN from session `our_id` (0 when none exists) to the peer's session. */
static int send_cdn(l2tpsec__l2tp_tunnel *t, uint16_t our_id,
                    uint16_t peer_id, uint16_t result, uint16_t error,
                    const char *message, l2tpsec_tstamp now) {
  uint8_t buf[L2TP_CTL_MAX];
  l2tpsec__l2tp_writer w;
  uint8_t id[2];

  l2tp_put16(id, our_id);
  l2tpsec__l2tp_writer_start(t, &w, buf, sizeof(buf), L2TP_MSG_CDN);
  l2tpsec__l2tp_put_result(&w, result, error, message);
  l2tpsec__l2tp_put_secret(t, &w, L2TP_AVP_ASSIGNED_SESSION_ID, id, 2);
  return l2tpsec__l2tp_send_msg(t, peer_id, &w, now);
}

static int send_session_msg(l2tpsec__l2tp_session *s, uint16_t type,
                            l2tpsec_tstamp now) {
  l2tpsec__l2tp_tunnel *t = s->tunnel;
  uint8_t buf[256];
  l2tpsec__l2tp_writer w;
  uint8_t id[2], serial[4];

  l2tp_put16(id, s->id);
  l2tpsec__l2tp_writer_start(t, &w, buf, sizeof(buf), type);
  if (type == L2TP_MSG_ICRQ || type == L2TP_MSG_ICRP)
    l2tpsec__l2tp_put_secret(t, &w, L2TP_AVP_ASSIGNED_SESSION_ID, id, 2);
  if (type == L2TP_MSG_ICRQ) {
    l2tp_put32(serial, ++t->ep->call_serial);
    l2tpsec__l2tp_put_secret(t, &w, L2TP_AVP_CALL_SERIAL, serial, 4);
  }
  if (type == L2TP_MSG_ICCN) {
    l2tpsec__l2tp_put_u32(&w, true, L2TP_AVP_TX_CONNECT_SPEED,
                          t->ep->settings.connect_speed);
    l2tpsec__l2tp_put_u32(&w, true, L2TP_AVP_FRAMING_TYPE, FRAMING_TYPE_SYNC);
    if (s->sequencing)
      l2tpsec__l2tp_put(&w, true, L2TP_AVP_SEQUENCING_REQUIRED, NULL, 0);
  }
  return l2tpsec__l2tp_send_msg(t, s->peer_id, &w, now);
}

static void session_up(l2tpsec__l2tp_session *s) {
  l2tpsec_l2tp_event ev = {.type = L2TPSEC_L2TP_SESSION_UP};

  s->state = L2TP_SESSION_ESTABLISHED;
  L2TP_LOG(s->tunnel->ep, L2TPSEC_LOG_INFO,
           "tunnel %u session %u (peer %u) established", s->tunnel->id,
           s->id, s->peer_id);
  session_event(s->tunnel, s->id, s->peer_id, &ev);
}

static void on_icrq(l2tpsec__l2tp_tunnel *t, const l2tpsec__l2tp_msg *msg,
                    l2tpsec_tstamp now) {
  l2tpsec__l2tp_session *s;
  int err;

  if (t->ep->settings.role != L2TPSEC_L2TP_LNS) {
    send_cdn(t, 0, msg->assigned_session_id, L2TP_CDN_NO_FACILITIES_PERM, 0,
             "a LAC does not accept incoming calls", now);
    return;
  }
  s = session_new(t, &err);
  if (s == NULL) {
    send_cdn(t, 0, msg->assigned_session_id, L2TP_CDN_NO_FACILITIES_TEMP,
             L2TP_ERR_NO_RESOURCES, "session limit reached", now);
    return;
  }
  s->peer_id = msg->assigned_session_id;
  s->state = L2TP_SESSION_WAIT_CONNECT;
  if (send_session_msg(s, L2TP_MSG_ICRP, now) != 0)
    session_end(s, L2TPSEC_L2TP_REASON_LOCAL, 0, 0, "could not build ICRP");
}

static void on_icrp(l2tpsec__l2tp_session *s, const l2tpsec__l2tp_msg *msg,
                    l2tpsec_tstamp now) {
  s->peer_id = msg->assigned_session_id;
  if (send_session_msg(s, L2TP_MSG_ICCN, now) != 0) {
    session_end(s, L2TPSEC_L2TP_REASON_LOCAL, 0, 0, "could not build ICCN");
    return;
  }
  session_up(s);
}

static void on_iccn(l2tpsec__l2tp_session *s, const l2tpsec__l2tp_msg *msg) {
  /* Section 4.4.6: the LAC requests sequenced data with this AVP. */
  if (l2tpsec__l2tp_has(msg, L2TP_AVP_SEQUENCING_REQUIRED))
    s->sequencing = true;
  session_up(s);
}

static void on_cdn(l2tpsec__l2tp_session *s, const l2tpsec__l2tp_msg *msg) {
  char text[L2TP_MESSAGE_MAX + 1];

  l2tpsec__l2tp_printable(text, sizeof(text), msg->error_message.data,
                          msg->error_message.len);
  session_end(s, L2TPSEC_L2TP_REASON_PEER, msg->result_code, msg->error_code,
              text);
}

static void on_link_report(l2tpsec__l2tp_session *s,
                           const l2tpsec__l2tp_msg *msg) {
  l2tpsec_l2tp_event ev = {0};

  if (msg->type == L2TP_MSG_SLI) {
    ev.type = L2TPSEC_L2TP_LINK_INFO;
    ev.accm_send = msg->accm_send;
    ev.accm_recv = msg->accm_recv;
  } else {
    ev.type = L2TPSEC_L2TP_WAN_ERROR;
    ev.call_errors.crc_errors = msg->call_errors[0];
    ev.call_errors.framing_errors = msg->call_errors[1];
    ev.call_errors.hardware_overruns = msg->call_errors[2];
    ev.call_errors.buffer_overruns = msg->call_errors[3];
    ev.call_errors.timeout_errors = msg->call_errors[4];
    ev.call_errors.alignment_errors = msg->call_errors[5];
  }
  session_event(s->tunnel, s->id, s->peer_id, &ev);
}

/* Dispatches on (session state, message type) for an existing session. */
static void dispatch(l2tpsec__l2tp_session *s, const l2tpsec__l2tp_msg *msg,
                     l2tpsec_tstamp now) {
  l2tpsec__l2tp_tunnel *t = s->tunnel;

  if (msg->type == L2TP_MSG_CDN) {
    on_cdn(s, msg);
  } else if (msg->type == L2TP_MSG_ICRP &&
             s->state == L2TP_SESSION_WAIT_REPLY) {
    on_icrp(s, msg, now);
  } else if (msg->type == L2TP_MSG_ICCN &&
             s->state == L2TP_SESSION_WAIT_CONNECT) {
    on_iccn(s, msg);
  } else if ((msg->type == L2TP_MSG_SLI || msg->type == L2TP_MSG_WEN) &&
             s->state == L2TP_SESSION_ESTABLISHED) {
    on_link_report(s, msg);
  } else {
    t->ep->stats.rx_unexpected++;
    L2TP_LOG_RX(t->ep, L2TP_RX_LOG_SESSION, now, L2TPSEC_LOG_WARNING,
                "tunnel %u session %u: %s not valid in state %d; ending the "
                "session",
                t->id, s->id, l2tpsec__l2tp_msg_name(msg->type), s->state);
    send_cdn(t, s->id, s->peer_id, L2TP_CDN_GENERAL_ERROR, L2TP_ERR_NONE,
             "unexpected message", now);
    session_end(s, L2TPSEC_L2TP_REASON_PROTOCOL, L2TP_CDN_GENERAL_ERROR, 0,
                "unexpected message");
  }
}

void l2tpsec__l2tp_session_process(l2tpsec__l2tp_tunnel *t, uint16_t sid,
                                   l2tpsec__l2tp_msg *msg,
                                   l2tpsec_tstamp now) {
  l2tpsec__l2tp_session *s;

  if (msg->type == L2TP_MSG_ICRQ) {
    on_icrq(t, msg, now);
    return;
  }
  if (msg->type == L2TP_MSG_OCRQ) {
    send_cdn(t, 0, msg->assigned_session_id, L2TP_CDN_NO_FACILITIES_PERM, 0,
             "outgoing calls are not supported", now);
    return;
  }

  s = l2tpsec__idmap_get(&t->sessions, sid);
  if (s == NULL) {
    /* Often a CDN crossing ours; nothing is left to end. */
    t->ep->stats.rx_unknown_session++;
    L2TP_LOG_RX(t->ep, L2TP_RX_LOG_SESSION, now, L2TPSEC_LOG_INFO,
                "tunnel %u: %s for unknown session %u ignored", t->id,
                l2tpsec__l2tp_msg_name(msg->type), sid);
    return;
  }
  dispatch(s, msg, now);
}

void l2tpsec__l2tp_session_fail(l2tpsec__l2tp_tunnel *t, uint16_t sid,
                                const l2tpsec__l2tp_msg *msg,
                                l2tpsec_tstamp now) {
  l2tpsec__l2tp_session *s = l2tpsec__idmap_get(&t->sessions, sid);

  if (s != NULL) {
    send_cdn(t, s->id, s->peer_id, L2TP_CDN_GENERAL_ERROR,
             msg->fail_error_code, msg->fail_reason, now);
    session_end(s, L2TPSEC_L2TP_REASON_PROTOCOL, L2TP_CDN_GENERAL_ERROR,
                msg->fail_error_code, msg->fail_reason);
  } else if (msg->type == L2TP_MSG_ICRQ &&
             l2tpsec__l2tp_has(msg, L2TP_AVP_ASSIGNED_SESSION_ID)) {
    send_cdn(t, 0, msg->assigned_session_id, L2TP_CDN_GENERAL_ERROR,
             msg->fail_error_code, msg->fail_reason, now);
  } else {
    l2tpsec__l2tp_tunnel_stop(t, L2TP_STOP_GENERAL_ERROR,
                              msg->fail_error_code, msg->fail_reason,
                              L2TPSEC_L2TP_REASON_PROTOCOL, now);
  }
}

/* ---- public API ---- */

static l2tpsec__l2tp_tunnel *live_tunnel(l2tpsec_l2tp *l2tp, uint16_t id) {
  l2tpsec__l2tp_tunnel *t = l2tpsec__idmap_get(&l2tp->tunnels, id);

  return t != NULL && t->state != L2TP_TUNNEL_DEAD ? t : NULL;
}

int l2tpsec_l2tp_session_open(l2tpsec_l2tp *l2tp, uint16_t tunnel_id,
                              uint16_t *session_id, l2tpsec_tstamp now) {
  l2tpsec__l2tp_tunnel *t = live_tunnel(l2tp, tunnel_id);
  l2tpsec__l2tp_session *s;
  int err;

  if (t == NULL)
    return L2TPSEC_ERR_NOT_FOUND;
  if (t->state != L2TP_TUNNEL_ESTABLISHED ||
      l2tp->settings.role != L2TPSEC_L2TP_LAC)
    return L2TPSEC_ERR_STATE;
  s = session_new(t, &err);
  if (s == NULL)
    return err;
  s->state = L2TP_SESSION_WAIT_REPLY;
  err = send_session_msg(s, L2TP_MSG_ICRQ, now);
  if (err != 0) {
    l2tpsec__idmap_remove(&t->sessions, s->id);
    l2tp->session_count--;
    free(s);
    return err;
  }
  *session_id = s->id;
  return 0;
}

static l2tpsec__l2tp_session *find_session(l2tpsec_l2tp *l2tp, uint16_t tid,
                                           uint16_t sid) {
  l2tpsec__l2tp_tunnel *t = live_tunnel(l2tp, tid);

  return t != NULL ? l2tpsec__idmap_get(&t->sessions, sid) : NULL;
}

int l2tpsec_l2tp_session_close(l2tpsec_l2tp *l2tp, uint16_t tunnel_id,
                               uint16_t session_id, uint16_t result_code,
                               l2tpsec_tstamp now) {
  l2tpsec__l2tp_session *s = find_session(l2tp, tunnel_id, session_id);

  if (s == NULL)
    return L2TPSEC_ERR_NOT_FOUND;
  send_cdn(s->tunnel, s->id, s->peer_id, result_code, 0, NULL, now);
  session_end(s, L2TPSEC_L2TP_REASON_LOCAL, result_code, 0, NULL);
  return 0;
}

int l2tpsec_l2tp_session_set_link_info(l2tpsec_l2tp *l2tp, uint16_t tunnel_id,
                                       uint16_t session_id,
                                       uint32_t accm_send, uint32_t accm_recv,
                                       l2tpsec_tstamp now) {
  l2tpsec__l2tp_session *s = find_session(l2tp, tunnel_id, session_id);
  uint8_t buf[64], accm[10] = {0};
  l2tpsec__l2tp_writer w;

  if (s == NULL)
    return L2TPSEC_ERR_NOT_FOUND;
  if (s->state != L2TP_SESSION_ESTABLISHED)
    return L2TPSEC_ERR_STATE;
  l2tp_put32(accm + 2, accm_send);
  l2tp_put32(accm + 6, accm_recv);
  l2tpsec__l2tp_writer_start(s->tunnel, &w, buf, sizeof(buf), L2TP_MSG_SLI);
  l2tpsec__l2tp_put(&w, true, L2TP_AVP_ACCM, accm, sizeof(accm));
  return l2tpsec__l2tp_send_msg(s->tunnel, s->peer_id, &w, now);
}

int l2tpsec_l2tp_session_report_errors(l2tpsec_l2tp *l2tp, uint16_t tunnel_id,
                                       uint16_t session_id,
                                       const l2tpsec_l2tp_call_errors *e,
                                       l2tpsec_tstamp now) {
  l2tpsec__l2tp_session *s = find_session(l2tp, tunnel_id, session_id);
  uint32_t counters[6] = {e->crc_errors,      e->framing_errors,
                          e->hardware_overruns, e->buffer_overruns,
                          e->timeout_errors,  e->alignment_errors};
  uint8_t buf[64], value[26] = {0};
  l2tpsec__l2tp_writer w;

  if (s == NULL)
    return L2TPSEC_ERR_NOT_FOUND;
  if (s->state != L2TP_SESSION_ESTABLISHED)
    return L2TPSEC_ERR_STATE;
  for (int i = 0; i < 6; i++)
    l2tp_put32(value + 2 + 4 * i, counters[i]);
  l2tpsec__l2tp_writer_start(s->tunnel, &w, buf, sizeof(buf), L2TP_MSG_WEN);
  l2tpsec__l2tp_put(&w, true, L2TP_AVP_CALL_ERRORS, value, sizeof(value));
  return l2tpsec__l2tp_send_msg(s->tunnel, s->peer_id, &w, now);
}
