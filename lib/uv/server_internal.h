/* The server object's fields, shared by its setup and data-path files. */
#ifndef L2TPSEC_UV_SERVER_INTERNAL_H
#define L2TPSEC_UV_SERVER_INTERNAL_H

#include <net/if.h>

#include "core/ratelimit.h"
#include "l2tpsec/server.h"
#include "uv/addr_pool.h"
#include "uv/loop_timer.h"
#include "uv/transport.h"

struct l2tpsec_server {
  uv_loop_t *loop;
  l2tpsec_log log;
  l2tpsec_rand rand;
  uint8_t *psk;
  size_t psk_len;
  bool allow_plain_l2tp;

  l2tpsec__transport *transport;
  l2tpsec__addr_pool *pool;
  uint32_t local_address; /* host byte order */

  int tun_fd;
  bool tun_owned; /* the library opened tun_fd and closes it */
  bool tun_polling;
  uv_poll_t tun_poll;
  char tun_name[IFNAMSIZ];
  unsigned tun_mtu;

  l2tpsec__loop_timer timer;
  bool timer_open;
  int pending_closes;

  l2tpsec_server_stats stats;
  l2tpsec__ratelimit drop_log;
  uint8_t tun_buf[65536];
};

/* Receives every datagram of the outer sockets (l2tpsec__rx_fn). */
void l2tpsec__server_on_outer(void *user_data, enum l2tpsec__rx_kind kind,
                              const l2tpsec__endpoint *endpoint,
                              const struct sockaddr *peer, const uint8_t *data,
                              size_t len);

/* Reads every packet the kernel queued on the TUN device (uv_poll_cb). */
void l2tpsec__server_on_tun(uv_poll_t *handle, int status, int events);

#endif
