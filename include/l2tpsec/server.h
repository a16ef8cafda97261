/*
 * The L2TP/IPsec server on a libuv loop: it owns the outer sockets (UDP
 * 500 and 4500, raw ESP), the TUN device, the address pool and one timer,
 * and feeds the protocol layers. This is the only public object that does
 * I/O; it never blocks and runs entirely on the loop it is given.
 */
#ifndef L2TPSEC_SERVER_H
#define L2TPSEC_SERVER_H

#include <stdbool.h>
#include <uv.h>

#include "l2tpsec/common.h"
#include "l2tpsec/log.h"
#include "l2tpsec/rand.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct l2tpsec_server l2tpsec_server;

/* Fill with l2tpsec_server_settings_default, then set what differs. */
typedef struct l2tpsec_server_settings {
  /* Numeric IPv4 or IPv6 addresses to listen on; at least one. */
  const char *const *listen_addresses;
  size_t listen_address_count;
  uint16_t ike_port;  /* 500; tests use a high port to run unprivileged */
  uint16_t natt_port; /* 4500 */
  bool raw_esp;       /* try a raw IP protocol 50 socket: true */

  /*
   * L2TP over plain UDP without IPsec, as some routers' "L2TP only" mode
   * does: false. Without it L2TP is accepted only inside an ESP SA.
   */
  bool allow_plain_l2tp;
  uint16_t l2tp_port; /* 1701 */

  /* Pre-shared key of IKE main mode; copied and wiped on delete. */
  const uint8_t *psk;
  size_t psk_len;

  /* Client addresses: "a.b.c.d-e.f.g.h", "a.b.c.d/nn" or one address. */
  const char *const *pool_ranges;
  size_t pool_range_count;
  const char *local_address; /* server end of every PPP link: required */
  const char *dns[2];        /* offered by IPCP (RFC 1877); NULL: none */
  const char *nbns[2];

  /*
   * TUN device. With tun_configure the library sets the MTU, adds
   * local_address with the prefix covering the pool and brings the link
   * up; without it the application does that. tun_fd >= 0 hands the
   * library a TUN descriptor the application opened (tun_name is then
   * ignored).
   */
  const char *tun_name; /* "" lets the kernel pick "tunN" */
  unsigned tun_mtu;     /* 1400 */
  bool tun_configure;   /* true */
  int tun_fd;           /* -1 */

  l2tpsec_log log;
  l2tpsec_rand rand;
} l2tpsec_server_settings;

/* Counters of the whole server since it started. */
typedef struct l2tpsec_server_stats {
  uint64_t ike_received;
  uint64_t esp_received;
  uint64_t plain_l2tp_received;
  uint64_t nat_keepalives;
  uint64_t tun_received;       /* packets read from the TUN device */
  uint64_t tun_sent;           /* packets written to the TUN device */
  uint64_t dropped_no_session; /* TUN packets for no connected client */
  uint64_t dropped_unhandled;  /* outer packets no layer could take */
  uint64_t dropped_malformed;  /* TUN packets that are not IPv4 or IPv6 */
  size_t sessions;
  size_t addresses_leased;
} l2tpsec_server_stats;

/* Fills the defaults listed in the comments of the settings fields. */
L2TPSEC_API void
l2tpsec_server_settings_default(l2tpsec_server_settings *settings);

/*
 * Opens the sockets and the TUN device on `loop` and starts serving.
 * Returns L2TPSEC_ERR_INVALID_ARGUMENT for a NULL argument or no listen
 * address; L2TPSEC_ERR_CONFIG for an invalid address, range or MTU (the
 * log says which); L2TPSEC_ERR_IO when a socket cannot be bound or the
 * TUN device cannot be opened or configured (the log gives the reason);
 * L2TPSEC_ERR_NOMEM. On failure nothing is left open once the loop has
 * run again.
 */
L2TPSEC_API int l2tpsec_server_new(l2tpsec_server **pserver, uv_loop_t *loop,
                                   const l2tpsec_server_settings *settings);

/*
 * Closes every socket, the TUN device and the timer, wipes the PSK and
 * frees the server during a later turn of the loop. Accepts NULL.
 */
L2TPSEC_API void l2tpsec_server_del(l2tpsec_server *server);

/* Copies the counters into *stats. */
L2TPSEC_API void l2tpsec_server_stats_get(const l2tpsec_server *server,
                                          l2tpsec_server_stats *stats);

/*
 * Checks one pool range in the syntax of pool_ranges, so that a
 * configuration checker can report it before starting a server. Returns
 * 0 or L2TPSEC_ERR_CONFIG.
 */
L2TPSEC_API int l2tpsec_server_check_range(const char *range);

/* Returns the name of the TUN device, or "" when the application owns it. */
L2TPSEC_API const char *l2tpsec_server_tun_name(const l2tpsec_server *server);

#ifdef __cplusplus
}
#endif

#endif
