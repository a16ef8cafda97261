/*
 * The outer sockets of an IPsec endpoint on a libuv loop: UDP for IKE
 * (port 500) and NAT-T (port 4500, IKE and ESP demultiplexed per RFC 3948),
 * optionally UDP for L2TP without IPsec (port 1701), and a raw IP
 * protocol 50 socket for ESP without UDP encapsulation, for every listen
 * address, IPv4 and IPv6.
 */
#ifndef L2TPSEC_UV_TRANSPORT_H
#define L2TPSEC_UV_TRANSPORT_H

#include <stdbool.h>
#include <sys/socket.h>
#include <uv.h>

#include "l2tpsec/log.h"

/* Content of a received datagram, by port and RFC 3948 demultiplexing. */
enum l2tpsec__rx_kind {
  L2TPSEC__RX_IKE,      /* an IKE message, non-ESP marker removed */
  L2TPSEC__RX_ESP_UDP,  /* ESP encapsulated in UDP (RFC 3948) */
  L2TPSEC__RX_ESP_RAW,  /* ESP as IP protocol 50, outer header removed */
  L2TPSEC__RX_L2TP_UDP, /* L2TP over plain UDP, without IPsec */
  L2TPSEC__RX_KIND_COUNT
};

/* One socket's local address and the kind of traffic it carries. */
typedef struct l2tpsec__endpoint {
  struct sockaddr_storage local;
  uint16_t port; /* 0 for the raw ESP socket */
  int index;     /* position in the transport's socket list */
} l2tpsec__endpoint;

/*
 * Delivers one received datagram. `data` is valid only during the call;
 * `peer` includes the source port (0 for raw ESP).
 */
typedef void (*l2tpsec__rx_fn)(void *user_data, enum l2tpsec__rx_kind kind,
                               const l2tpsec__endpoint *endpoint,
                               const struct sockaddr *peer, const uint8_t *data,
                               size_t len);

typedef struct l2tpsec__transport_settings {
  const char *const *addresses; /* numeric IPv4 or IPv6 listen addresses */
  size_t address_count;
  uint16_t ike_port;  /* 500 unless a test needs an unprivileged port */
  uint16_t natt_port; /* 4500 */
  uint16_t l2tp_port; /* 0: no plain L2TP socket; else usually 1701 */
  bool raw_esp;       /* try a raw protocol 50 socket per address */
  l2tpsec_log log;
  /* Optional: called when the outermost batch is about to end, before
   * its datagrams are sent, so the owner can do per-batch work such as
   * decrypting the batch or re-arming timers once in place of once per
   * datagram. l2tpsec__transport_batching is still true there. */
  void (*batch_end)(void *user_data);
} l2tpsec__transport_settings;

/* Datagrams the transport dropped before delivery, by reason. */
typedef struct l2tpsec__transport_stats {
  uint64_t rx[L2TPSEC__RX_KIND_COUNT];
  uint64_t keepalives;   /* NAT-keepalives on the NAT-T port */
  uint64_t invalid_natt; /* too short for IKE or ESP on the NAT-T port */
  uint64_t invalid_raw;  /* raw ESP with a bad outer IPv4 header */
  uint64_t recv_errors;
  uint64_t send_errors; /* includes drops because a socket buffer was full */
} l2tpsec__transport_stats;

typedef struct l2tpsec__transport l2tpsec__transport;

/* Fills the settings with ports 500, 4500, no plain L2TP, raw ESP on. */
void l2tpsec__transport_settings_default(l2tpsec__transport_settings *s);

/*
 * Opens and binds every socket and starts receiving. When a raw ESP
 * socket cannot be opened (no CAP_NET_RAW), it logs a notice and carries
 * ESP only over UDP encapsulation. Returns L2TPSEC_ERR_CONFIG for an
 * address that is not numeric, L2TPSEC_ERR_IO when a UDP socket cannot
 * be bound (the log line names the address, port and reason),
 * L2TPSEC_ERR_NOMEM.
 */
int l2tpsec__transport_new(l2tpsec__transport **ptransport, uv_loop_t *loop,
                           const l2tpsec__transport_settings *settings,
                           l2tpsec__rx_fn rx, void *user_data);

/*
 * Closes every socket and frees the transport once libuv has released
 * them, during a later turn of the loop. Accepts NULL.
 */
void l2tpsec__transport_close(l2tpsec__transport *transport);

/*
 * Sends one message of `kind` from the socket of `endpoint_index` that
 * carries that kind to `peer`, adding the non-ESP marker for IKE on the
 * NAT-T port when `natt` is set. Never blocks: a full socket buffer drops
 * the message. Inside a batch, ESP is queued and a send error shows only
 * in the statistics. Returns L2TPSEC_ERR_NOT_FOUND when the endpoint has no
 * such socket, L2TPSEC_ERR_IO when the send fails.
 */
int l2tpsec__transport_send(l2tpsec__transport *transport,
                            enum l2tpsec__rx_kind kind, int endpoint_index,
                            bool natt, const struct sockaddr *peer,
                            const uint8_t *data, size_t len);

/*
 * Opens a batch: until the matching l2tpsec__transport_batch_end, ESP
 * datagrams passed to l2tpsec__transport_send are queued and then sent
 * with one sendmmsg(2) call per socket. IKE and plain L2TP still go out
 * at once. Batches nest. The transport opens one itself around the
 * datagrams of one receive call, so replies to them are batched too.
 */
void l2tpsec__transport_batch_begin(l2tpsec__transport *transport);

/* Closes a batch. Closing the outermost one calls the batch_end setting,
 * then sends what was queued. A full socket buffer drops datagrams,
 * counted in send_errors. */
void l2tpsec__transport_batch_end(l2tpsec__transport *transport);

/* Returns whether a batch is open. */
bool l2tpsec__transport_batching(const l2tpsec__transport *transport);

/* Returns the number of listen addresses (endpoint indexes 0 to n-1). */
size_t l2tpsec__transport_endpoint_count(const l2tpsec__transport *transport);

/* Returns the listen address of an endpoint (port 0), or NULL. */
const struct sockaddr *
l2tpsec__transport_local(const l2tpsec__transport *transport,
                         int endpoint_index);

/* Returns whether the endpoint has a working raw ESP socket. */
bool l2tpsec__transport_has_raw_esp(const l2tpsec__transport *transport,
                                    int endpoint_index);

const l2tpsec__transport_stats *
l2tpsec__transport_stats_get(const l2tpsec__transport *transport);

#endif
