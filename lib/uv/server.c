/* Creation and tear-down of the server: sockets, TUN, pool, timer. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log_internal.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"
#include "uv/server_internal.h"
#include "uv/tun.h"

/* Limits of the pool ranges a server accepts in its settings. */
#define MAX_POOL_RANGES 64

void l2tpsec_server_settings_default(l2tpsec_server_settings *s) {
  memset(s, 0, sizeof(*s));
  s->ike_port = 500;
  s->natt_port = 4500;
  s->raw_esp = true;
  s->l2tp_port = 1701;
  s->max_plain_peers = 64;
  s->tun_name = "";
  s->tun_mtu = 1400;
  s->tun_configure = true;
  s->tun_fd = -1;
  s->lcp_echo_interval = 30 * L2TPSEC_SECONDS;
  s->lcp_echo_failure = 4;
  s->dpd_delay = 30 * L2TPSEC_SECONDS;
  s->dpd_timeout = 120 * L2TPSEC_SECONDS;
  s->rand = l2tpsec_rand_system();
}

static int config_error(l2tpsec_server *server, const char *what,
                        const char *value) {
  L2TPSEC_LOG(&server->log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_UV,
              "invalid %s '%s'", what, value ? value : "(missing)");
  return L2TPSEC_ERR_CONFIG;
}

static int parse_ipv4(const char *text, uint32_t *addr) {
  struct in_addr in;

  if (text == NULL || inet_pton(AF_INET, text, &in) != 1)
    return L2TPSEC_ERR_CONFIG;
  *addr = ntohl(in.s_addr);
  return 0;
}

static int parse_servers(l2tpsec_server *server, const char *const text[2],
                         const char *what, uint32_t out[2]) {
  for (int i = 0; i < 2; i++) {
    out[i] = 0;
    if (text[i] != NULL && parse_ipv4(text[i], &out[i]) != 0)
      return config_error(server, what, text[i]);
  }
  return 0;
}

/* Returns the longest prefix that covers the local address and ranges. */
static unsigned covering_prefix(uint32_t local,
                                const l2tpsec__addr_range *ranges,
                                size_t count) {
  uint32_t lo = local, hi = local;
  unsigned prefix = 32;

  for (size_t i = 0; i < count; i++) {
    lo = ranges[i].first < lo ? ranges[i].first : lo;
    hi = ranges[i].last > hi ? ranges[i].last : hi;
  }
  while (prefix > 0 && (lo >> (32 - prefix)) != (hi >> (32 - prefix)))
    prefix--;
  return prefix;
}

static int make_pool(l2tpsec_server *server, const l2tpsec_server_settings *s,
                     unsigned *prefix) {
  l2tpsec__addr_range ranges[MAX_POOL_RANGES];
  uint32_t dns[2], nbns[2];
  int rv;

  if (s->pool_range_count == 0 || s->pool_range_count > MAX_POOL_RANGES)
    return config_error(server, "number of pool ranges", "0 or over 64");
  if (parse_ipv4(s->local_address, &server->local_address) != 0)
    return config_error(server, "local address", s->local_address);
  for (size_t i = 0; i < s->pool_range_count; i++) {
    if (l2tpsec__addr_range_parse(s->pool_ranges[i], &ranges[i]) != 0)
      return config_error(server, "pool range", s->pool_ranges[i]);
  }
  if (parse_servers(server, s->dns, "DNS server", dns) != 0 ||
      parse_servers(server, s->nbns, "NBNS server", nbns) != 0)
    return L2TPSEC_ERR_CONFIG;

  rv = l2tpsec__addr_pool_new(&server->pool, ranges, s->pool_range_count);
  if (rv == L2TPSEC_ERR_INVALID_ARGUMENT)
    return config_error(server, "pool ranges (two of them overlap)",
                        s->pool_ranges[0]);
  if (rv == L2TPSEC_ERR_LIMIT)
    return config_error(server,
                        "pool ranges (more than 2^20 addresses in all)",
                        s->pool_ranges[0]);
  if (rv != 0)
    return rv;
  l2tpsec__addr_pool_set_servers(server->pool, dns, nbns);
  memcpy(server->dns, dns, sizeof(dns));
  memcpy(server->nbns, nbns, sizeof(nbns));
  l2tpsec__addr_pool_exclude(server->pool, server->local_address);
  *prefix = covering_prefix(server->local_address, ranges, s->pool_range_count);
  return l2tpsec__server_named_pools_init(server, s, prefix);
}

static int tun_failed(l2tpsec_server *server, const char *step) {
  if (errno == EBUSY) {
    L2TPSEC_LOG(&server->log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_UV,
                "cannot %s TUN device '%s': another process holds it, "
                "probably another l2tpsec-server; stop that one or give "
                "this one another TUN name",
                step, server->tun_name);
    return L2TPSEC_ERR_IO;
  }
  L2TPSEC_LOG(&server->log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_UV,
              "cannot %s TUN device '%s': %s; the server needs root or "
              "CAP_NET_ADMIN and the tun module (/dev/net/tun)",
              step, server->tun_name, strerror(errno));
  return L2TPSEC_ERR_IO;
}

static int configure_tun(l2tpsec_server *server, unsigned prefix) {
  if (l2tpsec__tun_set_mtu(server->tun_name, server->tun_mtu) != 0)
    return tun_failed(server, "set the MTU of");
  if (l2tpsec__tun_add_ipv4(server->tun_name, htonl(server->local_address),
                            prefix) != 0)
    return tun_failed(server, "add the local address to");
  if (l2tpsec__tun_up(server->tun_name) != 0)
    return tun_failed(server, "bring up");
  return 0;
}

static int open_tun(l2tpsec_server *server, const l2tpsec_server_settings *s,
                    unsigned prefix) {
  int rv;

  if (s->tun_fd >= 0) {
    server->tun_fd = s->tun_fd;
  } else {
    snprintf(server->tun_name, sizeof(server->tun_name), "%s",
             s->tun_name ? s->tun_name : "");
    rv = l2tpsec__tun_open(server->tun_name, server->tun_name);
    if (rv < 0)
      return tun_failed(server, "open");
    server->tun_fd = rv;
    server->tun_owned = true;
    if (s->tun_configure && configure_tun(server, prefix) != 0)
      return L2TPSEC_ERR_IO;
  }

  if (uv_poll_init(server->loop, &server->tun_poll, server->tun_fd) != 0)
    return tun_failed(server, "poll");
  server->tun_polling = true;
  server->tun_poll.data = server;
  uv_poll_start(&server->tun_poll, UV_READABLE, l2tpsec__server_on_tun);
  return 0;
}

static int open_transport(l2tpsec_server *server,
                          const l2tpsec_server_settings *s) {
  l2tpsec__transport_settings ts;

  l2tpsec__transport_settings_default(&ts);
  ts.addresses = s->listen_addresses;
  ts.address_count = s->listen_address_count;
  ts.ike_port = s->ike_port;
  ts.natt_port = s->natt_port;
  ts.l2tp_port = s->allow_plain_l2tp ? s->l2tp_port : 0;
  ts.raw_esp = s->raw_esp;
  ts.log = s->log;
  ts.batch_end = l2tpsec__server_batch_end;
  return l2tpsec__transport_new(&server->transport, server->loop, &ts,
                                l2tpsec__server_on_outer, server);
}

static int copy_settings(l2tpsec_server *server,
                         const l2tpsec_server_settings *s) {
  server->log = s->log;
  server->rand = s->rand;
  server->allow_plain_l2tp = s->allow_plain_l2tp;
  server->l2tp_port = s->l2tp_port;
  server->max_plain_peers = s->max_plain_peers;
  server->natt_port = s->natt_port;
  server->ike_preset = s->ike_preset;
  memcpy(server->auth_methods, s->auth_methods, sizeof(server->auth_methods));
  server->tun_fd = -1;
  server->tun_mtu = s->tun_mtu;
  server->lcp_echo_interval = s->lcp_echo_interval;
  server->lcp_echo_failure = s->lcp_echo_failure;
  server->dpd_delay = s->dpd_delay;
  server->dpd_timeout = s->dpd_timeout;
  l2tpsec__ratelimit_init(&server->drop_log, L2TPSEC_SECONDS, 5);
  l2tpsec__ratelimit_init(&server->plain_log, 10 * L2TPSEC_SECONDS, 1);
  /* Without randomness the ids still differ within one run. */
  if (l2tpsec_rand_bytes(&server->rand, (uint8_t *)&server->acct_prefix,
                         sizeof(server->acct_prefix)) != 0)
    server->acct_prefix = 0;

  if (s->tun_mtu < 576 || s->tun_mtu > 65535)
    return config_error(server, "TUN MTU (576 to 65535)", "out of range");
  if (s->psk_len > 0 && s->psk == NULL)
    return config_error(server, "PSK", NULL);
  if (s->psk_len > 0) {
    server->psk = malloc(s->psk_len);
    if (server->psk == NULL)
      return L2TPSEC_ERR_NOMEM;
    memcpy(server->psk, s->psk, s->psk_len);
    server->psk_len = s->psk_len;
  }
  return 0;
}

static int start(l2tpsec_server *server, const l2tpsec_server_settings *s) {
  unsigned prefix = 32;
  int rv;

  rv = copy_settings(server, s);
  if (rv == 0)
    rv = make_pool(server, s, &prefix);
  if (rv == 0)
    rv = l2tpsec__loop_timer_init(&server->timer, server->loop);
  if (rv == 0) {
    server->timer_open = true;
    server->new_settings = s;
    rv = l2tpsec__server_layers_init(server);
    server->new_settings = NULL;
  }
  if (rv == 0)
    rv = open_tun(server, s, prefix);
  if (rv == 0)
    rv = open_transport(server, s);
  if (rv == 0)
    l2tpsec__server_ike_transport_ready(server, s->fake_client_nat);
  return rv;
}

/*
 * A client that sees no NAT sends ESP as IP protocol 50, which only a raw
 * socket receives. Without one on an address, and with fake_client_nat
 * off, such a client completes IKE and then stalls, so the start logs a
 * warning for each address. With fake_client_nat on or on auto, every
 * client puts ESP in UDP instead and IKE logs that.
 */
static void warn_no_raw_esp(l2tpsec_server *server,
                            enum l2tpsec_server_fake_nat fake_client_nat) {
  size_t n = l2tpsec__transport_endpoint_count(server->transport);
  char text[64];

  if (fake_client_nat != L2TPSEC_SERVER_FAKE_NAT_OFF)
    return;
  for (size_t i = 0; i < n; i++) {
    if (l2tpsec__transport_has_raw_esp(server->transport, (int)i))
      continue;
    L2TPSEC_LOG(&server->log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_UV,
                "no raw ESP socket on %s (raw_esp is off, or CAP_NET_RAW is "
                "missing): clients that are not behind a NAT send ESP as IP "
                "protocol 50, which this server cannot receive, so their "
                "connections stall after IKE; set raw_esp = yes and give the "
                "server CAP_NET_RAW, or set fake_client_nat to auto",
                l2tpsec__sockaddr_text(
                    l2tpsec__transport_local(server->transport, (int)i), text,
                    sizeof(text)));
  }
}

int l2tpsec_server_new(l2tpsec_server **pserver, uv_loop_t *loop,
                       const l2tpsec_server_settings *settings,
                       const l2tpsec_server_callbacks *callbacks,
                       void *user_data) {
  l2tpsec_server *server;
  int rv;

  if (pserver == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  *pserver = NULL;
  if (loop == NULL || settings == NULL || callbacks == NULL ||
      callbacks->auth_request == NULL || settings->listen_address_count == 0)
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  server = calloc(1, sizeof(*server));
  if (server == NULL)
    return L2TPSEC_ERR_NOMEM;
  server->loop = loop;
  server->callbacks = *callbacks;
  server->user_data = user_data;

  rv = start(server, settings);
  if (rv != 0) {
    l2tpsec_server_del(server);
    return rv;
  }
  L2TPSEC_LOG(&server->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_UV,
              "server started: IKE on port %u, NAT-T on port %u, TUN '%s'",
              settings->ike_port, settings->natt_port, server->tun_name);
  warn_no_raw_esp(server, settings->fake_client_nat);
  if (settings->allow_plain_l2tp)
    L2TPSEC_LOG(&server->log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_UV,
                "accepting plain L2TP without IPsec on UDP port %u: its "
                "traffic is not encrypted; turn allow_plain_l2tp off unless "
                "a router needs it",
                settings->l2tp_port);
  *pserver = server;
  return 0;
}

static void free_server(l2tpsec_server *server) {
  l2tpsec__server_layers_free(server);
  if (server->psk != NULL) {
    l2tpsec_wipe(server->psk, server->psk_len);
    free(server->psk);
  }
  l2tpsec__addr_pool_del(server->pool);
  l2tpsec__server_named_pools_free(server);
  free(server);
}

/* The timer's data field belongs to the loop timer, so the server is
 * found from the handle's address instead. */
static void on_handle_closed(uv_handle_t *handle) {
  l2tpsec_server *server = handle->data;

  if (handle->type == UV_TIMER)
    server = (l2tpsec_server *)((char *)handle -
                                offsetof(l2tpsec_server, timer.handle));
  if (--server->pending_closes == 0)
    free_server(server);
}

void l2tpsec_server_del(l2tpsec_server *server) {
  if (server == NULL)
    return;

  l2tpsec__transport_close(server->transport);
  server->transport = NULL;
  server->pending_closes = server->tun_polling + server->timer_open;
  if (server->tun_polling)
    uv_close((uv_handle_t *)&server->tun_poll, on_handle_closed);
  if (server->tun_owned)
    close(server->tun_fd);
  if (server->timer_open)
    l2tpsec__loop_timer_close(&server->timer, on_handle_closed);
  if (server->pending_closes == 0)
    free_server(server);
}

/* Copies the drops that the ESP table and the L2TP endpoint count. */
static void add_layer_drops(const l2tpsec_server *server,
                            l2tpsec_server_stats *stats) {
  l2tpsec_esp_table_stats esp = {0};
  l2tpsec_l2tp_stats l2tp = {0};

  if (server->esp != NULL)
    l2tpsec_esp_table_stats_get(server->esp, &esp);
  if (server->l2tp != NULL)
    l2tpsec_l2tp_get_stats(server->l2tp, &l2tp);
  stats->esp_unknown_spi = esp.unknown_spi;
  if (server->ike != NULL)
    l2tpsec_ike_get_stats(server->ike, &stats->ike);
  stats->l2tp_malformed = l2tp.rx_malformed + l2tp.rx_bad_version;
}

void l2tpsec_server_stats_get(const l2tpsec_server *server,
                              l2tpsec_server_stats *stats) {
  const l2tpsec__transport_stats *ts =
      server->transport ? l2tpsec__transport_stats_get(server->transport)
                        : NULL;

  *stats = server->stats;
  add_layer_drops(server, stats);
  stats->connections = server->conns.buckets ? server->conns.count : 0;
  stats->nat_keepalives = ts ? ts->keepalives : 0;
  stats->addresses_leased =
      server->pool ? l2tpsec__addr_pool_leased(server->pool) : 0;
  stats->addresses_leased += l2tpsec__server_named_leased(server);
}

const char *l2tpsec_server_tun_name(const l2tpsec_server *server) {
  return server->tun_name;
}

int l2tpsec_server_check_range(const char *range) {
  l2tpsec__addr_range parsed;

  if (range == NULL || l2tpsec__addr_range_parse(range, &parsed) != 0)
    return L2TPSEC_ERR_CONFIG;
  if ((uint64_t)parsed.last - parsed.first + 1 > L2TPSEC__ADDR_POOL_MAX)
    return L2TPSEC_ERR_CONFIG;
  return 0;
}
