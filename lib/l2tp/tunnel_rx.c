/*
 * Control connection establishment and teardown (RFC 2661 sections 5.1
 * and 5.7): SCCRQ, SCCRP, SCCCN, StopCCN and HELLO in both roles, the
 * tie breaker, and the dispatcher on (tunnel state, message type).
 */
#include <stdlib.h>
#include <string.h>

#include "l2tp/bytes.h"
#include "l2tp/internal.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

#define FRAMING_CAPS (L2TP_FRAMING_SYNC | L2TP_FRAMING_ASYNC)
#define FIRMWARE_REVISION 0x0100

/* The AVPs that SCCRQ and SCCRP share (section 6.1 and 6.2). */
static void put_identity(l2tpsec__l2tp_tunnel *t, l2tpsec__l2tp_writer *w) {
  l2tpsec_l2tp *ep = t->ep;

  l2tpsec__l2tp_put_u16(w, true, L2TP_AVP_PROTOCOL_VERSION,
                        L2TP_PROTOCOL_VERSION);
  l2tpsec__l2tp_put(w, true, L2TP_AVP_HOST_NAME, ep->host_name,
                    strlen(ep->host_name));
  l2tpsec__l2tp_put_u32(w, true, L2TP_AVP_FRAMING_CAPS, FRAMING_CAPS);
  l2tpsec__l2tp_put_u16(w, false, L2TP_AVP_FIRMWARE_REVISION,
                        FIRMWARE_REVISION);
  l2tpsec__l2tp_put(w, false, L2TP_AVP_VENDOR_NAME, ep->vendor_name,
                    strlen(ep->vendor_name));
  l2tpsec__l2tp_put_u16(w, true, L2TP_AVP_ASSIGNED_TUNNEL_ID, t->id);
  l2tpsec__l2tp_put_u16(w, true, L2TP_AVP_RECEIVE_WINDOW,
                        ep->settings.receive_window);
}

/* With a secret, we challenge the peer in SCCRQ or SCCRP. */
static int put_challenge(l2tpsec__l2tp_tunnel *t, l2tpsec__l2tp_writer *w) {
  if (t->ep->secret_len == 0)
    return 0;
  if (l2tpsec_rand_bytes(&t->ep->settings.rand, t->challenge,
                         sizeof(t->challenge)) != 0)
    return L2TPSEC_ERR_CRYPTO;
  t->sent_challenge = true;
  l2tpsec__l2tp_put(w, true, L2TP_AVP_CHALLENGE, t->challenge,
                    sizeof(t->challenge));
  return 0;
}

static int put_response(l2tpsec__l2tp_tunnel *t, l2tpsec__l2tp_writer *w,
                        uint8_t msg_type, const l2tpsec__l2tp_msg *msg) {
  uint8_t response[16];
  int rc;

  if (!l2tpsec__l2tp_has(msg, L2TP_AVP_CHALLENGE))
    return 0;
  rc = l2tpsec__l2tp_chap_response(t->ep, msg_type, msg->challenge.data,
                                   msg->challenge.len, response);
  if (rc == 0)
    l2tpsec__l2tp_put(w, true, L2TP_AVP_CHALLENGE_RESPONSE, response,
                      sizeof(response));
  l2tpsec_wipe(response, sizeof(response));
  return rc;
}

int l2tpsec__l2tp_send_sccrq(l2tpsec__l2tp_tunnel *t, l2tpsec_tstamp now) {
  uint8_t buf[L2TP_CTL_MAX];
  l2tpsec__l2tp_writer w;
  int rc;

  l2tpsec__l2tp_writer_start(t, &w, buf, sizeof(buf), L2TP_MSG_SCCRQ);
  put_identity(t, &w);
  rc = put_challenge(t, &w);
  if (rc != 0)
    return rc;
  if (t->ep->settings.tie_breaker) {
    rc = l2tpsec_rand_bytes(&t->ep->settings.rand, t->tie_breaker,
                            sizeof(t->tie_breaker));
    if (rc != 0)
      return rc;
    t->sent_tie_breaker = true;
    l2tpsec__l2tp_put(&w, false, L2TP_AVP_TIE_BREAKER, t->tie_breaker,
                      sizeof(t->tie_breaker));
  }
  return l2tpsec__l2tp_send_msg(t, 0, &w, now);
}

static int send_sccrp(l2tpsec__l2tp_tunnel *t, const l2tpsec__l2tp_msg *msg,
                      l2tpsec_tstamp now) {
  uint8_t buf[L2TP_CTL_MAX];
  l2tpsec__l2tp_writer w;
  int rc;

  l2tpsec__l2tp_writer_start(t, &w, buf, sizeof(buf), L2TP_MSG_SCCRP);
  put_identity(t, &w);
  rc = put_response(t, &w, L2TP_MSG_SCCRP, msg);
  if (rc == 0)
    rc = put_challenge(t, &w);
  if (rc != 0)
    return rc;
  return l2tpsec__l2tp_send_msg(t, 0, &w, now);
}

static int send_scccn(l2tpsec__l2tp_tunnel *t, const l2tpsec__l2tp_msg *msg,
                      l2tpsec_tstamp now) {
  uint8_t buf[128];
  l2tpsec__l2tp_writer w;
  int rc;

  l2tpsec__l2tp_writer_start(t, &w, buf, sizeof(buf), L2TP_MSG_SCCCN);
  rc = put_response(t, &w, L2TP_MSG_SCCCN, msg);
  if (rc != 0)
    return rc;
  return l2tpsec__l2tp_send_msg(t, 0, &w, now);
}

/*
 * Checks the peer's Challenge Response against the challenge we sent.
 * A peer that challenges us while we have no secret cannot get a
 * response, so it fails too.
 */
static bool peer_authenticated(l2tpsec__l2tp_tunnel *t, uint8_t msg_type,
                               const l2tpsec__l2tp_msg *msg,
                               const char **why) {
  uint8_t expected[16];
  bool ok;

  if (t->ep->secret_len == 0) {
    *why = "peer sent a Challenge but no tunnel secret is configured";
    return !l2tpsec__l2tp_has(msg, L2TP_AVP_CHALLENGE);
  }
  if (!t->sent_challenge)
    return true;
  if (!l2tpsec__l2tp_has(msg, L2TP_AVP_CHALLENGE_RESPONSE)) {
    *why = "Challenge Response missing";
    return false;
  }
  if (l2tpsec__l2tp_chap_response(t->ep, msg_type, t->challenge,
                                  sizeof(t->challenge), expected) != 0) {
    *why = "MD5 unavailable";
    return false;
  }
  ok = l2tpsec_memeq_consttime(expected, msg->challenge_response, 16);
  l2tpsec_wipe(expected, sizeof(expected));
  *why = "Challenge Response does not match the tunnel secret";
  return ok;
}

static void refuse_auth(l2tpsec__l2tp_tunnel *t, const char *why,
                        l2tpsec_tstamp now) {
  t->ep->stats.rx_auth_failed++;
  L2TP_LOG(t->ep, L2TPSEC_LOG_WARNING,
           "tunnel %u from host \"%s\" refused: %s; check that both ends "
           "use the same tunnel secret",
           t->id, t->peer_host, why);
  l2tpsec__l2tp_tunnel_stop(t, L2TP_STOP_NOT_AUTHORIZED, 0, why,
                            L2TPSEC_L2TP_REASON_AUTH, now);
}

/* Takes the peer's identity from SCCRQ or SCCRP. */
static void learn_peer(l2tpsec__l2tp_tunnel *t, const l2tpsec__l2tp_msg *msg) {
  t->peer_id = msg->assigned_tunnel_id;
  if (l2tpsec__l2tp_has(msg, L2TP_AVP_RECEIVE_WINDOW) &&
      msg->receive_window > 0)
    t->ctl.peer_window = msg->receive_window;
  l2tpsec__l2tp_printable(t->peer_host, sizeof(t->peer_host),
                          msg->host_name.data, msg->host_name.len);
}

static void establish(l2tpsec__l2tp_tunnel *t) {
  t->state = L2TP_TUNNEL_ESTABLISHED;
  t->established = true;
  L2TP_LOG(t->ep, L2TPSEC_LOG_INFO,
           "tunnel %u established with host \"%s\" (peer tunnel %u)", t->id,
           t->peer_host, t->peer_id);
  l2tpsec__l2tp_tunnel_event(t, L2TPSEC_L2TP_TUNNEL_UP,
                             L2TPSEC_L2TP_REASON_NONE, 0, 0, NULL);
}

static void on_sccrp(l2tpsec__l2tp_tunnel *t, const l2tpsec__l2tp_msg *msg,
                     l2tpsec_tstamp now) {
  const char *why = NULL;

  learn_peer(t, msg);
  if (t->peer_id == 0) {
    l2tpsec__l2tp_tunnel_stop(t, L2TP_STOP_GENERAL_ERROR, L2TP_ERR_BAD_VALUE,
                              "Assigned Tunnel ID 0",
                              L2TPSEC_L2TP_REASON_PROTOCOL, now);
    return;
  }
  if (msg->protocol_version != L2TP_PROTOCOL_VERSION) {
    l2tpsec__l2tp_tunnel_stop(t, L2TP_STOP_BAD_VERSION, 0,
                              "only L2TP version 1.0 (RFC 2661)",
                              L2TPSEC_L2TP_REASON_PROTOCOL, now);
    return;
  }
  if (!peer_authenticated(t, L2TP_MSG_SCCRP, msg, &why)) {
    refuse_auth(t, why, now);
    return;
  }
  if (send_scccn(t, msg, now) != 0) {
    l2tpsec__l2tp_tunnel_kill(t, L2TPSEC_L2TP_REASON_LOCAL, 0, 0,
                              "could not build SCCCN");
    return;
  }
  establish(t);
}

static void on_scccn(l2tpsec__l2tp_tunnel *t, const l2tpsec__l2tp_msg *msg,
                     l2tpsec_tstamp now) {
  const char *why = NULL;

  if (!peer_authenticated(t, L2TP_MSG_SCCCN, msg, &why)) {
    refuse_auth(t, why, now);
    return;
  }
  establish(t);
}

static void on_stopccn(l2tpsec__l2tp_tunnel *t, const l2tpsec__l2tp_msg *msg,
                       l2tpsec_tstamp now) {
  char text[L2TP_MESSAGE_MAX + 1];

  l2tpsec__l2tp_printable(text, sizeof(text), msg->error_message.data,
                          msg->error_message.len);
  /* A StopCCN in reply to our SCCRQ carries the first copy of the
   * peer's tunnel id, which our acknowledgement needs. */
  if (t->peer_id == 0)
    t->peer_id = msg->assigned_tunnel_id;
  if (msg->result_byte_swapped)
    L2TP_LOG(t->ep, L2TPSEC_LOG_INFO,
             "tunnel %u: peer wrote the Result Code little-endian; read as "
             "result %u",
             t->id, msg->result_code);
  if (t->state != L2TP_TUNNEL_CLOSING) {
    l2tpsec__l2tp_sessions_kill(t, L2TPSEC_L2TP_REASON_PEER, msg->result_code,
                                msg->error_code, text);
    /* report_down is in tunnel.c; kill would free at once, so mark the
     * event here and keep the state for retransmitted StopCCNs. */
    if (!t->reported_down) {
      t->reported_down = true;
      l2tpsec__l2tp_log_down(t, "closed by peer", msg->result_code,
                             msg->error_code, text);
      l2tpsec__l2tp_tunnel_event(t, L2TPSEC_L2TP_TUNNEL_DOWN,
                                 L2TPSEC_L2TP_REASON_PEER, msg->result_code,
                                 msg->error_code, text);
    }
  }
  l2tpsec__l2tp_tunnel_closed_by_peer(t, now);
}

static bool is_session_message(uint16_t type) {
  switch (type) {
  case L2TP_MSG_OCRQ:
  case L2TP_MSG_OCRP:
  case L2TP_MSG_OCCN:
  case L2TP_MSG_ICRQ:
  case L2TP_MSG_ICRP:
  case L2TP_MSG_ICCN:
  case L2TP_MSG_CDN:
  case L2TP_MSG_WEN:
  case L2TP_MSG_SLI:
    return true;
  default:
    return false;
  }
}

static void unexpected(l2tpsec__l2tp_tunnel *t, const l2tpsec__l2tp_msg *msg,
                       l2tpsec_tstamp now) {
  t->ep->stats.rx_unexpected++;
  L2TP_LOG_RX(t->ep, L2TP_RX_LOG_UNEXPECTED, now, L2TPSEC_LOG_WARNING,
              "tunnel %u: %s (type %u) not valid in state %d; closing the "
              "tunnel",
              t->id, l2tpsec__l2tp_msg_name(msg->type), msg->type, t->state);
  l2tpsec__l2tp_tunnel_stop(t, L2TP_STOP_FSM_ERROR, 0, "unexpected message",
                            L2TPSEC_L2TP_REASON_PROTOCOL, now);
}

static void count_parse_failure(l2tpsec_l2tp *ep, int rc,
                                const l2tpsec__l2tp_msg *msg) {
  if (rc == L2TPSEC_ERR_UNSUPPORTED)
    ep->stats.rx_unknown_mandatory++;
  else if (rc == L2TPSEC_ERR_AUTH_FAILED || msg->hidden_failures > 0)
    ep->stats.rx_hidden_failed++;
  else
    ep->stats.rx_malformed++;
}

/* A message whose AVPs are invalid ends its session or its tunnel. */
static void reject_message(l2tpsec__l2tp_tunnel *t, uint16_t sid, int rc,
                           const l2tpsec__l2tp_msg *msg, l2tpsec_tstamp now) {
  count_parse_failure(t->ep, rc, msg);
  L2TP_LOG_RX(t->ep, L2TP_RX_LOG_INVALID, now, L2TPSEC_LOG_WARNING,
              "tunnel %u: invalid %s: %s (attribute %u)", t->id,
              l2tpsec__l2tp_msg_name(msg->type), msg->fail_reason,
              msg->fail_attr);
  if (t->state >= L2TP_TUNNEL_CLOSING)
    return;
  if (t->state == L2TP_TUNNEL_ESTABLISHED && is_session_message(msg->type) &&
      msg->type != L2TP_MSG_OCRQ) {
    l2tpsec__l2tp_session_fail(t, sid, msg, now);
    return;
  }
  l2tpsec__l2tp_tunnel_stop(t, L2TP_STOP_GENERAL_ERROR, msg->fail_error_code,
                            msg->fail_reason, L2TPSEC_L2TP_REASON_PROTOCOL,
                            now);
}

static void dispatch(l2tpsec__l2tp_tunnel *t, uint16_t sid,
                     l2tpsec__l2tp_msg *msg, l2tpsec_tstamp now) {
  enum l2tp_tunnel_state s = t->state;

  if (msg->type == L2TP_MSG_STOPCCN) {
    on_stopccn(t, msg, now);
  } else if (s >= L2TP_TUNNEL_CLOSING) {
    /* Closing: acknowledge everything, act on nothing but StopCCN. */
  } else if (msg->type == L2TP_MSG_HELLO && s == L2TP_TUNNEL_ESTABLISHED) {
    /* Section 6.5: HELLO needs only the acknowledgement. */
  } else if (msg->type == L2TP_MSG_SCCRP && s == L2TP_TUNNEL_WAIT_CTL_REPLY) {
    on_sccrp(t, msg, now);
  } else if (msg->type == L2TP_MSG_SCCCN && s == L2TP_TUNNEL_WAIT_CTL_CONN) {
    on_scccn(t, msg, now);
  } else if (is_session_message(msg->type) &&
             s == L2TP_TUNNEL_ESTABLISHED) {
    l2tpsec__l2tp_session_process(t, sid, msg, now);
  } else {
    unexpected(t, msg, now);
  }
}

void l2tpsec__l2tp_tunnel_process(l2tpsec__l2tp_tunnel *t, uint16_t sid,
                                  uint8_t *avps, size_t len,
                                  l2tpsec_tstamp now) {
  l2tpsec_l2tp *ep = t->ep;
  l2tpsec__l2tp_msg msg;
  int rc = l2tpsec__l2tp_msg_parse(avps, len, ep->secret, ep->secret_len,
                                   &msg);

  if (rc == 0)
    rc = l2tpsec__l2tp_msg_check_required(&msg);
  if (rc != 0) {
    reject_message(t, sid, rc, &msg, now);
    return;
  }
  L2TP_LOG(ep, L2TPSEC_LOG_DEBUG, "tunnel %u: received %s", t->id,
           l2tpsec__l2tp_msg_name(msg.type));
  dispatch(t, sid, &msg, now);
}

/* ---- SCCRQ: the only message that creates state ---- */

/*
 * Rejects an SCCRQ with a StopCCN that no tunnel tracks, so it is
 * rate-limited and never retransmitted.
 */
static void refuse_sccrq(l2tpsec_l2tp *ep, uint64_t transport,
                         uint16_t peer_tunnel, uint16_t result,
                         uint16_t error, const char *why,
                         l2tpsec_tstamp now) {
  uint8_t buf[L2TP_CTL_HEADER_LEN + 256];
  l2tpsec__l2tp_tunnel fake = {.ep = ep, .peer_id = peer_tunnel};
  l2tpsec__l2tp_writer w;

  ep->stats.tunnels_rejected++;
  L2TP_LOG_RX(ep, L2TP_RX_LOG_SCCRQ_REFUSED, now, L2TPSEC_LOG_WARNING,
              "SCCRQ from peer tunnel %u refused: %s", peer_tunnel, why);
  if (peer_tunnel == 0 || !l2tpsec__ratelimit_allow(&ep->reply_limit, now,
                                                    NULL))
    return;

  l2tpsec__l2tp_writer_start(&fake, &w, buf + L2TP_CTL_HEADER_LEN,
                             sizeof(buf) - L2TP_CTL_HEADER_LEN,
                             L2TP_MSG_STOPCCN);
  w.hide = false;
  l2tpsec__l2tp_put_u16(&w, true, L2TP_AVP_ASSIGNED_TUNNEL_ID, 0);
  l2tpsec__l2tp_put_result(&w, result, error, why);
  if (w.overflow)
    return;
  l2tp_put16(buf, L2TP_FLAG_T | L2TP_FLAG_L | L2TP_FLAG_S | L2TP_VERSION);
  l2tp_put16(buf + 2, (uint16_t)(L2TP_CTL_HEADER_LEN + w.len));
  l2tp_put16(buf + 4, peer_tunnel);
  l2tp_put16(buf + 6, 0);
  l2tp_put16(buf + 8, 0);
  l2tp_put16(buf + 10, 1);
  l2tpsec__l2tp_transmit(ep, transport, buf, L2TP_CTL_HEADER_LEN + w.len);
}

static l2tpsec__l2tp_tunnel *find_by_peer(l2tpsec_l2tp *ep,
                                          uint64_t transport,
                                          uint16_t peer_id) {
  /* TODO: linear in the number of tunnels; runs for SCCRQ only. */
  for (size_t i = 0; i < ep->tunnels.cap; i++) {
    l2tpsec__l2tp_tunnel *t = ep->tunnels.slots[i].value;

    /* A closed tunnel's id may be reused by the peer at once. */
    if (t != NULL && t->transport == transport && t->peer_id == peer_id &&
        t->state < L2TP_TUNNEL_CLOSING)
      return t;
  }
  return NULL;
}

/*
 * Section 4.4.3: when both ends sent SCCRQ to each other, the lower Tie
 * Breaker wins and the other end discards its own SCCRQ's tunnel. Equal
 * values make both lose. Returns true when the peer's SCCRQ must be
 * dropped.
 */
static bool lose_tie(l2tpsec_l2tp *ep, uint64_t transport,
                     const l2tpsec__l2tp_msg *msg) {
  bool drop_theirs = false;

  if (!l2tpsec__l2tp_has(msg, L2TP_AVP_TIE_BREAKER))
    return false;
  for (size_t i = 0; i < ep->tunnels.cap; i++) {
    l2tpsec__l2tp_tunnel *t = ep->tunnels.slots[i].value;
    int cmp;

    if (t == NULL || t->transport != transport || !t->sent_tie_breaker ||
        t->state != L2TP_TUNNEL_WAIT_CTL_REPLY)
      continue;
    cmp = memcmp(msg->tie_breaker, t->tie_breaker, sizeof(t->tie_breaker));
    if (cmp >= 0)
      drop_theirs = true;
    if (cmp <= 0)
      l2tpsec__l2tp_tunnel_kill(t, L2TPSEC_L2TP_REASON_TIE_BREAKER, 0, 0,
                                "peer won the tie breaker");
  }
  return drop_theirs;
}

static int accept_sccrq(l2tpsec_l2tp *ep, uint64_t transport,
                        const l2tpsec__l2tp_msg *msg, l2tpsec_tstamp now) {
  const char *why = NULL;
  l2tpsec__l2tp_tunnel *t;
  int err;

  t = l2tpsec__l2tp_tunnel_new(ep, transport, &err);
  if (t == NULL) {
    refuse_sccrq(ep, transport, msg->assigned_tunnel_id,
                 L2TP_STOP_GENERAL_ERROR, L2TP_ERR_NO_RESOURCES,
                 "tunnel limit reached", now);
    return err;
  }
  t->state = L2TP_TUNNEL_WAIT_CTL_CONN;
  t->last_rx = now;
  t->ctl.nr = 1; /* the SCCRQ was Ns 0 */
  t->ctl.ack_pending = true;
  learn_peer(t, msg);

  if (!peer_authenticated(t, L2TP_MSG_SCCRQ, msg, &why)) {
    refuse_auth(t, why, now);
    return L2TPSEC_ERR_AUTH_FAILED;
  }
  if (send_sccrp(t, msg, now) != 0)
    l2tpsec__l2tp_tunnel_kill(t, L2TPSEC_L2TP_REASON_LOCAL, 0, 0,
                              "could not build SCCRP");
  return 0;
}

/* Validates an SCCRQ's AVPs; returns 0 or a refusal already sent. */
static int check_sccrq(l2tpsec_l2tp *ep, uint64_t transport,
                       const l2tpsec__l2tp_msg *msg, l2tpsec_tstamp now) {
  uint16_t peer = msg->assigned_tunnel_id;

  if (peer == 0) {
    ep->stats.rx_malformed++;
    return L2TPSEC_ERR_MALFORMED;
  }
  if (msg->protocol_version != L2TP_PROTOCOL_VERSION) {
    refuse_sccrq(ep, transport, peer, L2TP_STOP_BAD_VERSION, 0,
                 "only L2TP version 1.0 (RFC 2661)", now);
    return L2TPSEC_ERR_UNSUPPORTED;
  }
  if (!ep->settings.accept_tunnels) {
    refuse_sccrq(ep, transport, peer, L2TP_STOP_NOT_AUTHORIZED, 0,
                 "this endpoint does not accept tunnels", now);
    return L2TPSEC_ERR_STATE;
  }
  return 0;
}

int l2tpsec__l2tp_sccrq_input(l2tpsec_l2tp *ep, uint64_t transport,
                              const l2tpsec__l2tp_header *h,
                              const uint8_t *avps, size_t len,
                              l2tpsec_tstamp now) {
  l2tpsec__l2tp_tunnel *t;
  l2tpsec__l2tp_msg msg;
  uint8_t *copy;
  int rc;

  /* Only an SCCRQ may address tunnel 0 (section 3.1); a ZLB or any other
   * message there creates nothing. */
  if (len == 0 || h->ns != 0) {
    ep->stats.rx_unknown_tunnel++;
    return L2TPSEC_ERR_NOT_FOUND;
  }
  copy = malloc(len);
  if (copy == NULL)
    return L2TPSEC_ERR_NOMEM;
  memcpy(copy, avps, len);
  rc = l2tpsec__l2tp_msg_parse(copy, len, ep->secret, ep->secret_len, &msg);
  if (rc == 0 && msg.type != L2TP_MSG_SCCRQ) {
    ep->stats.rx_unknown_tunnel++;
    rc = L2TPSEC_ERR_NOT_FOUND;
  } else if (rc == 0) {
    rc = l2tpsec__l2tp_msg_check_required(&msg);
    if (rc != 0)
      refuse_sccrq(ep, transport, msg.assigned_tunnel_id,
                   L2TP_STOP_GENERAL_ERROR, msg.fail_error_code,
                   msg.fail_reason, now);
  } else {
    count_parse_failure(ep, rc, &msg);
    L2TP_LOG_RX(ep, L2TP_RX_LOG_INVALID, now, L2TPSEC_LOG_WARNING,
                "SCCRQ dropped: %s (attribute %u)", msg.fail_reason,
                msg.fail_attr);
  }
  if (rc == 0)
    rc = check_sccrq(ep, transport, &msg, now);

  if (rc == 0) {
    /* Tunnel identity is (transport, peer's tunnel id): a resent SCCRQ
     * goes to its tunnel's sequencing and is acknowledged there. */
    t = find_by_peer(ep, transport, msg.assigned_tunnel_id);
    if (t != NULL)
      rc = l2tpsec__l2tp_ctl_receive(t, h, avps, len, now);
    else if (lose_tie(ep, transport, &msg))
      rc = L2TPSEC_ERR_STATE;
    else
      rc = accept_sccrq(ep, transport, &msg, now);
  }
  free(copy);
  return rc;
}
