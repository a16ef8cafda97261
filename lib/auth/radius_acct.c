/*
 * Accounting (RFC 2866): records are encoded when queued, sent while
 * fewer than acct_window are in flight, retried through every server
 * until acct_max_age, and dropped with a report when the queue is full
 * or they grow too old.
 */
#include <stdlib.h>
#include <string.h>

#include "auth/radius_internal.h"
#include "l2tpsec/errors.h"

static bool string_fits(const char *s, bool required) {
  size_t len = s != NULL ? strlen(s) : 0;

  return len <= L2TPSEC_RADIUS_VALUE_MAX && (!required || len > 0);
}

static bool record_valid(const l2tpsec_radius_acct_record *rec) {
  if (rec->status != L2TPSEC_RADIUS_ACCT_START &&
      rec->status != L2TPSEC_RADIUS_ACCT_STOP &&
      rec->status != L2TPSEC_RADIUS_ACCT_INTERIM)
    return false;
  if (rec->class_count > 0 && rec->classes == NULL)
    return false;
  return string_fits(rec->session_id, true) &&
         string_fits(rec->user_name, false) &&
         string_fits(rec->calling_station_id, false) &&
         string_fits(rec->called_station_id, false);
}

/*
 * A 64-bit counter as the 32-bit attribute plus its Gigawords attribute
 * (RFC 2869 section 5.1), which counts how often the 32 bits wrapped.
 */
static void add_counter64(l2tpsec__radius_writer *w, uint8_t type,
                          uint8_t gigawords_type, uint64_t value) {
  l2tpsec__radius_add_u32(w, type, (uint32_t)value);
  if (gigawords_type != 0)
    l2tpsec__radius_add_u32(w, gigawords_type, (uint32_t)(value >> 32));
}

static void add_usage(l2tpsec__radius_writer *w,
                      const l2tpsec_radius_acct_record *rec) {
  add_counter64(w, RADIUS_ACCT_INPUT_OCTETS, RADIUS_ACCT_INPUT_GIGAWORDS,
                rec->input_octets);
  add_counter64(w, RADIUS_ACCT_OUTPUT_OCTETS, RADIUS_ACCT_OUTPUT_GIGAWORDS,
                rec->output_octets);
  /* Packet counters have no Gigawords attribute: they saturate. */
  l2tpsec__radius_add_u32(w, RADIUS_ACCT_INPUT_PACKETS,
                          rec->input_packets > UINT32_MAX
                              ? UINT32_MAX
                              : (uint32_t)rec->input_packets);
  l2tpsec__radius_add_u32(w, RADIUS_ACCT_OUTPUT_PACKETS,
                          rec->output_packets > UINT32_MAX
                              ? UINT32_MAX
                              : (uint32_t)rec->output_packets);
  l2tpsec__radius_add_u32(w, RADIUS_ACCT_SESSION_TIME, rec->session_time);
}

/* Encodes every attribute except Acct-Delay-Time and the authenticator. */
static int encode_record(const l2tpsec_radius_client *c,
                         const l2tpsec_radius_acct_record *rec,
                         struct radius_request *req) {
  static const uint8_t zero[RADIUS_AUTH_LEN];
  uint8_t buf[RADIUS_PACKET_MAX];
  l2tpsec__radius_writer w;

  l2tpsec__radius_begin(&w, buf, sizeof(buf), RADIUS_ACCOUNTING_REQUEST, 0,
                        zero);
  l2tpsec__radius_add_u32(&w, RADIUS_ACCT_STATUS_TYPE, rec->status);
  l2tpsec__radius_add_string(&w, RADIUS_ACCT_SESSION_ID, rec->session_id);
  l2tpsec__radius_add_string(&w, RADIUS_USER_NAME, rec->user_name);
  l2tpsec__radius_add_u32(&w, RADIUS_SERVICE_TYPE, RADIUS_SERVICE_FRAMED);
  l2tpsec__radius_add_u32(&w, RADIUS_FRAMED_PROTOCOL, RADIUS_FRAMED_PPP);
  if (rec->has_framed_ip)
    l2tpsec__radius_add(&w, RADIUS_FRAMED_IP_ADDRESS, rec->framed_ip, 4);
  l2tpsec__radius_add_string(&w, RADIUS_NAS_IDENTIFIER, c->nas_identifier);
  if (c->settings.has_nas_ip)
    l2tpsec__radius_add(&w, RADIUS_NAS_IP_ADDRESS, c->settings.nas_ip, 4);
  l2tpsec__radius_add_u32(&w, RADIUS_NAS_PORT, rec->nas_port);
  l2tpsec__radius_add_u32(&w, RADIUS_NAS_PORT_TYPE, RADIUS_NAS_PORT_VIRTUAL);
  l2tpsec__radius_add_string(&w, RADIUS_CALLING_STATION_ID,
                             rec->calling_station_id);
  l2tpsec__radius_add_string(&w, RADIUS_CALLED_STATION_ID,
                             rec->called_station_id);
  for (size_t i = 0; i < rec->class_count; i++)
    l2tpsec__radius_add(&w, RADIUS_CLASS, rec->classes[i].data,
                        rec->classes[i].len);
  if (rec->status != L2TPSEC_RADIUS_ACCT_START)
    add_usage(&w, rec);
  if (rec->status == L2TPSEC_RADIUS_ACCT_STOP)
    l2tpsec__radius_add_u32(&w, RADIUS_ACCT_TERMINATE_CAUSE,
                            rec->terminate_cause);
  if (w.failed)
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  req->attrs_len = w.len - RADIUS_HEADER_LEN;
  req->attrs = malloc(req->attrs_len);
  if (req->attrs == NULL)
    return L2TPSEC_ERR_NOMEM;
  memcpy(req->attrs, buf + RADIUS_HEADER_LEN, req->attrs_len);
  return 0;
}

static size_t acct_count(const l2tpsec_radius_client *c) {
  return c->request_count - c->auth_count;
}

static bool accounting_configured(const l2tpsec_radius_client *c) {
  for (size_t i = 0; i < c->server_count; i++) {
    if (c->servers[i].port[RADIUS_KIND_ACCT] != 0)
      return true;
  }
  return false;
}

void l2tpsec__radius_acct_drop(l2tpsec_radius_client *c,
                               struct radius_request *req,
                               enum l2tpsec_radius_drop_reason reason) {
  c->stats.acct_dropped++;
  L2TPSEC_LOG(&c->settings.log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_AUTH,
              "radius: accounting record for session %s dropped: %s "
              "(%llu dropped so far)",
              req->session_id,
              reason == L2TPSEC_RADIUS_DROP_QUEUE_FULL
                  ? "queue full; raise acct_queue_max or fix the servers"
                  : "no server acknowledged it within acct_max_age",
              (unsigned long long)c->stats.acct_dropped);
  if (c->callbacks.acct_dropped != NULL)
    c->callbacks.acct_dropped(c->user_data, req->session_id, reason);
}

int l2tpsec_radius_client_acct(l2tpsec_radius_client *c,
                               const l2tpsec_radius_acct_record *rec,
                               l2tpsec_tstamp now) {
  struct radius_request *req;
  int rc;

  if (c == NULL || rec == NULL || !record_valid(rec))
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (!accounting_configured(c))
    return L2TPSEC_ERR_STATE;

  req = calloc(1, sizeof(*req));
  if (req == NULL)
    return L2TPSEC_ERR_NOMEM;
  req->kind = RADIUS_KIND_ACCT;
  req->server = -1;
  req->number = c->next_number++;
  req->created = now;
  memcpy(req->session_id, rec->session_id, strlen(rec->session_id) + 1);

  if (acct_count(c) >= c->settings.acct_queue_max) {
    l2tpsec__radius_acct_drop(c, req, L2TPSEC_RADIUS_DROP_QUEUE_FULL);
    l2tpsec__radius_free_request(c, req);
    return L2TPSEC_ERR_LIMIT;
  }

  rc = encode_record(c, rec, req);
  if (rc == 0)
    rc = l2tpsec__radius_add_request(c, req);
  if (rc != 0) {
    l2tpsec__radius_free_request(c, req);
    return rc;
  }
  l2tpsec__radius_acct_pump(c, now);
  return 0;
}

/* The queued record with the lowest number, i.e. the oldest; or -1. */
static long oldest_queued(const l2tpsec_radius_client *c) {
  long best = -1;

  for (size_t i = 0; i < c->request_count; i++) {
    const struct radius_request *req = c->requests[i];

    if (req->kind != RADIUS_KIND_ACCT || req->server >= 0)
      continue;
    if (best < 0 || req->number < c->requests[best]->number)
      best = (long)i;
  }
  return best;
}

void l2tpsec__radius_acct_pump(l2tpsec_radius_client *c, l2tpsec_tstamp now) {
  while (c->acct_in_flight < c->settings.acct_window) {
    long index = oldest_queued(c);

    if (index < 0)
      return;
    c->requests[index]->tried = 0;
    if (l2tpsec__radius_start(c, c->requests[index], now) != 0)
      return; /* every Identifier in use: wait for replies */
  }
}

/*
 * Acct-Delay-Time (RFC 2866 section 5.2) says how long the record
 * waited; it changes the packet, so it is set only when the record moves
 * to a server and copies to that server stay identical.
 */
int l2tpsec__radius_build_accounting_request(l2tpsec_radius_client *c,
                                             struct radius_request *req,
                                             const struct radius_server *s,
                                             l2tpsec_tstamp now) {
  static const uint8_t zero[RADIUS_AUTH_LEN];
  uint8_t buf[RADIUS_PACKET_MAX];
  l2tpsec__radius_writer w;
  uint64_t delay = (now - req->created) / L2TPSEC_SECONDS;
  int len;

  l2tpsec__radius_begin(&w, buf, sizeof(buf), RADIUS_ACCOUNTING_REQUEST,
                        req->id, zero);
  l2tpsec__radius_add_message_authenticator(&w);
  if (w.cap - w.len < req->attrs_len)
    return L2TPSEC_ERR_NOBUFS;
  memcpy(buf + w.len, req->attrs, req->attrs_len);
  w.len += req->attrs_len;
  l2tpsec__radius_add_u32(&w, RADIUS_ACCT_DELAY_TIME,
                          delay > UINT32_MAX ? UINT32_MAX : (uint32_t)delay);

  len = l2tpsec__radius_finish_signed_request(&w, s->secret, s->secret_len);
  if (len < 0)
    return len;
  req->pkt = malloc((size_t)len);
  if (req->pkt == NULL)
    return L2TPSEC_ERR_NOMEM;
  memcpy(req->pkt, buf, (size_t)len);
  req->pkt_len = (size_t)len;
  memcpy(req->req_auth, buf + 4, RADIUS_AUTH_LEN);
  return 0;
}
