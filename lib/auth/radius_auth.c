/*
 * Logins: the Access-Request for PAP, CHAP and MS-CHAPv2 (RFC 2865
 * section 4.1, RFC 2548 section 2.3) and the reading of the reply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/radius_internal.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

static bool copy_string(char *dst, const char *src, bool required) {
  size_t len = src != NULL ? strlen(src) : 0;

  if (len > L2TPSEC_RADIUS_VALUE_MAX || (required && len == 0))
    return false;
  memcpy(dst, src != NULL ? src : "", len + 1);
  return true;
}

/* Checks the method's material; true when it fits its attributes. */
static bool method_material_valid(const l2tpsec_radius_auth_request *r) {
  switch (r->method) {
  case L2TPSEC_RADIUS_PAP:
    return r->password != NULL && r->password_len > 0 &&
           r->password_len <= L2TPSEC_RADIUS_PASSWORD_MAX;
  case L2TPSEC_RADIUS_CHAP_MD5:
    return r->challenge != NULL && r->challenge_len > 0 &&
           r->challenge_len <= L2TPSEC_RADIUS_VALUE_MAX &&
           r->response != NULL && r->response_len == 16;
  case L2TPSEC_RADIUS_MSCHAPV2:
    return r->challenge != NULL && r->challenge_len == 16 &&
           r->response != NULL && r->response_len == 49;
  }
  return false;
}

static int copy_material(struct radius_auth_material *m,
                         const l2tpsec_radius_auth_request *r) {
  if (!method_material_valid(r) ||
      !copy_string(m->user_name, r->user_name, 1) ||
      !copy_string(m->calling, r->calling_station_id, 0) ||
      !copy_string(m->called, r->called_station_id, 0))
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  m->method = r->method;
  m->chap_id = r->chap_id;
  m->nas_port = r->nas_port;
  if (r->password_len > 0 && r->method == L2TPSEC_RADIUS_PAP)
    memcpy(m->password, r->password, r->password_len);
  m->password_len = r->method == L2TPSEC_RADIUS_PAP ? r->password_len : 0;
  if (r->method != L2TPSEC_RADIUS_PAP) {
    memcpy(m->challenge, r->challenge, r->challenge_len);
    m->challenge_len = r->challenge_len;
    memcpy(m->response, r->response, r->response_len);
    m->response_len = r->response_len;
  }
  return 0;
}

int l2tpsec_radius_client_auth(l2tpsec_radius_client *c,
                               const l2tpsec_radius_auth_request *r,
                               l2tpsec_tstamp now, uint64_t *login) {
  struct radius_request *req;
  int rc;

  if (c == NULL || r == NULL || login == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (c->auth_count >= c->settings.max_pending_auth)
    return L2TPSEC_ERR_LIMIT;

  req = calloc(1, sizeof(*req));
  if (req != NULL)
    req->auth = calloc(1, sizeof(*req->auth));
  if (req == NULL || req->auth == NULL) {
    free(req);
    return L2TPSEC_ERR_NOMEM;
  }
  req->kind = RADIUS_KIND_AUTH;
  req->server = -1;
  req->number = c->next_number++;

  rc = copy_material(req->auth, r);
  if (rc == 0)
    rc = l2tpsec__radius_start(c, req, now);
  if (rc == 0)
    rc = l2tpsec__radius_add_request(c, req);
  if (rc != 0) {
    l2tpsec__radius_free_request(c, req);
    return rc == L2TPSEC_ERR_STATE ? L2TPSEC_ERR_LIMIT : rc;
  }

  *login = req->number;
  return 0;
}

int l2tpsec_radius_client_cancel(l2tpsec_radius_client *c, uint64_t login) {
  if (c == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  for (size_t i = 0; i < c->request_count; i++) {
    struct radius_request *req = c->requests[i];

    if (req->kind == RADIUS_KIND_AUTH && req->number == login) {
      l2tpsec__radius_remove_request(c, i);
      l2tpsec__radius_free_request(c, req);
      return 0;
    }
  }
  return L2TPSEC_ERR_NOT_FOUND;
}

/* CHAP-Password and CHAP-Challenge (RFC 2865 sections 5.3 and 5.40). */
static void add_chap(l2tpsec__radius_writer *w,
                     const struct radius_auth_material *m) {
  uint8_t value[17];

  value[0] = m->chap_id;
  memcpy(value + 1, m->response, 16);
  l2tpsec__radius_add(w, RADIUS_CHAP_PASSWORD, value, sizeof(value));
  l2tpsec__radius_add(w, RADIUS_CHAP_CHALLENGE, m->challenge, m->challenge_len);
}

/*
 * MS-CHAP-Challenge and MS-CHAP2-Response (RFC 2548 sections 2.3.2 and
 * 2.3.3). The attribute orders the fields Ident, Flags, Peer-Challenge,
 * Reserved, Response, unlike the PPP packet, which ends with Flags.
 */
static void add_mschapv2(l2tpsec__radius_writer *w,
                         const struct radius_auth_material *m) {
  uint8_t value[50];

  value[0] = m->chap_id;
  value[1] = m->response[48];
  memcpy(value + 2, m->response, 48);
  l2tpsec__radius_add_vendor(w, RADIUS_VENDOR_MICROSOFT,
                             RADIUS_MS_CHAP_CHALLENGE, m->challenge, 16);
  l2tpsec__radius_add_vendor(w, RADIUS_VENDOR_MICROSOFT,
                             RADIUS_MS_CHAP2_RESPONSE, value, sizeof(value));
}

static int add_pap(l2tpsec__radius_writer *w,
                   const struct radius_auth_material *m,
                   const struct radius_server *s, const uint8_t *req_auth) {
  uint8_t hidden[L2TPSEC_RADIUS_PASSWORD_MAX];
  size_t hidden_len;
  int rc = l2tpsec__radius_hide_password(m->password, m->password_len,
                                         s->secret, s->secret_len, req_auth,
                                         hidden, &hidden_len);

  if (rc == 0)
    l2tpsec__radius_add(w, RADIUS_USER_PASSWORD, hidden, hidden_len);
  l2tpsec_wipe(hidden, sizeof(hidden));
  return rc;
}

/* NAS and session attributes sent with every Access-Request. */
static void add_nas_attributes(l2tpsec__radius_writer *w,
                               const l2tpsec_radius_client *c,
                               const struct radius_auth_material *m) {
  l2tpsec__radius_add_u32(w, RADIUS_SERVICE_TYPE, RADIUS_SERVICE_FRAMED);
  l2tpsec__radius_add_u32(w, RADIUS_FRAMED_PROTOCOL, RADIUS_FRAMED_PPP);
  l2tpsec__radius_add_string(w, RADIUS_NAS_IDENTIFIER, c->nas_identifier);
  if (c->settings.has_nas_ip)
    l2tpsec__radius_add(w, RADIUS_NAS_IP_ADDRESS, c->settings.nas_ip, 4);
  l2tpsec__radius_add_u32(w, RADIUS_NAS_PORT, m->nas_port);
  l2tpsec__radius_add_u32(w, RADIUS_NAS_PORT_TYPE, RADIUS_NAS_PORT_VIRTUAL);
  l2tpsec__radius_add_string(w, RADIUS_CALLING_STATION_ID, m->calling);
  l2tpsec__radius_add_string(w, RADIUS_CALLED_STATION_ID, m->called);
}

static int store_packet(struct radius_request *req, const uint8_t *buf,
                        int len) {
  if (len < 0)
    return len;
  req->pkt = malloc((size_t)len);
  if (req->pkt == NULL)
    return L2TPSEC_ERR_NOMEM;
  memcpy(req->pkt, buf, (size_t)len);
  req->pkt_len = (size_t)len;
  return 0;
}

int l2tpsec__radius_build_access_request(l2tpsec_radius_client *c,
                                         struct radius_request *req,
                                         const struct radius_server *s) {
  const struct radius_auth_material *m = req->auth;
  uint8_t buf[RADIUS_PACKET_MAX];
  l2tpsec__radius_writer w;
  int rc =
      l2tpsec_rand_bytes(&c->settings.rand, req->req_auth, RADIUS_AUTH_LEN);

  if (rc != 0)
    return rc;

  l2tpsec__radius_begin(&w, buf, sizeof(buf), RADIUS_ACCESS_REQUEST, req->id,
                        req->req_auth);
  /* RFC 3579 section 3.3 and the Blast-RADIUS advice: put it first. */
  l2tpsec__radius_add_message_authenticator(&w);
  l2tpsec__radius_add_string(&w, RADIUS_USER_NAME, m->user_name);
  if (m->method == L2TPSEC_RADIUS_PAP)
    rc = add_pap(&w, m, s, req->req_auth);
  else if (m->method == L2TPSEC_RADIUS_CHAP_MD5)
    add_chap(&w, m);
  else
    add_mschapv2(&w, m);
  add_nas_attributes(&w, c, m);

  if (rc == 0)
    rc = store_packet(
        req, buf,
        l2tpsec__radius_finish_access_request(&w, s->secret, s->secret_len));
  l2tpsec_wipe(buf, sizeof(buf));
  return rc;
}

/* Appends one Reply-Message to the result, joined by a newline. */
static void append_reply_message(l2tpsec_radius_auth_result *r,
                                 const uint8_t *value, size_t len) {
  size_t used = strlen(r->reply_message);
  size_t room = sizeof(r->reply_message) - used - 1;

  if (used > 0 && room > 0) {
    r->reply_message[used++] = '\n';
    room--;
  }
  if (len > room)
    len = room;
  memcpy(r->reply_message + used, value, len);
  r->reply_message[used + len] = '\0';
}

static void copy_text(char *dst, size_t cap, const uint8_t *v, size_t len) {
  if (len >= cap)
    len = cap - 1;
  memcpy(dst, v, len);
  dst[len] = '\0';
}

/*
 * Reads one Microsoft attribute. MS-CHAP2-Success is Ident followed by
 * the 42-byte "S=" authenticator response (RFC 2548 section 2.3.3);
 * MS-CHAP-Error is Ident followed by text (section 2.1.5).
 */
static bool read_microsoft(l2tpsec_radius_auth_result *r, uint8_t type,
                           const uint8_t *v, size_t len) {
  if (type == RADIUS_MS_CHAP2_SUCCESS) {
    if (len != 43 || v[1] != 'S' || v[2] != '=')
      return false;
    memcpy(r->mschap2_success, v + 1, 42);
    r->mschap2_success[42] = '\0';
    r->has_mschap2_success = true;
  } else if (type == RADIUS_MS_CHAP_ERROR) {
    if (len < 2)
      return false;
    copy_text(r->mschap_error, sizeof(r->mschap_error), v + 1, len - 1);
  }
  return true;
}

static bool read_vendor(l2tpsec_radius_auth_result *r, const uint8_t *v,
                        size_t len) {
  const uint8_t *vv;
  uint32_t vendor;
  uint8_t vtype;
  size_t vlen;

  if (len < 4)
    return false;
  if (radius_get32(v) != RADIUS_VENDOR_MICROSOFT)
    return true; /* other vendors' attributes are ignored */
  if (!l2tpsec__radius_split_vendor(v, len, &vendor, &vtype, &vv, &vlen))
    return false;
  return read_microsoft(r, vtype, vv, vlen);
}

static bool read_class(l2tpsec_radius_auth_result *r, const uint8_t *v,
                       size_t len) {
  l2tpsec_radius_class *cl;

  if (len == 0)
    return false;
  if (r->class_count == L2TPSEC_RADIUS_MAX_CLASS)
    return true; /* NOTE: Class attributes past the fourth are not echoed */
  cl = &r->classes[r->class_count++];
  cl->len = (uint8_t)len;
  memcpy(cl->data, v, len);
  return true;
}

/*
 * Framed-IPv6-Prefix (RFC 3162 section 2.3): Reserved, Prefix-Length up
 * to 128, then only the bytes the prefix needs. Checked, not applied.
 */
static bool ipv6_prefix_valid(const uint8_t *v, size_t len) {
  return len >= 2 && len <= 18 && v[1] <= 128 &&
         len - 2 >= (size_t)(v[1] + 7) / 8;
}

/*
 * Reads one attribute into the result. Returns false when its length is
 * invalid for its type. Address and integer values must be exactly 4
 * bytes (RFC 2865 section 5).
 */
static bool read_attribute(l2tpsec_radius_auth_result *r, uint8_t type,
                           const uint8_t *v, size_t len) {
  switch (type) {
  case RADIUS_FRAMED_IP_ADDRESS:
    if (len != 4)
      return false;
    memcpy(r->framed_ip, v, 4);
    r->has_framed_ip = true;
    return true;
  case RADIUS_SESSION_TIMEOUT:
  case RADIUS_IDLE_TIMEOUT:
    if (len != 4)
      return false;
    *(type == RADIUS_SESSION_TIMEOUT ? &r->session_timeout : &r->idle_timeout) =
        radius_get32(v);
    return true;
  case RADIUS_FRAMED_POOL:
    if (len == 0)
      return false;
    copy_text(r->framed_pool, sizeof(r->framed_pool), v, len);
    return true;
  case RADIUS_FRAMED_IPV6_PREFIX:
    return ipv6_prefix_valid(v, len);
  case RADIUS_CLASS:
    return read_class(r, v, len);
  case RADIUS_REPLY_MESSAGE:
    append_reply_message(r, v, len);
    return true;
  case RADIUS_STATE:
    memcpy(r->state, v, len);
    r->state_len = len;
    return len > 0;
  case RADIUS_VENDOR_SPECIFIC:
    return read_vendor(r, v, len);
  default:
    return true;
  }
}

static enum l2tpsec_radius_outcome outcome_of(uint8_t code) {
  if (code == RADIUS_ACCESS_ACCEPT)
    return L2TPSEC_RADIUS_ACCEPT;
  if (code == RADIUS_ACCESS_CHALLENGE)
    return L2TPSEC_RADIUS_CHALLENGE;
  return L2TPSEC_RADIUS_REJECT;
}

/*
 * Decodes a verified reply. An Access-Accept with an invalid attribute
 * becomes an Access-Reject with nothing applied, so a corrupted value
 * never reaches the session.
 */
static void decode_reply(l2tpsec_radius_client *c,
                         l2tpsec_radius_auth_result *r, const uint8_t *pkt,
                         size_t len, l2tpsec_tstamp now) {
  l2tpsec__radius_iter it;
  const uint8_t *value;
  size_t vlen;
  uint8_t type;

  memset(r, 0, sizeof(*r));
  r->outcome = outcome_of(pkt[0]);
  l2tpsec__radius_iter_init(&it, pkt, len);
  while (l2tpsec__radius_iter_next(&it, &type, &value, &vlen)) {
    if (read_attribute(r, type, value, vlen))
      continue;

    c->stats.rejected_invalid_attribute++;
    l2tpsec__radius_log_drop(c, now,
                             "radius: reply id %u has attribute %u "
                             "with invalid length %zu; treating it as "
                             "Access-Reject",
                             pkt[1], type, vlen);
    memset(r, 0, sizeof(*r));
    r->outcome = L2TPSEC_RADIUS_REJECT;
    return;
  }
}

void l2tpsec__radius_auth_reply(l2tpsec_radius_client *c,
                                struct radius_request *req, const uint8_t *pkt,
                                size_t len, l2tpsec_tstamp now) {
  l2tpsec_radius_auth_result result;

  decode_reply(c, &result, pkt, len, now);
  if (result.reply_message[0] != '\0')
    L2TPSEC_LOG(&c->settings.log, L2TPSEC_LOG_INFO, L2TPSEC_LOG_AUTH,
                "radius: login %llu Reply-Message: %s",
                (unsigned long long)req->number, result.reply_message);
  c->callbacks.auth_done(c->user_data, req->number, &result);
}

void l2tpsec__radius_auth_timeout(l2tpsec_radius_client *c,
                                  struct radius_request *req) {
  l2tpsec_radius_auth_result result;

  memset(&result, 0, sizeof(result));
  result.outcome = L2TPSEC_RADIUS_TIMEOUT;
  L2TPSEC_LOG(
      &c->settings.log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_AUTH,
      "radius: login %llu failed: no server answered within %llu s "
      "each; check the servers and the shared secrets",
      (unsigned long long)req->number,
      (unsigned long long)(c->settings.server_timeout / L2TPSEC_SECONDS));
  c->callbacks.auth_done(c->user_data, req->number, &result);
}
