/* The server's TUN receive path. */
#include <unistd.h>

#include "uv/server_internal.h"

/* Packets read from the TUN device per wakeup, for fairness. */
#define TUN_READS_PER_WAKEUP 64

/* Room for PPP, L2TP, UDP, ESP and outer headers in front of a packet. */
#define TUN_HEADROOM 256

void l2tpsec__server_on_tun(uv_poll_t *handle, int status, int events) {
  l2tpsec_server *server = handle->data;

  /* The ESP packets of this burst leave with one sendmmsg(2) call per
   * socket. */
  l2tpsec__transport_batch_begin(server->transport);
  for (int i = 0; i < TUN_READS_PER_WAKEUP; i++) {
    l2tpsec_pkt pkt;
    ssize_t n;

    l2tpsec_pkt_init(&pkt, server->tun_storage, sizeof(server->tun_storage),
                     TUN_HEADROOM);
    n = read(server->tun_fd, pkt.data, l2tpsec_pkt_tailroom(&pkt));
    if (n <= 0)
      break;
    pkt.len = (size_t)n;
    server->stats.tun_received++;
    l2tpsec__server_route_inner(server, &pkt);
  }
  l2tpsec__transport_batch_end(server->transport);
  l2tpsec__server_reap(server);
  l2tpsec__server_refresh_timers(server);
}
