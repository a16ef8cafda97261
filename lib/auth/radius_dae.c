/*
 * Disconnect-Request (RFC 5176): a configured RADIUS server asks us to
 * end sessions. The request is checked like a reply before its
 * attributes are read, and the reply is a Disconnect-ACK or -NAK.
 */
#include <netinet/in.h>
#include <string.h>

#include "auth/radius_internal.h"
#include "l2tpsec/errors.h"

/* Session selection read from a request, with room for the strings. */
struct dae_selection {
  l2tpsec_radius_disconnect sel;
  char user_name[L2TPSEC_RADIUS_VALUE_MAX + 1];
  char session_id[L2TPSEC_RADIUS_VALUE_MAX + 1];
  char nas_identifier[L2TPSEC_RADIUS_VALUE_MAX + 1];
  bool has_nas_identifier;
};

/* Reads the Event-Timestamp (Unix time in seconds); false when there
 * is none or its length is not 4. */
static bool find_event_timestamp(const uint8_t *pkt, size_t len, int64_t *out) {
  l2tpsec__radius_iter it;
  const uint8_t *v;
  size_t vlen;
  uint8_t type;

  l2tpsec__radius_iter_init(&it, pkt, len);
  while (l2tpsec__radius_iter_next(&it, &type, &v, &vlen)) {
    if (type == RADIUS_EVENT_TIMESTAMP && vlen == 4) {
      *out = (int64_t)((uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 |
                       (uint32_t)v[2] << 8 | v[3]);
      return true;
    }
  }
  return false;
}

/* Returns NULL when the request is fresh enough, else why it is not. */
static const char *stale_reason(const l2tpsec_radius_client *c,
                                const uint8_t *pkt, size_t len) {
  const l2tpsec_radius_settings *s = &c->settings;
  int64_t stamp, now, skew;

  if (!find_event_timestamp(pkt, len, &stamp))
    return s->dae_require_event_timestamp
               ? "Event-Timestamp missing and required"
               : NULL;
  if (s->unix_time == NULL)
    return NULL;
  now = s->unix_time(s->unix_time_user_data);
  skew = now > stamp ? now - stamp : stamp - now;
  return skew > (int64_t)s->dae_event_window_s
             ? "Event-Timestamp outside the accepted window (replayed, "
               "or a clock is wrong)"
             : NULL;
}

static bool same_address(const struct sockaddr *a, socklen_t a_len,
                         const struct sockaddr_storage *b) {
  if (a->sa_family == AF_INET && b->ss_family == AF_INET &&
      a_len >= (socklen_t)sizeof(struct sockaddr_in))
    return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
           ((const struct sockaddr_in *)b)->sin_addr.s_addr;
  if (a->sa_family == AF_INET6 && b->ss_family == AF_INET6 &&
      a_len >= (socklen_t)sizeof(struct sockaddr_in6))
    return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                  &((const struct sockaddr_in6 *)b)->sin6_addr,
                  sizeof(struct in6_addr)) == 0;
  return false;
}

static const struct radius_dae_peer *find_peer(const l2tpsec_radius_client *c,
                                               const struct sockaddr *from,
                                               socklen_t from_len) {
  for (size_t i = 0; i < c->dae_count; i++) {
    if (same_address(from, from_len, &c->dae[i].addr))
      return &c->dae[i];
  }
  return NULL;
}

static bool read_text(char *dst, const uint8_t *v, size_t len) {
  if (len == 0)
    return false;
  memcpy(dst, v, len);
  dst[len] = '\0';
  return true;
}

/* Reads the attributes; false when one has an invalid length. */
static bool read_selection(struct dae_selection *d, const uint8_t *pkt,
                           size_t len) {
  l2tpsec__radius_iter it;
  const uint8_t *v;
  size_t vlen;
  uint8_t type;
  bool ok = true;

  memset(d, 0, sizeof(*d));
  l2tpsec__radius_iter_init(&it, pkt, len);
  while (ok && l2tpsec__radius_iter_next(&it, &type, &v, &vlen)) {
    if (type == RADIUS_USER_NAME) {
      ok = read_text(d->user_name, v, vlen);
      d->sel.user_name = d->user_name;
    } else if (type == RADIUS_ACCT_SESSION_ID) {
      ok = read_text(d->session_id, v, vlen);
      d->sel.acct_session_id = d->session_id;
    } else if (type == RADIUS_NAS_IDENTIFIER) {
      ok = read_text(d->nas_identifier, v, vlen);
      d->has_nas_identifier = true;
    } else if (type == RADIUS_FRAMED_IP_ADDRESS) {
      ok = vlen == 4;
      if (ok)
        memcpy(d->sel.framed_ip, v, 4);
      d->sel.has_framed_ip = ok;
    }
  }
  return ok;
}

/* Builds the Disconnect-ACK (error_cause 0) or -NAK into buf. */
static int build_reply(const struct radius_dae_peer *peer,
                       const uint8_t *request, uint32_t error_cause,
                       uint8_t buf[64]) {
  uint8_t code =
      error_cause == 0 ? RADIUS_DISCONNECT_ACK : RADIUS_DISCONNECT_NAK;
  l2tpsec__radius_writer w;

  l2tpsec__radius_begin(&w, buf, 64, code, request[1], request + 4);
  l2tpsec__radius_add_message_authenticator(&w);
  if (error_cause != 0)
    l2tpsec__radius_add_u32(&w, RADIUS_ERROR_CAUSE, error_cause);
  return l2tpsec__radius_finish_response(&w, request + 4, peer->secret,
                                         peer->secret_len);
}

static bool same_sender(const struct sockaddr *a, socklen_t a_len,
                        const struct sockaddr_storage *b) {
  if (!same_address(a, a_len, b))
    return false;
  if (a->sa_family == AF_INET)
    return ((const struct sockaddr_in *)a)->sin_port ==
           ((const struct sockaddr_in *)b)->sin_port;
  return ((const struct sockaddr_in6 *)a)->sin6_port ==
         ((const struct sockaddr_in6 *)b)->sin6_port;
}

/* Finds a remembered request with the same sender, id and authenticator. */
static const struct radius_dae_recent *
find_recent(const l2tpsec_radius_client *c, const struct sockaddr *from,
            socklen_t from_len, const uint8_t *request, l2tpsec_tstamp now) {
  for (size_t i = 0; i < RADIUS_DAE_RECENT; i++) {
    const struct radius_dae_recent *r = &c->dae_recent[i];

    if (r->reply_len > 0 && now - r->at < RADIUS_DAE_RECENT_TIME &&
        r->id == request[1] &&
        memcmp(r->auth, request + 4, RADIUS_AUTH_LEN) == 0 &&
        same_sender(from, from_len, &r->from))
      return r;
  }
  return NULL;
}

static void remember(l2tpsec_radius_client *c, const struct sockaddr *from,
                     socklen_t from_len, const uint8_t *request,
                     const uint8_t *reply, size_t reply_len,
                     l2tpsec_tstamp now) {
  struct radius_dae_recent *r = &c->dae_recent[c->dae_recent_next];

  c->dae_recent_next = (c->dae_recent_next + 1) % RADIUS_DAE_RECENT;
  memset(&r->from, 0, sizeof(r->from));
  memcpy(&r->from, from,
         from_len < (socklen_t)sizeof(r->from) ? (size_t)from_len
                                               : sizeof(r->from));
  r->id = request[1];
  memcpy(r->auth, request + 4, RADIUS_AUTH_LEN);
  memcpy(r->reply, reply, reply_len);
  r->reply_len = reply_len;
  r->at = now;
}

/* Decides the Error-Cause for a verified request; 0 means ACK. */
static uint32_t apply(l2tpsec_radius_client *c, const uint8_t *pkt,
                      size_t len) {
  struct dae_selection d;
  int ended;

  if (!read_selection(&d, pkt, len))
    return RADIUS_ERROR_INVALID_REQUEST;
  if (d.sel.user_name == NULL && d.sel.acct_session_id == NULL &&
      !d.sel.has_framed_ip)
    return RADIUS_ERROR_MISSING_ATTRIBUTE;
  /* RFC 5176 section 3: a NAS-Identifier that is not ours selects none. */
  if (d.has_nas_identifier && strcmp(d.nas_identifier, c->nas_identifier) != 0)
    return RADIUS_ERROR_SESSION_NOT_FOUND;
  if (c->callbacks.disconnect == NULL)
    return RADIUS_ERROR_SESSION_NOT_FOUND;

  ended = c->callbacks.disconnect(c->user_data, &d.sel);
  L2TPSEC_LOG(&c->settings.log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_AUTH,
              "radius: Disconnect-Request for user %s session %s ended %d "
              "sessions",
              d.sel.user_name ? d.sel.user_name : "(any)",
              d.sel.acct_session_id ? d.sel.acct_session_id : "(any)", ended);
  return ended > 0 ? 0 : RADIUS_ERROR_SESSION_NOT_FOUND;
}

static int drop(l2tpsec_radius_client *c, l2tpsec_tstamp now, int err,
                const char *why) {
  c->stats.dae_dropped++;
  l2tpsec__radius_log_drop(c, now, "radius: dropped Disconnect-Request: %s",
                           why);
  return err;
}

int l2tpsec_radius_client_dae_input(l2tpsec_radius_client *c,
                                    const struct sockaddr *from,
                                    socklen_t from_len, const uint8_t *data,
                                    size_t len, l2tpsec_tstamp now) {
  const struct radius_dae_recent *recent;
  const struct radius_dae_peer *peer;
  enum radius_check check;
  uint32_t error_cause;
  const char *stale;
  uint8_t reply[64];
  int reply_len;
  size_t pkt_len;

  if (c == NULL || from == NULL || (data == NULL && len > 0))
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  peer = find_peer(c, from, from_len);
  if (peer == NULL)
    return drop(c, now, L2TPSEC_ERR_NOT_FOUND,
                "sender is not a configured Disconnect-Request client");

  check = l2tpsec__radius_check_layout(data, len, &pkt_len);
  if (check != RADIUS_CHECK_OK)
    return drop(c, now,
                check == RADIUS_CHECK_SHORT ? L2TPSEC_ERR_TRUNCATED
                                            : L2TPSEC_ERR_MALFORMED,
                l2tpsec__radius_check_name(check));
  if (data[0] != RADIUS_DISCONNECT_REQUEST)
    return drop(c, now, L2TPSEC_ERR_UNSUPPORTED,
                "code is not Disconnect-Request (40)");

  check = l2tpsec__radius_check_signed_request(
      data, pkt_len, peer->secret, peer->secret_len,
      c->settings.require_message_authenticator);
  if (check != RADIUS_CHECK_OK)
    return drop(c, now, L2TPSEC_ERR_INTEGRITY,
                l2tpsec__radius_check_name(check));

  recent = find_recent(c, from, from_len, data, now);
  if (recent != NULL) {
    c->stats.dae_duplicates++;
    c->callbacks.send(c->user_data, L2TPSEC_RADIUS_CHANNEL_DAE, from, from_len,
                      recent->reply, recent->reply_len);
    return 0;
  }

  /* Stale requests are dropped silently: a NAK would confirm to a
   * replayer that the secret is right. */
  stale = stale_reason(c, data, pkt_len);
  if (stale != NULL)
    return drop(c, now, L2TPSEC_ERR_INTEGRITY, stale);

  error_cause = apply(c, data, pkt_len);
  reply_len = build_reply(peer, data, error_cause, reply);
  if (reply_len < 0)
    return reply_len;

  remember(c, from, from_len, data, reply, (size_t)reply_len, now);
  if (error_cause == 0)
    c->stats.dae_acked++;
  else
    c->stats.dae_naked++;
  c->callbacks.send(c->user_data, L2TPSEC_RADIUS_CHANNEL_DAE, from, from_len,
                    reply, (size_t)reply_len);
  return 0;
}
