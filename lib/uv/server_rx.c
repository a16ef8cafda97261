/* The server's receive paths: outer datagrams and TUN packets. */
#include <errno.h>
#include <unistd.h>

#include "uv/mtu.h"
#include "uv/server_internal.h"

/* Packets read from the TUN device per wakeup, for fairness. */
#define TUN_READS_PER_WAKEUP 64

static void count_outer(l2tpsec_server *server, enum l2tpsec__rx_kind kind) {
  switch (kind) {
  case L2TPSEC__RX_IKE:
    server->stats.ike_received++;
    break;
  case L2TPSEC__RX_ESP_UDP:
  case L2TPSEC__RX_ESP_RAW:
    server->stats.esp_received++;
    break;
  default:
    server->stats.plain_l2tp_received++;
    break;
  }
}

void l2tpsec__server_on_outer(void *user_data, enum l2tpsec__rx_kind kind,
                              const l2tpsec__endpoint *endpoint,
                              const struct sockaddr *peer, const uint8_t *data,
                              size_t len) {
  l2tpsec_server *server = user_data;

  count_outer(server, kind);

  /*
   * TODO: hand IKE to the IKE responder, ESP to the SA table and then
   * UDP/1701 to the L2TP LNS, once those layers are on main. Until then
   * every outer packet is dropped and counted here.
   */
  server->stats.dropped_unhandled++;
  l2tpsec__log_limited(&server->log, &server->drop_log, l2tpsec__now(),
                       L2TPSEC_LOG_INFO, L2TPSEC_LOG_UV,
                       "dropped a %zu-byte %s packet on port %u: this build "
                       "has no protocol layer for it yet",
                       len, kind == L2TPSEC__RX_IKE ? "IKE" : "ESP or L2TP",
                       endpoint->port);
}

/* A packet from the kernel for a client address: find its session. */
static void route_inner(l2tpsec_server *server, const uint8_t *pkt,
                        size_t len) {
  l2tpsec__ip_info info;

  if (l2tpsec__ip_parse(pkt, len, &info) != 0) {
    server->stats.dropped_malformed++;
    return;
  }
  /* TODO: look the destination up in the inner-address table once PPP
   * sessions exist; with no session every packet is dropped. */
  server->stats.dropped_no_session++;
}

void l2tpsec__server_on_tun(uv_poll_t *handle, int status, int events) {
  l2tpsec_server *server = handle->data;

  for (int i = 0; i < TUN_READS_PER_WAKEUP; i++) {
    ssize_t n = read(server->tun_fd, server->tun_buf, sizeof(server->tun_buf));

    if (n <= 0)
      return;
    server->stats.tun_received++;
    route_inner(server, server->tun_buf, (size_t)n);
  }
}
