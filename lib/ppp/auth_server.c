/*
 * Server side of PAP (RFC 1334), CHAP-MD5 (RFC 1994) and MS-CHAPv2
 * (RFC 2759): collect the peer's credentials, hand them to the
 * application as an l2tpsec_auth_request, and answer once the decision
 * arrives. While a decision is pending the link keeps running and
 * retransmitted credentials are ignored; once answered, a retransmission
 * of the same round gets the same answer again.
 */
#include <stdio.h>
#include <string.h>

#include "auth/chap.h"
#include "ppp/ppp_internal.h"

enum { PAP_REQUEST = 1, PAP_ACK = 2, PAP_NAK = 3 };
enum { CHAP_CHALLENGE = 1, CHAP_RESPONSE = 2, CHAP_SUCCESS = 3,
       CHAP_FAILURE = 4 };

#define MSCHAPV2_RESPONSE_LEN 49

static uint16_t method_protocol(enum l2tpsec_auth_method method) {
  return method == L2TPSEC_AUTH_PAP ? PPP_PAP : PPP_CHAP;
}

/* Builds code, id, length and data into auth.reply and sends it. */
static void send_reply(l2tpsec_ppp *ppp, uint8_t code, uint8_t id,
                       const uint8_t *data, size_t len) {
  struct auth_exchange *a = &ppp->auth;

  if (len > sizeof(a->reply) - 4)
    len = sizeof(a->reply) - 4;
  a->reply[0] = code;
  a->reply[1] = id;
  l2tpsec__put16(a->reply + 2, (uint16_t)(len + 4));
  if (len > 0)
    memcpy(a->reply + 4, data, len);
  a->reply_len = len + 4;
  a->reply_protocol = method_protocol(a->method);
  l2tpsec__ppp_send_raw(ppp, a->reply_protocol, a->reply, a->reply_len);
}

/* Challenge: value size, a fresh 16-byte value, our name. */
static void send_challenge(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  struct auth_exchange *a = &ppp->auth;
  uint8_t data[1 + 16 + L2TPSEC_AUTH_NAME_MAX];
  size_t name_len = strlen(ppp->hostname);

  if (name_len > L2TPSEC_AUTH_NAME_MAX)
    name_len = L2TPSEC_AUTH_NAME_MAX;
  data[0] = 16;
  memcpy(data + 1, a->challenge, 16);
  memcpy(data + 17, ppp->hostname, name_len);
  send_reply(ppp, CHAP_CHALLENGE, a->id, data, 17 + name_len);
  a->transmits++;
  a->retransmit_at = now + ppp->settings.restart_interval;
}

static void new_challenge(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  struct auth_exchange *a = &ppp->auth;

  for (int i = 0; i < 16; i += 4)
    l2tpsec__put32(a->challenge + i, l2tpsec__ppp_random32(ppp));
  a->challenge_len = 16;
  a->id++;
  a->transmits = 0;
  send_challenge(ppp, now);
}

void l2tpsec__auth_server_start(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  struct auth_exchange *a = &ppp->auth;

  a->method = ppp->lcp_want.method;
  a->state = AUTH_WAITING;
  a->attempts = 0;
  a->reply_len = 0;
  a->deadline = now + ppp->settings.auth_timeout;
  a->retransmit_at = L2TPSEC_TSTAMP_NEVER;
  if (a->method != L2TPSEC_AUTH_PAP)
    new_challenge(ppp, now);
}

/* ---- Handing the request to the application ---------------------------- */

static void complete_hook(void *owner, const l2tpsec_auth_request *req,
                          const l2tpsec_auth_result *result,
                          l2tpsec_tstamp now);

/* Fills the request fields common to every method and calls the
 * application. Nothing may touch the exchange after the callback,
 * because the decision may already have been applied inside it. */
static void ask_application(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  struct auth_exchange *a = &ppp->auth;
  l2tpsec_auth_request *req = &a->request;

  req->method = a->method;
  req->user = a->user;
  req->user_len = strlen(a->user);
  req->peer = ppp->peer;
  req->now = now;
  req->complete_fn = complete_hook;
  req->owner = ppp;
  a->state = AUTH_PENDING;
  a->retransmit_at = L2TPSEC_TSTAMP_NEVER;
  a->deadline = now + ppp->settings.auth_decision_timeout;
  L2TPSEC_LOG(&ppp->settings.log, L2TPSEC_LOG_DEBUG, L2TPSEC_LOG_AUTH,
              "asking the application to authenticate '%s' from %s by %s",
              a->user, ppp->peer, l2tpsec_auth_method_name(a->method));
  ppp->cb.auth_request(ppp->user_data, req);
}

/* Copies a name into auth.user. Returns false when it contains a NUL
 * byte. */
static bool take_user(l2tpsec_ppp *ppp, const uint8_t *name, size_t len) {
  if (len > L2TPSEC_AUTH_NAME_MAX || memchr(name, 0, len) != NULL)
    return false;
  memcpy(ppp->auth.user, name, len);
  ppp->auth.user[len] = '\0';
  return true;
}

/* PAP Authenticate-Request: Peer-ID length, Peer-ID, Passwd length,
 * Passwd (RFC 1334 section 2.2.1). */
static void receive_pap_request(l2tpsec_ppp *ppp, uint8_t id,
                                const uint8_t *data, size_t len,
                                l2tpsec_tstamp now) {
  struct auth_exchange *a = &ppp->auth;
  size_t user_len, pass_len;

  if (len < 1 || (user_len = data[0]) + 2 > len ||
      (pass_len = data[1 + user_len]) + user_len + 2 > len ||
      !take_user(ppp, data + 1, user_len)) {
    l2tpsec__ppp_drop(ppp, now, true, "malformed PAP request", PPP_PAP);
    return;
  }
  memcpy(a->password, data + 2 + user_len, pass_len);
  a->id = id;
  memset(&a->request, 0, sizeof(a->request));
  a->request.password = a->password;
  a->request.password_len = pass_len;
  ask_application(ppp, now);
}

/* CHAP Response: Value-Size, Value, Name (RFC 1994 section 4.1). The
 * MS-CHAPv2 value is Peer-Challenge (16), Reserved (8), NT-Response (24)
 * and Flags (1) (RFC 2759 section 4). */
static void receive_chap_response(l2tpsec_ppp *ppp, const uint8_t *data,
                                  size_t len, l2tpsec_tstamp now) {
  struct auth_exchange *a = &ppp->auth;
  size_t want = a->method == L2TPSEC_AUTH_MSCHAPV2 ? MSCHAPV2_RESPONSE_LEN
                                                   : 16;
  l2tpsec_auth_request *req = &a->request;

  if (len < 1 || data[0] != want || len < 1 + want ||
      !take_user(ppp, data + 1 + want, len - 1 - want)) {
    l2tpsec__ppp_drop(ppp, now, true, "malformed CHAP response", PPP_CHAP);
    return;
  }
  memcpy(a->response, data + 1, want);
  memset(req, 0, sizeof(*req));
  req->chap_id = a->id;
  req->challenge = a->challenge;
  req->challenge_len = a->challenge_len;
  if (a->method == L2TPSEC_AUTH_MSCHAPV2) {
    req->peer_challenge = a->response;
    req->nt_response = a->response + 24;
  } else {
    req->response = a->response;
    req->response_len = 16;
  }
  ask_application(ppp, now);
}

/* A packet of the current round that was already answered gets the same
 * answer; one that arrives while the decision is pending is ignored. */
static bool handled_as_retransmission(l2tpsec_ppp *ppp, uint8_t id,
                                      l2tpsec_tstamp now) {
  struct auth_exchange *a = &ppp->auth;

  if (a->state == AUTH_PENDING) {
    l2tpsec__ppp_drop(ppp, now, false, "credentials while deciding",
                      method_protocol(a->method));
    return true;
  }
  if (a->state == AUTH_WAITING)
    return false;
  /* A PAP client may change the identifier on each retransmission (pppd
   * does); the Ack then carries the latest one. */
  if (a->state == AUTH_DONE && a->reply_len > 0 &&
      (id == a->id || a->method == L2TPSEC_AUTH_PAP)) {
    a->reply[1] = id;
    l2tpsec__ppp_send_raw(ppp, a->reply_protocol, a->reply, a->reply_len);
  } else
    l2tpsec__ppp_drop(ppp, now, false, "credentials after the decision",
                      method_protocol(a->method));
  return true;
}

void l2tpsec__auth_server_input(l2tpsec_ppp *ppp, uint16_t protocol,
                                const uint8_t *pkt, size_t len,
                                l2tpsec_tstamp now) {
  struct auth_exchange *a = &ppp->auth;
  size_t length;

  if (a->state == AUTH_IDLE || protocol != method_protocol(a->method)) {
    l2tpsec__ppp_drop(ppp, now, false, "authentication packet not expected",
                      protocol);
    return;
  }
  if (len < 4 || (length = l2tpsec__get16(pkt + 2)) < 4 || length > len) {
    l2tpsec__ppp_drop(ppp, now, true, "truncated authentication packet",
                      protocol);
    return;
  }

  if (protocol == PPP_PAP && pkt[0] == PAP_REQUEST) {
    if (!handled_as_retransmission(ppp, pkt[1], now))
      receive_pap_request(ppp, pkt[1], pkt + 4, length - 4, now);
  } else if (protocol == PPP_CHAP && pkt[0] == CHAP_RESPONSE) {
    if (pkt[1] != a->id && a->state != AUTH_DONE)
      l2tpsec__ppp_drop(ppp, now, false, "CHAP response to an old challenge",
                        protocol);
    else if (!handled_as_retransmission(ppp, pkt[1], now))
      receive_chap_response(ppp, pkt + 4, length - 4, now);
  } else {
    l2tpsec__ppp_drop(ppp, now, false, "unexpected authentication code",
                      protocol);
  }
}

/* ---- Applying the decision --------------------------------------------- */

static const char *message_or(const l2tpsec_auth_result *r, const char *def) {
  return r->message != NULL ? r->message : def;
}

/* PAP Ack/Nak carry Msg-Length and Message (RFC 1334 section 2.2.2). */
static void send_pap_answer(l2tpsec_ppp *ppp, bool ack, const char *text) {
  uint8_t data[256];
  size_t len = strlen(text);

  if (len > 255)
    len = 255;
  data[0] = (uint8_t)len;
  memcpy(data + 1, text, len);
  send_reply(ppp, ack ? PAP_ACK : PAP_NAK, ppp->auth.id, data, len + 1);
}

static void send_chap_text(l2tpsec_ppp *ppp, bool success, const char *text) {
  send_reply(ppp, success ? CHAP_SUCCESS : CHAP_FAILURE, ppp->auth.id,
             (const uint8_t *)text, strlen(text));
}

/* RFC 2759 section 5: "S=<40 upper-case hex> M=<message>". */
static void send_mschapv2_success(l2tpsec_ppp *ppp,
                                  const l2tpsec_auth_result *r) {
  char text[3 + 40 + 3 + 256];
  char hex[41];

  l2tpsec__hex_upper(r->auth_response, 20, hex);
  snprintf(text, sizeof(text), "S=%s M=%s", hex,
           message_or(r, "Authentication succeeded"));
  send_chap_text(ppp, true, text);
}

/* RFC 2759 section 6: "E=691 R=r C=<32 hex> V=3 M=<message>". With
 * retry allowed, C carries the challenge for the next Response, whose
 * identifier is one more than the Failure's. */
static void send_mschapv2_failure(l2tpsec_ppp *ppp,
                                  const l2tpsec_auth_result *r, bool retry) {
  char text[96 + 256];
  char hex[33];
  unsigned error = r->mschap_error != 0 ? r->mschap_error : 691;

  if (retry)
    for (int i = 0; i < 16; i += 4)
      l2tpsec__put32(ppp->auth.challenge + i, l2tpsec__ppp_random32(ppp));
  l2tpsec__hex_upper(ppp->auth.challenge, 16, hex);
  snprintf(text, sizeof(text), "E=%u R=%d C=%s V=3 M=%s", error, retry ? 1 : 0,
           hex, message_or(r, "Authentication failed"));
  send_chap_text(ppp, false, text);
}

static void emit_auth_event(l2tpsec_ppp *ppp, const l2tpsec_auth_result *r) {
  l2tpsec_ppp_event ev;

  memset(&ev, 0, sizeof(ev));
  ev.type = r->accept ? L2TPSEC_PPP_EVENT_AUTH_SUCCESS
                      : L2TPSEC_PPP_EVENT_AUTH_FAILURE;
  ev.method = ppp->auth.method;
  ev.auth_reason = r->reason;
  ev.user = ppp->auth.user;
  l2tpsec__ppp_emit(ppp, &ev);
}

static void accept_peer(l2tpsec_ppp *ppp, const l2tpsec_auth_result *r,
                        l2tpsec_tstamp now) {
  struct auth_exchange *a = &ppp->auth;

  a->state = AUTH_DONE;
  a->deadline = L2TPSEC_TSTAMP_NEVER;
  a->attributes = r->attributes;
  if (a->method == L2TPSEC_AUTH_PAP)
    send_pap_answer(ppp, true, message_or(r, "Login ok"));
  else if (a->method == L2TPSEC_AUTH_CHAP_MD5)
    send_chap_text(ppp, true, message_or(r, "Authentication succeeded"));
  else
    send_mschapv2_success(ppp, r);
  L2TPSEC_LOG(&ppp->settings.log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_AUTH,
              "user '%s' from %s authenticated by %s", a->user, ppp->peer,
              l2tpsec_auth_method_name(a->method));
  emit_auth_event(ppp, r);
  l2tpsec__ppp_auth_succeeded(ppp, now);
}

static void reject_peer(l2tpsec_ppp *ppp, const l2tpsec_auth_result *r,
                        bool final, l2tpsec_tstamp now) {
  struct auth_exchange *a = &ppp->auth;
  bool locked = r->reason == L2TPSEC_AUTH_REASON_LOCKED_OUT;
  /* A lockout outlasts this session's attempts, so retrying is futile. */
  bool retry =
      ++a->attempts < ppp->settings.auth_max_attempts && !final && !locked;

  ppp->stats.auth_failures++;
  if (locked)
    L2TPSEC_LOG(&ppp->settings.log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_AUTH,
                "user '%s' from %s rejected by %s: locked out after repeated "
                "failures, credentials not checked",
                a->user, ppp->peer, l2tpsec_auth_method_name(a->method));
  else
    L2TPSEC_LOG(&ppp->settings.log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_AUTH,
                "user '%s' from %s failed %s: %s (attempt %u of %u)", a->user,
                ppp->peer, l2tpsec_auth_method_name(a->method),
                l2tpsec_auth_reason_name(r->reason), a->attempts,
                ppp->settings.auth_max_attempts);
  a->state = retry ? AUTH_WAITING : AUTH_FAILED;
  a->deadline = retry ? now + ppp->settings.auth_timeout
                      : L2TPSEC_TSTAMP_NEVER;

  if (a->method == L2TPSEC_AUTH_PAP)
    send_pap_answer(ppp, false, message_or(r, "Login incorrect"));
  else if (a->method == L2TPSEC_AUTH_CHAP_MD5)
    send_chap_text(ppp, false, message_or(r, "Authentication failed"));
  else
    send_mschapv2_failure(ppp, r, retry);
  emit_auth_event(ppp, r);

  if (!retry) {
    l2tpsec__ppp_fail(ppp, L2TPSEC_PPP_DOWN_AUTH_FAILED, now);
  } else if (a->method == L2TPSEC_AUTH_CHAP_MD5) {
    new_challenge(ppp, now);
  } else if (a->method == L2TPSEC_AUTH_MSCHAPV2) {
    a->id++;
  }
}

static int apply_decision(l2tpsec_ppp *ppp, const l2tpsec_auth_result *result,
                          bool final, l2tpsec_tstamp now) {
  l2tpsec_auth_result r = *result;

  if (r.accept && ppp->auth.method == L2TPSEC_AUTH_MSCHAPV2 &&
      !r.has_auth_response) {
    L2TPSEC_LOG(&ppp->settings.log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_AUTH,
                "MS-CHAPv2 accept for '%s' lacks the authenticator "
                "response; rejecting (the authenticator must set it)",
                ppp->auth.user);
    r.accept = false;
    r.reason = L2TPSEC_AUTH_REASON_BACKEND_ERROR;
    r.message = NULL;
  }
  if (!r.accept && r.reason == L2TPSEC_AUTH_REASON_NONE)
    r.reason = L2TPSEC_AUTH_REASON_POLICY;

  ppp->auth.request.complete_fn = NULL;
  l2tpsec_wipe(ppp->auth.password, sizeof(ppp->auth.password));
  if (r.accept)
    accept_peer(ppp, &r, now);
  else
    reject_peer(ppp, &r, final, now);
  return 0;
}

static void complete_hook(void *owner, const l2tpsec_auth_request *req,
                          const l2tpsec_auth_result *result,
                          l2tpsec_tstamp now) {
  l2tpsec_ppp *ppp = owner;

  if (ppp->auth.state != AUTH_PENDING || req != &ppp->auth.request)
    return;
  apply_decision(ppp, result, false, now);
}

/* ---- Timers and teardown ----------------------------------------------- */

static void decision_timed_out(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  l2tpsec_auth_result r;

  L2TPSEC_LOG(&ppp->settings.log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_AUTH,
              "no decision for user '%s' from %s within %llu s; rejecting",
              ppp->auth.user, ppp->peer,
              (unsigned long long)(ppp->settings.auth_decision_timeout /
                                   L2TPSEC_SECONDS));
  ppp->auth.request.complete_fn = NULL;
  if (ppp->cb.auth_cancel != NULL)
    ppp->cb.auth_cancel(ppp->user_data, &ppp->auth.request);
  memset(&r, 0, sizeof(r));
  r.reason = L2TPSEC_AUTH_REASON_TIMEOUT;
  apply_decision(ppp, &r, true, now);
}

void l2tpsec__auth_timeout(l2tpsec_ppp *ppp, l2tpsec_tstamp now) {
  struct auth_exchange *a = &ppp->auth;

  if (now >= a->deadline) {
    a->deadline = L2TPSEC_TSTAMP_NEVER;
    a->retransmit_at = L2TPSEC_TSTAMP_NEVER;
    if (a->state == AUTH_PENDING) {
      decision_timed_out(ppp, now);
      return;
    }
    L2TPSEC_LOG(&ppp->settings.log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_AUTH,
                "authentication with %s timed out (%s)", ppp->peer,
                l2tpsec_auth_method_name(a->method));
    ppp->stats.auth_failures++;
    a->state = AUTH_FAILED;
    l2tpsec__ppp_fail(ppp, L2TPSEC_PPP_DOWN_AUTH_TIMEOUT, now);
    return;
  }
  if (now < a->retransmit_at)
    return;
  a->retransmit_at = L2TPSEC_TSTAMP_NEVER;
  if (ppp->settings.role == L2TPSEC_PPP_CLIENT) {
    l2tpsec__auth_client_retransmit(ppp, now);
    return;
  }
  if (a->state == AUTH_WAITING && a->method != L2TPSEC_AUTH_PAP &&
      a->transmits < ppp->settings.max_configure)
    send_challenge(ppp, now);
}

void l2tpsec__auth_stop(l2tpsec_ppp *ppp) {
  struct auth_exchange *a = &ppp->auth;

  if (a->state == AUTH_PENDING) {
    a->request.complete_fn = NULL;
    if (ppp->cb.auth_cancel != NULL)
      ppp->cb.auth_cancel(ppp->user_data, &a->request);
  }
  a->state = AUTH_IDLE;
  a->deadline = L2TPSEC_TSTAMP_NEVER;
  a->retransmit_at = L2TPSEC_TSTAMP_NEVER;
  l2tpsec_wipe(a->password, sizeof(a->password));
}
