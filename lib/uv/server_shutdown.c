/*
 * Server shutdown that tells every client the server is going away, so
 * that clients notice within a second, not when their keepalives give up.
 * Each session gets an LCP Terminate-Request, each tunnel a StopCCN
 * (both inside ESP), and each IKE SA a DELETE for its ESP SAs and for
 * itself. l2tpsec_server_del afterwards frees what is left.
 */
#include <stdlib.h>

#include "core/log_internal.h"
#include "l2tpsec/errors.h"
#include "uv/server_internal.h"

struct id_list {
  uint64_t *ids;
  size_t count, cap;
};

static int collect_key(void *ctx, uint64_t key, void *value) {
  struct id_list *list = ctx;

  (void)value;
  if (list->count < list->cap)
    list->ids[list->count++] = key;
  return 0;
}

/* Copies the keys of map, since ending sessions changes the maps. */
static int collect_keys(const l2tpsec__keymap *map, struct id_list *list) {
  list->count = 0;
  list->cap = map->count;
  list->ids = calloc(map->count > 0 ? map->count : 1, sizeof(*list->ids));
  if (list->ids == NULL)
    return L2TPSEC_ERR_NOMEM;
  l2tpsec__keymap_find(map, collect_key, list);
  return 0;
}

static void terminate_sessions(l2tpsec_server *server, struct id_list *keys) {
  for (size_t i = 0; i < keys->count; i++) {
    l2tpsec__session *s = l2tpsec__keymap_get(&server->sessions, keys->ids[i]);

    if (s != NULL && !s->dead && s->ppp != NULL)
      l2tpsec__session_end(s, L2TPSEC_SERVER_END_NAS_REQUEST);
  }
}

/* StopCCN leaves through the connection's ESP SAs, so the tunnels close
 * before IKE deletes the SAs. */
static void close_conn(l2tpsec_server *server, uint64_t conn_id) {
  l2tpsec__conn *conn = l2tpsec__keymap_get(&server->conns, conn_id);
  uint64_t ike_sa_id;
  char peer[64];

  if (conn == NULL)
    return;
  ike_sa_id = conn->plain ? 0 : conn->ike_sa_id;
  l2tpsec__sockaddr_text((const struct sockaddr *)&conn->peer, peer,
                         sizeof(peer));
  L2TPSEC_LOG(&server->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_UV,
              "shutdown: connection %llu from %s: sent LCP Terminate-Request "
              "and StopCCN for %zu tunnel(s), IKE DELETE for IKE SA %llu",
              (unsigned long long)conn_id, peer, conn->tunnel_count,
              (unsigned long long)ike_sa_id);
  l2tpsec__server_remove_conn(server, conn_id);
  if (ike_sa_id != 0 && server->ike != NULL)
    l2tpsec_ike_close(server->ike, ike_sa_id, l2tpsec__now());
}

int l2tpsec_server_shutdown(l2tpsec_server *server) {
  struct id_list sessions, conns;
  int rv;

  if (server == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  rv = collect_keys(&server->sessions, &sessions);
  if (rv != 0)
    return rv;
  terminate_sessions(server, &sessions);
  free(sessions.ids);

  rv = collect_keys(&server->conns, &conns);
  if (rv != 0)
    return rv;
  for (size_t i = 0; i < conns.count; i++)
    close_conn(server, conns.ids[i]);
  rv = (int)conns.count;
  free(conns.ids);

  l2tpsec__server_reap(server);
  l2tpsec__server_refresh_timers(server);
  return rv;
}
