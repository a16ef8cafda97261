/*
 * Session ends and their causes: the authenticator's Session-Timeout and
 * Idle-Timeout (RFC 2865 sections 5.27 and 5.28), an administrator's
 * disconnect, and the cause each end reports for accounting
 * (Acct-Terminate-Cause, RFC 2866 section 5.10).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/log_internal.h"
#include "l2tpsec/errors.h"
#include "uv/server_internal.h"

const char *l2tpsec_server_end_cause_name(enum l2tpsec_server_end_cause c) {
  switch (c) {
  case L2TPSEC_SERVER_END_USER_REQUEST:
    return "user request";
  case L2TPSEC_SERVER_END_LOST_CARRIER:
    return "lost carrier";
  case L2TPSEC_SERVER_END_IDLE_TIMEOUT:
    return "idle timeout";
  case L2TPSEC_SERVER_END_SESSION_TIMEOUT:
    return "session timeout";
  case L2TPSEC_SERVER_END_ADMIN_RESET:
    return "admin reset";
  case L2TPSEC_SERVER_END_NAS_ERROR:
    return "NAS error";
  case L2TPSEC_SERVER_END_NAS_REQUEST:
    return "NAS request";
  default:
    return "none";
  }
}

static l2tpsec_tstamp after_seconds(l2tpsec_tstamp now, uint32_t seconds) {
  return seconds == 0 ? L2TPSEC_TSTAMP_NEVER
                      : now + (l2tpsec_tstamp)seconds * L2TPSEC_SECONDS;
}

void l2tpsec__session_limits_start(l2tpsec__session *s, l2tpsec_tstamp now) {
  l2tpsec_server *server = s->server;

  /* The prefix is random so that ids stay unique across restarts,
   * which RADIUS servers rely on to pair Start and Stop records. */
  snprintf(s->acct_session_id, sizeof(s->acct_session_id), "%08X%08X",
           server->acct_prefix, ++server->next_acct_id);
  s->ipcp_up_at = now;
  s->last_activity = now;
  s->session_end = after_seconds(now, s->attributes.session_timeout_s);
  s->idle_check = after_seconds(now, s->attributes.idle_timeout_s);
}

l2tpsec_tstamp l2tpsec__session_limits_deadline(const l2tpsec__session *s) {
  if (s->ipcp_up_at == 0 || s->end_cause != L2TPSEC_SERVER_END_NONE)
    return L2TPSEC_TSTAMP_NEVER;
  return s->session_end < s->idle_check ? s->session_end : s->idle_check;
}

void l2tpsec__session_end(l2tpsec__session *s,
                          enum l2tpsec_server_end_cause cause) {
  if (s->end_cause == L2TPSEC_SERVER_END_NONE)
    s->end_cause = cause;
  l2tpsec_ppp_close(s->ppp, l2tpsec__now());
  l2tpsec__session_refresh(s);
}

static void end_for_limit(l2tpsec__session *s,
                          enum l2tpsec_server_end_cause cause,
                          uint32_t seconds) {
  L2TPSEC_LOG(&s->server->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_PPP,
              "session %u/%u of user '%s': %s of %u s reached; closing",
              s->tunnel_id, s->session_id, s->user,
              l2tpsec_server_end_cause_name(cause), seconds);
  l2tpsec__session_end(s, cause);
}

/*
 * The idle deadline is not moved on every packet, which would update
 * the timer heap per packet: when it fires after recent traffic, it is
 * set again from the last packet.
 */
bool l2tpsec__session_limits_check(l2tpsec__session *s, l2tpsec_tstamp now) {
  const l2tpsec_auth_attributes *a = &s->attributes;

  if (l2tpsec__session_limits_deadline(s) > now)
    return false;
  if (now >= s->session_end) {
    end_for_limit(s, L2TPSEC_SERVER_END_SESSION_TIMEOUT, a->session_timeout_s);
    return true;
  }
  s->idle_check = after_seconds(s->last_activity, a->idle_timeout_s);
  if (now < s->idle_check)
    return false;
  end_for_limit(s, L2TPSEC_SERVER_END_IDLE_TIMEOUT, a->idle_timeout_s);
  return true;
}

void l2tpsec__session_note_ppp_down(l2tpsec__session *s,
                                    enum l2tpsec_ppp_down_reason reason) {
  enum l2tpsec_server_end_cause cause;

  if (s->end_cause != L2TPSEC_SERVER_END_NONE)
    return;
  switch (reason) {
  case L2TPSEC_PPP_DOWN_PEER_TERMINATED:
    cause = L2TPSEC_SERVER_END_USER_REQUEST;
    break;
  case L2TPSEC_PPP_DOWN_ECHO_TIMEOUT:
    cause = L2TPSEC_SERVER_END_LOST_CARRIER;
    break;
  case L2TPSEC_PPP_DOWN_CLOSED:
    cause = L2TPSEC_SERVER_END_NAS_REQUEST;
    break;
  default:
    cause = L2TPSEC_SERVER_END_NAS_ERROR;
    break;
  }
  s->end_cause = cause;
}

void l2tpsec__session_note_l2tp_down(l2tpsec__session *s,
                                     enum l2tpsec_l2tp_reason reason) {
  if (s->end_cause != L2TPSEC_SERVER_END_NONE)
    return;
  if (reason == L2TPSEC_L2TP_REASON_PEER)
    s->end_cause = L2TPSEC_SERVER_END_USER_REQUEST;
  else if (reason == L2TPSEC_L2TP_REASON_TIMEOUT)
    s->end_cause = L2TPSEC_SERVER_END_LOST_CARRIER;
  else if (reason == L2TPSEC_L2TP_REASON_LOCAL)
    s->end_cause = L2TPSEC_SERVER_END_NAS_REQUEST;
  else
    s->end_cause = L2TPSEC_SERVER_END_NAS_ERROR;
}

/* ---- Marking and selecting sessions ---- */

struct conn_mark {
  uint64_t conn_id;
  enum l2tpsec_server_end_cause cause;
};

static int mark_conn_session(void *ctx, uint64_t key, void *value) {
  const struct conn_mark *mark = ctx;
  l2tpsec__session *s = value;

  if (s->conn_id == mark->conn_id && s->end_cause == L2TPSEC_SERVER_END_NONE)
    s->end_cause = mark->cause;
  return 0;
}

void l2tpsec__server_note_sa_down(l2tpsec_server *server, uint32_t spi_in,
                                  enum l2tpsec_server_end_cause cause) {
  l2tpsec_esp_sa *in = l2tpsec_esp_table_find_inbound(server->esp, spi_in);
  const l2tpsec__conn *conn = in ? l2tpsec_esp_sa_user_data(in) : NULL;
  struct conn_mark mark;

  /* A connection with another SA pair left survives this removal. */
  if (conn == NULL || conn->pair_count > 1)
    return;
  mark.conn_id = conn->id;
  mark.cause = cause;
  l2tpsec__keymap_find(&server->sessions, mark_conn_session, &mark);
}

static bool selected(const l2tpsec__session *s,
                     const l2tpsec_server_selector *sel) {
  uint32_t addr = htonl(s->inner_address);

  if (s->dead || s->ipcp_up_at == 0 || s->end_cause != L2TPSEC_SERVER_END_NONE)
    return false;
  if (sel->user != NULL && strcmp(sel->user, s->user) != 0)
    return false;
  if (sel->acct_session_id != NULL &&
      strcmp(sel->acct_session_id, s->acct_session_id) != 0)
    return false;
  return !sel->has_address || memcmp(sel->address, &addr, 4) == 0;
}

/* The map must not change during the walk, so matches are collected
 * first and closed afterwards. */
struct selection {
  const l2tpsec_server_selector *sel;
  l2tpsec__session **found;
  size_t count, cap;
};

static int collect_selected(void *ctx, uint64_t key, void *value) {
  struct selection *w = ctx;

  if (selected(value, w->sel) && w->count < w->cap)
    w->found[w->count++] = value;
  return 0;
}

int l2tpsec_server_disconnect(l2tpsec_server *server,
                              const l2tpsec_server_selector *sel,
                              enum l2tpsec_server_end_cause cause) {
  l2tpsec__session *found[64];
  struct selection w = {sel, found, 0, 64};
  int ended = 0;

  if (server == NULL || sel == NULL ||
      (sel->user == NULL && sel->acct_session_id == NULL && !sel->has_address))
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  /* A selector matching more than 64 sessions (one user logged in many
   * times) ends them in rounds of 64; each round marks its sessions, so
   * the next round finds the rest. */
  do {
    w.count = 0;
    l2tpsec__keymap_find(&server->sessions, collect_selected, &w);
    for (size_t i = 0; i < w.count; i++)
      l2tpsec__session_end(found[i], cause);
    ended += (int)w.count;
  } while (w.count == w.cap);

  l2tpsec__server_reap(server);
  l2tpsec__server_refresh_timers(server);
  return ended;
}
