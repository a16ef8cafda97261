/*
 * Client side of PAP, CHAP-MD5 and MS-CHAPv2: answer the server with our
 * credentials and, for MS-CHAPv2, check the server's authenticator
 * response so that a server that does not know the password cannot
 * pretend to (mutual authentication, RFC 2759 section 5).
 */
#include <string.h>

#include "auth/chap.h"
#include "ppp/ppp_internal.h"

enum { PAP_REQUEST = 1, PAP_ACK = 2, PAP_NAK = 3 };
enum { CHAP_CHALLENGE = 1, CHAP_RESPONSE = 2, CHAP_SUCCESS = 3,
       CHAP_FAILURE = 4 };

static const char *password(const l2tpsec_ppp *ppp) {
  return ppp->password != NULL ? ppp->password : "";
}

static const char *user(const l2tpsec_ppp *ppp) {
  return ppp->user != NULL ? ppp->user : "";
}

/* Stores our packet for retransmission and sends it. */
static void send_packet(l2tpsec_ppp *ppp, uint16_t protocol, uint8_t code,
                        const uint8_t *data, size_t len) {
  struct auth_exchange *a = &ppp->auth;

  a->reply[0] = code;
  a->reply[1] = a->id;
  l2tpsec__put16(a->reply + 2, (uint16_t)(len + 4));
  memcpy(a->reply + 4, data, len);
  a->reply_len = len + 4;
  a->reply_protocol = protocol;
  l2tpsec__ppp_send_raw(ppp, protocol, a->reply, a->reply_len);
}

/* PAP Authenticate-Request, retransmitted until answered. */
static void send_pap_request(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  uint8_t data[2 + 2 * 255];
  size_t ulen = strlen(user(ppp)), plen = strlen(password(ppp));

  if (ulen > 255)
    ulen = 255;
  if (plen > 255)
    plen = 255;
  data[0] = (uint8_t)ulen;
  memcpy(data + 1, user(ppp), ulen);
  data[1 + ulen] = (uint8_t)plen;
  memcpy(data + 2 + ulen, password(ppp), plen);
  ppp->auth.id++;
  send_packet(ppp, PPP_PAP, PAP_REQUEST, data, 2 + ulen + plen);
  l2tpsec_wipe(data, sizeof(data));
  ppp->auth.transmits = 1;
  ppp->auth.retransmit_at = now + ppp->settings.restart_interval;
}

void l2tpsec__auth_client_start(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  struct auth_exchange *a = &ppp->auth;

  a->method = ppp->lcp_peer.method;
  a->state = AUTH_WAITING;
  a->reply_len = 0;
  a->deadline = now + ppp->settings.auth_timeout;
  a->retransmit_at = L2TPSEC_TSTAMP_NEVER;
  if (a->method == L2TPSEC_AUTH_PAP)
    send_pap_request(ppp, now);
}

/*
 * Retransmits our last PAP request or CHAP response. RFC 1994 leaves
 * CHAP retransmission to the authenticator, but a lost Success would
 * then leave us waiting forever; the server answers a repeated Response
 * with the same Success.
 */
void l2tpsec__auth_client_retransmit(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  struct auth_exchange *a = &ppp->auth;

  if (a->state != AUTH_WAITING || a->reply_len == 0 ||
      a->transmits >= ppp->settings.max_configure)
    return;
  l2tpsec__ppp_send_raw(ppp, a->reply_protocol, a->reply, a->reply_len);
  a->transmits++;
  a->retransmit_at = now + ppp->settings.restart_interval;
}

/* ---- CHAP -------------------------------------------------------------- */

static int md5_value(l2tpsec_ppp *ppp, uint8_t id, const uint8_t *challenge,
                     size_t challenge_len, uint8_t *value) {
  value[0] = 16;
  return l2tpsec__chap_md5_response(id, (const uint8_t *)password(ppp),
                                    strlen(password(ppp)), challenge,
                                    challenge_len, value + 1);
}

/* RFC 2759 section 4: Peer-Challenge, 8 reserved zero bytes,
 * NT-Response, Flags = 0. Also computes the authenticator response we
 * expect in the Success packet. */
static int mschapv2_value(l2tpsec_ppp *ppp, const uint8_t *challenge,
                          uint8_t *value) {
  struct auth_exchange *a = &ppp->auth;
  uint8_t hash[16];
  const uint8_t *peer_challenge = value + 1;
  const uint8_t *nt_response = value + 25;
  int rc;

  memset(value, 0, 50);
  value[0] = 49;
  for (int i = 0; i < 16; i += 4)
    l2tpsec__put32(value + 1 + i, l2tpsec__ppp_random32(ppp));
  rc = l2tpsec__nt_password_hash((const uint8_t *)password(ppp),
                                 strlen(password(ppp)), hash);
  if (rc == 0)
    rc = l2tpsec__mschapv2_nt_response(challenge, peer_challenge, user(ppp),
                                       strlen(user(ppp)), hash, value + 25);
  if (rc == 0)
    rc = l2tpsec__mschapv2_auth_response(hash, nt_response, peer_challenge,
                                         challenge, user(ppp),
                                         strlen(user(ppp)),
                                         a->expected_auth_response);
  l2tpsec_wipe(hash, sizeof(hash));
  return rc;
}

static void receive_challenge(l2tpsec_ppp *ppp, uint8_t id,
                              const uint8_t *data, size_t len,
                              l2tpsec_tstamp now) {
  struct auth_exchange *a = &ppp->auth;
  uint8_t packet[50 + L2TPSEC_AUTH_NAME_MAX];
  size_t value_len, ulen = strlen(user(ppp));
  int rc;

  if (len < 1 || data[0] == 0 || 1u + data[0] > len) {
    l2tpsec__ppp_drop(ppp, now, true, "malformed CHAP challenge", PPP_CHAP);
    return;
  }
  if (a->reply_len > 0 && id == a->id && a->state == AUTH_WAITING) {
    /* The server did not get our response: send the same again. */
    l2tpsec__ppp_send_raw(ppp, PPP_CHAP, a->reply, a->reply_len);
    return;
  }
  if (a->method == L2TPSEC_AUTH_MSCHAPV2 && data[0] != 16) {
    l2tpsec__ppp_drop(ppp, now, true, "MS-CHAPv2 challenge not 16 bytes",
                      PPP_CHAP);
    return;
  }

  a->id = id;
  if (a->method == L2TPSEC_AUTH_MSCHAPV2) {
    rc = mschapv2_value(ppp, data + 1, packet);
    value_len = 50;
  } else {
    rc = md5_value(ppp, id, data + 1, data[0], packet);
    value_len = 17;
  }
  if (rc != 0) {
    L2TPSEC_LOG(&ppp->settings.log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_AUTH,
                "computing the CHAP response failed: %s",
                l2tpsec_strerror(rc));
    return;
  }
  if (ulen > L2TPSEC_AUTH_NAME_MAX)
    ulen = L2TPSEC_AUTH_NAME_MAX;
  memcpy(packet + value_len, user(ppp), ulen);
  send_packet(ppp, PPP_CHAP, CHAP_RESPONSE, packet, value_len + ulen);
  a->transmits = 1;
  a->retransmit_at = now + ppp->settings.restart_interval;
}

/*
 * MS-CHAPv2 Success message: "S=" and 40 hex digits of either case, then
 * " M=<text>", "M=<text>" (some Windows servers leave out the space), a
 * NUL, or nothing. Only the S= value decides.
 */
static bool mschapv2_success_valid(l2tpsec_ppp *ppp, const uint8_t *msg,
                                   size_t len) {
  uint8_t got[L2TPSEC_MSCHAPV2_AUTH_RESPONSE_LEN];

  if (len < 42 || msg[0] != 'S' || msg[1] != '=')
    return false;
  if (!l2tpsec__hex_decode((const char *)msg + 2, 20, got))
    return false;
  return l2tpsec_memeq_consttime(got, ppp->auth.expected_auth_response, 20);
}

static void client_failed(l2tpsec_ppp *ppp, const char *why,
                          enum l2tpsec_auth_reason reason,
                          l2tpsec_tstamp now) {
  l2tpsec_ppp_event ev;

  L2TPSEC_LOG(&ppp->settings.log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_AUTH,
              "authentication as '%s' to %s by %s failed: %s", user(ppp),
              ppp->peer, l2tpsec_auth_method_name(ppp->auth.method), why);
  ppp->auth.state = AUTH_FAILED;
  ppp->auth.deadline = L2TPSEC_TSTAMP_NEVER;
  ppp->auth.retransmit_at = L2TPSEC_TSTAMP_NEVER;
  ppp->stats.auth_failures++;
  memset(&ev, 0, sizeof(ev));
  ev.type = L2TPSEC_PPP_EVENT_AUTH_FAILURE;
  ev.method = ppp->auth.method;
  ev.auth_reason = reason;
  ev.user = user(ppp);
  l2tpsec__ppp_emit(ppp, &ev);
  l2tpsec__ppp_fail(ppp, L2TPSEC_PPP_DOWN_AUTH_FAILED, now);
}

static void client_succeeded(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  l2tpsec_ppp_event ev;

  ppp->auth.state = AUTH_DONE;
  ppp->auth.deadline = L2TPSEC_TSTAMP_NEVER;
  ppp->auth.retransmit_at = L2TPSEC_TSTAMP_NEVER;
  memset(&ev, 0, sizeof(ev));
  ev.type = L2TPSEC_PPP_EVENT_AUTH_SUCCESS;
  ev.method = ppp->auth.method;
  ev.user = user(ppp);
  l2tpsec__ppp_emit(ppp, &ev);
  l2tpsec__ppp_auth_succeeded(ppp, now);
}

static void receive_chap_result(l2tpsec_ppp *ppp, uint8_t code, uint8_t id,
                                const uint8_t *msg, size_t len,
                                l2tpsec_tstamp now) {
  if (id != ppp->auth.id || ppp->auth.reply_len == 0) {
    l2tpsec__ppp_drop(ppp, now, false, "CHAP result for another round",
                      PPP_CHAP);
    return;
  }
  if (code == CHAP_FAILURE) {
    client_failed(ppp, "the server sent CHAP Failure",
                  L2TPSEC_AUTH_REASON_WRONG_PASSWORD, now);
    return;
  }
  if (ppp->auth.method == L2TPSEC_AUTH_MSCHAPV2 &&
      !mschapv2_success_valid(ppp, msg, len)) {
    client_failed(ppp,
                  "the server's MS-CHAPv2 authenticator response is wrong; "
                  "it does not know the password",
                  L2TPSEC_AUTH_REASON_WRONG_PASSWORD, now);
    return;
  }
  client_succeeded(ppp, now);
}

void l2tpsec__auth_client_input(l2tpsec_ppp *ppp, uint16_t protocol,
                                const uint8_t *pkt, size_t len,
                                l2tpsec_tstamp now) {
  struct auth_exchange *a = &ppp->auth;
  size_t length;

  if (a->state != AUTH_WAITING ||
      protocol != (a->method == L2TPSEC_AUTH_PAP ? PPP_PAP : PPP_CHAP)) {
    l2tpsec__ppp_drop(ppp, now, false, "authentication packet not expected",
                      protocol);
    return;
  }
  if (len < 4 || (length = l2tpsec__get16(pkt + 2)) < 4 || length > len) {
    l2tpsec__ppp_drop(ppp, now, true, "truncated authentication packet",
                      protocol);
    return;
  }

  if (protocol == PPP_PAP && (pkt[0] == PAP_ACK || pkt[0] == PAP_NAK)) {
    if (pkt[1] != a->id)
      l2tpsec__ppp_drop(ppp, now, false, "PAP answer to an old request",
                        protocol);
    else if (pkt[0] == PAP_ACK)
      client_succeeded(ppp, now);
    else
      client_failed(ppp, "the server sent PAP Authenticate-Nak",
                    L2TPSEC_AUTH_REASON_WRONG_PASSWORD, now);
  } else if (protocol == PPP_CHAP && pkt[0] == CHAP_CHALLENGE) {
    receive_challenge(ppp, pkt[1], pkt + 4, length - 4, now);
  } else if (protocol == PPP_CHAP &&
             (pkt[0] == CHAP_SUCCESS || pkt[0] == CHAP_FAILURE)) {
    receive_chap_result(ppp, pkt[0], pkt[1], pkt + 4, length - 4, now);
  } else {
    l2tpsec__ppp_drop(ppp, now, false, "unexpected authentication code",
                      protocol);
  }
}
