/*
 * Ending a connection whose client stopped answering LCP echoes: its
 * L2TP tunnels, ESP SAs and IKE SA go too, not only the PPP session,
 * because a client that is gone will never close them. The work runs
 * from its own timer at the next loop turn, outside the PPP, L2TP and
 * IKE callbacks that noticed the silence.
 */
#include "core/log_internal.h"
#include "uv/server_internal.h"

static void forget_conn(l2tpsec_server *server, uint64_t conn_id) {
  l2tpsec__conn *conn = l2tpsec__keymap_get(&server->conns, conn_id);
  uint64_t ike_sa_id;

  if (conn == NULL)
    return;
  ike_sa_id = conn->ike_sa_id;
  L2TPSEC_LOG(&server->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_UV,
              "connection %llu: the client stopped answering; closing its "
              "tunnels, ESP SAs and IKE SA %llu",
              (unsigned long long)conn_id, (unsigned long long)ike_sa_id);

  /* IKE reports each child SA down, and the last one removes conn. */
  if (!conn->plain && server->ike != NULL && ike_sa_id != 0)
    l2tpsec_ike_close(server->ike, ike_sa_id, l2tpsec__now());
  if (l2tpsec__keymap_get(&server->conns, conn_id) != NULL)
    l2tpsec__server_remove_conn(server, conn_id);
}

static void on_dead_peer_timer(l2tpsec__timer *timer, l2tpsec_tstamp now) {
  l2tpsec_server *server =
      (l2tpsec_server *)((char *)timer -
                         offsetof(l2tpsec_server, dead_peer_timer));

  while (server->dead_peer_count > 0)
    forget_conn(server, server->dead_peers[--server->dead_peer_count]);
  l2tpsec__server_reap(server);
  l2tpsec__server_refresh_timers(server);
}

void l2tpsec__server_drop_dead_peer(l2tpsec_server *server, uint64_t conn_id) {
  size_t cap = sizeof(server->dead_peers) / sizeof(server->dead_peers[0]);

  for (size_t i = 0; i < server->dead_peer_count; i++) {
    if (server->dead_peers[i] == conn_id)
      return;
  }
  /* NOTE: beyond `cap` at once, a connection waits for DPD or expiry. */
  if (server->dead_peer_count == cap)
    return;
  server->dead_peers[server->dead_peer_count++] = conn_id;
  server->dead_peer_timer.fn = on_dead_peer_timer;
  l2tpsec__loop_timer_set(&server->timer, &server->dead_peer_timer,
                          l2tpsec__now());
}
