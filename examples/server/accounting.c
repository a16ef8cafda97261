/* RADIUS accounting records built from the server's session events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounting.h"
#include "l2tpsec/errors.h"

/* Fields a session's records repeat from its Start to its Stop. */
struct acct_session {
  char id[L2TPSEC_SERVER_ACCT_ID_MAX];
  char user[L2TPSEC_AUTH_NAME_MAX + 1];
  uint8_t address[4];
  l2tpsec_radius_class classes[L2TPSEC_AUTH_MAX_CLASS];
  size_t class_count;
  uint32_t nas_port;
  char calling[64];
  uint64_t started_ms; /* uv_now at Start */
};

struct accounting {
  uv_loop_t *loop;
  l2tpsec_radius_uv *radius;
  l2tpsec_server *server;
  struct log_sink *log;
  uv_timer_t interim;
  struct acct_session *sessions;
  size_t count, cap;
};

/* Copies the host part of "host:port" or "[v6]:port". */
static void host_of(const char *peer, char *out, size_t cap) {
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

static struct acct_session *find(struct accounting *acct, const char *id) {
  for (size_t i = 0; i < acct->count; i++) {
    if (strcmp(acct->sessions[i].id, id) == 0)
      return &acct->sessions[i];
  }
  return NULL;
}

static struct acct_session *add(struct accounting *acct) {
  if (acct->count == acct->cap) {
    size_t cap = acct->cap ? acct->cap * 2 : 16;
    struct acct_session *grown = realloc(acct->sessions, cap * sizeof(*grown));

    if (grown == NULL)
      return NULL;
    acct->sessions = grown;
    acct->cap = cap;
  }
  memset(&acct->sessions[acct->count], 0, sizeof(acct->sessions[0]));
  return &acct->sessions[acct->count++];
}

/* Fills the fields every record of `s` carries. */
static void base_record(const struct acct_session *s,
                        enum l2tpsec_radius_acct_status status,
                        l2tpsec_radius_acct_record *rec) {
  memset(rec, 0, sizeof(*rec));
  rec->status = status;
  rec->session_id = s->id;
  rec->user_name = s->user;
  rec->has_framed_ip = true;
  memcpy(rec->framed_ip, s->address, 4);
  rec->classes = s->classes;
  rec->class_count = s->class_count;
  rec->nas_port = s->nas_port;
  rec->calling_station_id = s->calling;
}

static void send_record(struct accounting *acct,
                        const l2tpsec_radius_acct_record *rec) {
  static const char *const names[] = {"", "Start", "Stop", "Interim-Update"};
  int rv = l2tpsec_radius_uv_acct(acct->radius, rec);

  /* The client logs and reports records it drops from its queue later. */
  if (rv != 0)
    log_line(acct->log, L2TPSEC_LOG_WARNING,
             "accounting %s of session %s (user '%s') not queued: %s",
             names[rec->status], rec->session_id, rec->user_name,
             l2tpsec_strerror(rv));
}

static void on_session_up(struct accounting *acct,
                          const l2tpsec_server_event *ev) {
  struct acct_session *s = add(acct);
  l2tpsec_radius_acct_record rec;

  if (s == NULL) {
    log_line(acct->log, L2TPSEC_LOG_ERROR,
             "out of memory: no accounting for session %s of user '%s'",
             ev->acct_session_id, ev->user);
    return;
  }
  snprintf(s->id, sizeof(s->id), "%s", ev->acct_session_id);
  snprintf(s->user, sizeof(s->user), "%s", ev->user);
  memcpy(s->address, ev->address, 4);
  for (size_t i = 0; i < ev->attributes->class_count; i++) {
    s->classes[i].len = ev->attributes->classes[i].len;
    memcpy(s->classes[i].data, ev->attributes->classes[i].data,
           s->classes[i].len);
  }
  s->class_count = ev->attributes->class_count;
  s->nas_port = ev->session_id;
  host_of(ev->peer, s->calling, sizeof(s->calling));
  s->started_ms = uv_now(acct->loop);

  base_record(s, L2TPSEC_RADIUS_ACCT_START, &rec);
  send_record(acct, &rec);
}

static void on_session_down(struct accounting *acct,
                            const l2tpsec_server_event *ev) {
  struct acct_session *s = find(acct, ev->acct_session_id);
  l2tpsec_radius_acct_record rec;

  /* A session that never reached IPCP had no Start, so it gets no Stop. */
  if (s == NULL)
    return;
  base_record(s, L2TPSEC_RADIUS_ACCT_STOP, &rec);
  rec.input_octets = ev->bytes_in;
  rec.output_octets = ev->bytes_out;
  rec.input_packets = ev->packets_in;
  rec.output_packets = ev->packets_out;
  rec.session_time = (uint32_t)(ev->uptime / L2TPSEC_SECONDS);
  rec.terminate_cause = (uint32_t)ev->end_cause;
  send_record(acct, &rec);
  *s = acct->sessions[--acct->count];
}

void accounting_event(struct accounting *acct, const l2tpsec_server_event *ev) {
  if (acct == NULL)
    return;
  if (ev->type == L2TPSEC_SERVER_SESSION_UP)
    on_session_up(acct, ev);
  else
    on_session_down(acct, ev);
}

/* ---- Interim-Update ---- */

static void send_interim(struct accounting *acct,
                         const l2tpsec_server_session_info *info) {
  struct acct_session *s = find(acct, info->acct_session_id);
  l2tpsec_radius_acct_record rec;

  if (s == NULL)
    return;
  base_record(s, L2TPSEC_RADIUS_ACCT_INTERIM, &rec);
  rec.input_octets = info->bytes_in;
  rec.output_octets = info->bytes_out;
  rec.input_packets = info->packets_in;
  rec.output_packets = info->packets_out;
  rec.session_time = (uint32_t)((uv_now(acct->loop) - s->started_ms) / 1000);
  send_record(acct, &rec);
}

static void on_interim(uv_timer_t *timer) {
  struct accounting *acct = timer->data;
  l2tpsec_server_session_info *info;
  size_t cap = acct->count + 8, count;

  if (acct->server == NULL || acct->count == 0)
    return;
  info = calloc(cap, sizeof(*info));
  if (info == NULL) {
    log_line(acct->log, L2TPSEC_LOG_ERROR,
             "out of memory: Interim-Update skipped for %zu sessions",
             acct->count);
    return;
  }
  count = l2tpsec_server_sessions(acct->server, info, cap);
  for (size_t i = 0; i < count && i < cap; i++)
    send_interim(acct, &info[i]);
  free(info);
}

size_t accounting_stop_all(struct accounting *acct) {
  l2tpsec_server_session_info *info;
  size_t cap, count, sent = 0;

  if (acct == NULL || acct->server == NULL || acct->count == 0)
    return 0;
  cap = acct->count + 8;
  info = calloc(cap, sizeof(*info));
  if (info == NULL)
    return 0;
  count = l2tpsec_server_sessions(acct->server, info, cap);
  for (size_t i = 0; i < count && i < cap; i++) {
    struct acct_session *s = find(acct, info[i].acct_session_id);
    l2tpsec_radius_acct_record rec;

    if (s == NULL)
      continue;
    base_record(s, L2TPSEC_RADIUS_ACCT_STOP, &rec);
    rec.input_octets = info[i].bytes_in;
    rec.output_octets = info[i].bytes_out;
    rec.input_packets = info[i].packets_in;
    rec.output_packets = info[i].packets_out;
    rec.session_time = (uint32_t)((uv_now(acct->loop) - s->started_ms) / 1000);
    rec.terminate_cause = L2TPSEC_SERVER_END_NAS_REQUEST;
    send_record(acct, &rec);
    *s = acct->sessions[--acct->count];
    sent++;
  }
  free(info);
  return sent;
}

int accounting_open(struct accounting **pacct, uv_loop_t *loop,
                    l2tpsec_radius_uv *radius,
                    const struct server_config *config, struct log_sink *log) {
  struct accounting *acct = calloc(1, sizeof(*acct));
  uint64_t interval_ms = (uint64_t)config->radius.interim_s * 1000;

  if (acct == NULL)
    return L2TPSEC_ERR_NOMEM;
  acct->loop = loop;
  acct->radius = radius;
  acct->log = log;
  uv_timer_init(loop, &acct->interim);
  acct->interim.data = acct;
  if (interval_ms > 0)
    uv_timer_start(&acct->interim, on_interim, interval_ms, interval_ms);
  *pacct = acct;
  return 0;
}

void accounting_set_server(struct accounting *acct, l2tpsec_server *server) {
  if (acct != NULL)
    acct->server = server;
}

static void on_timer_closed(uv_handle_t *handle) {
  struct accounting *acct = handle->data;

  free(acct->sessions);
  free(acct);
}

void accounting_close(struct accounting *acct) {
  if (acct == NULL)
    return;
  uv_close((uv_handle_t *)&acct->interim, on_timer_closed);
}
