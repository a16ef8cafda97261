/*
 * PPP's authentication requests decided by RADIUS: each request becomes
 * one login of the libuv RADIUS client, and its outcome completes the
 * request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log_internal.h"
#include "l2tpsec/auth.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"
#include "l2tpsec/radius_uv.h"

struct pending_request {
  const l2tpsec_auth_request *req;
  uint64_t login;
};

struct l2tpsec_radius_authenticator {
  l2tpsec_radius_uv *client;
  l2tpsec_radius_uv_callbacks callbacks;
  void *user_data;
  l2tpsec_log log;
  struct pending_request *pending;
  size_t pending_count;
  size_t pending_cap;
  uint32_t next_nas_port;
};

static void on_auth_done(void *user_data, uint64_t login,
                         const l2tpsec_radius_auth_result *result);

static void on_acct_dropped(void *user_data, const char *session_id,
                            enum l2tpsec_radius_drop_reason reason) {
  l2tpsec_radius_authenticator *a = user_data;

  if (a->callbacks.acct_dropped != NULL)
    a->callbacks.acct_dropped(a->user_data, session_id, reason);
}

static int on_disconnect(void *user_data,
                         const l2tpsec_radius_disconnect *sel) {
  l2tpsec_radius_authenticator *a = user_data;

  if (a->callbacks.disconnect == NULL)
    return 0;
  return a->callbacks.disconnect(a->user_data, sel);
}

int l2tpsec_radius_authenticator_new(
    l2tpsec_radius_authenticator **pauth, uv_loop_t *loop,
    const l2tpsec_radius_uv_settings *settings,
    const l2tpsec_radius_uv_callbacks *callbacks, void *user_data) {
  l2tpsec_radius_uv_callbacks own = {on_auth_done, on_acct_dropped,
                                     on_disconnect};
  l2tpsec_radius_authenticator *a;
  int rc;

  if (pauth == NULL || settings == NULL || callbacks == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  a = calloc(1, sizeof(*a));
  if (a == NULL)
    return L2TPSEC_ERR_NOMEM;
  a->callbacks = *callbacks;
  a->user_data = user_data;
  a->log = settings->radius.log;
  a->next_nas_port = 1;

  rc = l2tpsec_radius_uv_new(&a->client, loop, settings, &own, a);
  if (rc != 0) {
    free(a);
    return rc;
  }
  *pauth = a;
  return 0;
}

void l2tpsec_radius_authenticator_close(l2tpsec_radius_authenticator *a) {
  if (a == NULL)
    return;
  l2tpsec_radius_uv_close(a->client);
  free(a->pending);
  free(a);
}

l2tpsec_radius_uv *
l2tpsec_radius_authenticator_client(l2tpsec_radius_authenticator *a) {
  return a != NULL ? a->client : NULL;
}

static void complete_reject(const l2tpsec_auth_request *req,
                            enum l2tpsec_auth_reason reason,
                            const char *message) {
  l2tpsec_auth_result result;

  memset(&result, 0, sizeof(result));
  result.reason = reason;
  result.message = message;
  l2tpsec_auth_complete(req, &result, uv_hrtime());
}

/* Copies "host" out of "host:port", "[v6]:port" or a bare address. */
static void peer_host(const char *peer, char *out, size_t cap) {
  const char *colon = strrchr(peer, ':');
  size_t len = strlen(peer);

  if (peer[0] == '[' && colon != NULL && colon > peer && colon[-1] == ']') {
    peer++;
    len = (size_t)(colon - peer) - 1;
  } else if (colon != NULL && strchr(peer, ':') == colon) {
    len = (size_t)(colon - peer);
  }
  if (len >= cap)
    len = cap - 1;
  memcpy(out, peer, len);
  out[len] = '\0';
}

/*
 * Fills the RADIUS login from a PPP request. MS-CHAPv2's Response value
 * is rebuilt in the RFC 2759 section 4 order: peer challenge, 8 reserved
 * zero bytes, NT-Response, flags (zero).
 */
static bool fill_login(const l2tpsec_auth_request *req,
                       l2tpsec_radius_auth_request *out, uint8_t response[49]) {
  out->user_name = req->user;
  out->chap_id = req->chap_id;
  out->challenge = req->challenge;
  out->challenge_len = req->challenge_len;

  switch (req->method) {
  case L2TPSEC_AUTH_PAP:
    out->method = L2TPSEC_RADIUS_PAP;
    out->password = req->password;
    out->password_len = req->password_len;
    return true;
  case L2TPSEC_AUTH_CHAP_MD5:
    out->method = L2TPSEC_RADIUS_CHAP_MD5;
    out->response = req->response;
    out->response_len = req->response_len;
    return true;
  case L2TPSEC_AUTH_MSCHAPV2:
    if (req->peer_challenge == NULL || req->nt_response == NULL)
      return false;
    memset(response, 0, 49);
    memcpy(response, req->peer_challenge, 16);
    memcpy(response + 24, req->nt_response, 24);
    out->method = L2TPSEC_RADIUS_MSCHAPV2;
    out->response = response;
    out->response_len = 49;
    return true;
  default:
    return false;
  }
}

static int remember(l2tpsec_radius_authenticator *a,
                    const l2tpsec_auth_request *req, uint64_t login) {
  if (a->pending_count == a->pending_cap) {
    size_t cap = a->pending_cap ? a->pending_cap * 2 : 16;
    struct pending_request *grown = realloc(a->pending, cap * sizeof(*grown));

    if (grown == NULL)
      return L2TPSEC_ERR_NOMEM;
    a->pending = grown;
    a->pending_cap = cap;
  }
  a->pending[a->pending_count].req = req;
  a->pending[a->pending_count].login = login;
  a->pending_count++;
  return 0;
}

void l2tpsec_radius_authenticator_request(void *auth,
                                          const l2tpsec_auth_request *req) {
  l2tpsec_radius_authenticator *a = auth;
  l2tpsec_radius_auth_request login_req;
  uint8_t response[49];
  char calling[64];
  uint64_t login;
  int rc;

  memset(&login_req, 0, sizeof(login_req));
  if (!fill_login(req, &login_req, response)) {
    complete_reject(req, L2TPSEC_AUTH_REASON_METHOD_UNUSABLE, NULL);
    return;
  }
  peer_host(req->peer != NULL ? req->peer : "", calling, sizeof(calling));
  login_req.calling_station_id = calling;
  login_req.nas_port = a->next_nas_port++;

  rc = l2tpsec_radius_uv_auth(a->client, &login_req, &login);
  if (rc == 0)
    rc = remember(a, req, login);
  if (rc != 0) {
    L2TPSEC_LOG(&a->log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_AUTH,
                "radius: login of user %s not started: %s", req->user,
                l2tpsec_strerror(rc));
    complete_reject(req, L2TPSEC_AUTH_REASON_BACKEND_ERROR, NULL);
  }
}

/* Removes and returns the request of `login`, or NULL. */
static const l2tpsec_auth_request *take(l2tpsec_radius_authenticator *a,
                                        uint64_t login) {
  for (size_t i = 0; i < a->pending_count; i++) {
    const l2tpsec_auth_request *req = a->pending[i].req;

    if (a->pending[i].login == login) {
      a->pending[i] = a->pending[--a->pending_count];
      return req;
    }
  }
  return NULL;
}

void l2tpsec_radius_authenticator_cancel(void *auth,
                                         const l2tpsec_auth_request *req) {
  l2tpsec_radius_authenticator *a = auth;

  for (size_t i = 0; i < a->pending_count; i++) {
    if (a->pending[i].req == req) {
      l2tpsec_radius_uv_cancel(a->client, a->pending[i].login);
      a->pending[i] = a->pending[--a->pending_count];
      return;
    }
  }
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* Decodes "S=<40 hex digits>" into 20 bytes; false when malformed. */
static bool parse_success(const char *text, uint8_t out[20]) {
  for (int i = 0; i < 20; i++) {
    int hi = hex_value(text[2 + 2 * i]);
    int lo = hex_value(text[3 + 2 * i]);

    if (hi < 0 || lo < 0)
      return false;
    out[i] = (uint8_t)(hi * 16 + lo);
  }
  return text[0] == 'S' && text[1] == '=';
}

/* Reads the number after "E=" in an MS-CHAP-Error, or 0 (691). */
static uint16_t parse_error_code(const char *text) {
  const char *e = strstr(text, "E=");
  long code;

  if (e == NULL)
    return 0;
  code = strtol(e + 2, NULL, 10);
  return code > 0 && code < 1000 ? (uint16_t)code : 0;
}

static void copy_classes(const l2tpsec_radius_auth_result *r,
                         l2tpsec_auth_attributes *attrs) {
  size_t n = r->class_count < L2TPSEC_AUTH_MAX_CLASS ? r->class_count
                                                     : L2TPSEC_AUTH_MAX_CLASS;

  for (size_t i = 0; i < n; i++) {
    attrs->classes[i].len = r->classes[i].len;
    memcpy(attrs->classes[i].data, r->classes[i].data, r->classes[i].len);
  }
  attrs->class_count = n;
}

/* A Framed-Pool name cut to fit could select another pool, so a name
 * that does not fit rejects the login instead. */
static bool copy_pool(l2tpsec_radius_authenticator *a,
                      const l2tpsec_auth_request *req,
                      const l2tpsec_radius_auth_result *r,
                      l2tpsec_auth_attributes *attrs) {
  size_t len = strlen(r->framed_pool);

  if (len >= sizeof(attrs->pool)) {
    L2TPSEC_LOG(&a->log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_AUTH,
                "radius: Framed-Pool of user %s is %zu bytes, longer than "
                "the %zu this server supports; rejecting the login",
                req->user, len, sizeof(attrs->pool) - 1);
    return false;
  }
  memcpy(attrs->pool, r->framed_pool, len + 1);
  return true;
}

static void fill_accept(l2tpsec_radius_authenticator *a,
                        const l2tpsec_auth_request *req,
                        const l2tpsec_radius_auth_result *r,
                        l2tpsec_auth_result *out) {
  out->accept = true;
  out->attributes.has_address = r->has_framed_ip;
  memcpy(out->attributes.address, r->framed_ip, 4);
  out->attributes.session_timeout_s = r->session_timeout;
  out->attributes.idle_timeout_s = r->idle_timeout;
  copy_classes(r, &out->attributes);
  if (!copy_pool(a, req, r, &out->attributes)) {
    out->accept = false;
    out->reason = L2TPSEC_AUTH_REASON_BACKEND_ERROR;
    return;
  }
  if (req->method != L2TPSEC_AUTH_MSCHAPV2)
    return;

  out->has_auth_response =
      r->has_mschap2_success &&
      parse_success(r->mschap2_success, out->auth_response);
  if (!out->has_auth_response) {
    L2TPSEC_LOG(&a->log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_AUTH,
                "radius: server accepted MS-CHAPv2 user %s without a valid "
                "MS-CHAP2-Success; rejecting, check the server's mschap "
                "module",
                req->user);
    out->accept = false;
    out->reason = L2TPSEC_AUTH_REASON_BACKEND_ERROR;
  }
}

static void fill_reject(l2tpsec_radius_authenticator *a,
                        const l2tpsec_auth_request *req,
                        const l2tpsec_radius_auth_result *r,
                        l2tpsec_auth_result *out) {
  out->accept = false;
  out->mschap_error = parse_error_code(r->mschap_error);
  switch (r->outcome) {
  case L2TPSEC_RADIUS_CHALLENGE:
    /* PPP has no way to show the challenge and ask again. */
    L2TPSEC_LOG(&a->log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_AUTH,
                "radius: Access-Challenge for user %s rejected: PPP cannot "
                "relay it; configure the server to decide in one round "
                "(password+code in one field, or push approval)",
                req->user);
    out->reason = L2TPSEC_AUTH_REASON_POLICY;
    out->message = "RADIUS challenge not supported";
    break;
  case L2TPSEC_RADIUS_TIMEOUT:
    out->reason = L2TPSEC_AUTH_REASON_BACKEND_ERROR;
    break;
  default:
    out->reason = req->method == L2TPSEC_AUTH_PAP
                      ? L2TPSEC_AUTH_REASON_WRONG_PASSWORD_OR_CODE
                      : L2TPSEC_AUTH_REASON_WRONG_PASSWORD;
    break;
  }
}

static void on_auth_done(void *user_data, uint64_t login,
                         const l2tpsec_radius_auth_result *r) {
  l2tpsec_radius_authenticator *a = user_data;
  const l2tpsec_auth_request *req = take(a, login);
  l2tpsec_auth_result result;
  char message[128];

  if (req == NULL)
    return;
  memset(&result, 0, sizeof(result));
  if (r->outcome == L2TPSEC_RADIUS_ACCEPT)
    fill_accept(a, req, r, &result);
  else
    fill_reject(a, req, r, &result);

  /* The first line of Reply-Message, kept to printable ASCII for PPP. */
  if (result.message == NULL && r->reply_message[0] != '\0') {
    size_t n = 0;

    while (n + 1 < sizeof(message) && r->reply_message[n] >= 0x20 &&
           r->reply_message[n] < 0x7f) {
      message[n] = r->reply_message[n];
      n++;
    }
    message[n] = '\0';
    result.message = n > 0 ? message : NULL;
  }
  l2tpsec_auth_complete(req, &result, uv_hrtime());
  l2tpsec_wipe(&result, sizeof(result));
}
