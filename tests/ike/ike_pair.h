/*
 * A client and a server l2tpsec_ike back to back in memory, optionally
 * through a NAT, with a stand-in for the ESP layer. Each side sends one
 * data packet per second under the pair it installed last. The receiver
 * accepts it when it still has a pair, or the inbound half of one, with
 * that inbound SPI, as an ESP layer that follows the child_sa_inbound,
 * child_sa_up and child_sa_down callbacks would.
 */
#ifndef L2TPSEC_TESTS_IKE_PAIR_H
#define L2TPSEC_TESTS_IKE_PAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike_internal.h"
#include "l2tpsec/ike.h"

#define MAX_QUEUE 256
#define MAX_PAIRS 64

/* Addresses from the documentation ranges. */
extern const l2tpsec_ike_endpoint client_private, server_addr;
/* What the client connects to when the server sits behind a NAT. */
extern const l2tpsec_ike_endpoint server_public;

/* A datagram on the wire: IKE bytes, or a data packet (len 0) that
 * carries only its SPI. */
typedef struct packet {
  l2tpsec_ike_endpoint from, to;
  uint8_t data[4096];
  size_t len;
  uint32_t spi;
} packet;

typedef struct pair {
  l2tpsec_ike_child_sa sa;
  bool live;
  bool inbound_only; /* child_sa_inbound, no child_sa_up yet */
  enum l2tpsec_ike_down_reason reason;
} pair;

struct net;

typedef struct side {
  struct net *net;
  l2tpsec_ike *ike;
  bool is_client;
  pair pairs[MAX_PAIRS];
  size_t n_pairs;
  size_t newest; /* index of the pair installed last */
  unsigned max_live;
  unsigned ike_up, ike_down, rekeyed_down, children_down;
  unsigned data_received, data_lost, data_unsent;
  unsigned ike_sent; /* IKE datagrams, lost ones included */
  unsigned keepalives;
  l2tpsec_ike_endpoint keepalive_from, keepalive_to;
} side;

typedef struct net {
  side client, server;
  bool nat;
  bool server_nat; /* the server's address is server_public outside */
  packet *queue;   /* MAX_QUEUE entries, oldest first */
  size_t n;
  l2tpsec_tstamp now;
  l2tpsec_tstamp next_data; /* NEVER while no traffic runs */
  unsigned ike_sent;        /* IKE datagrams, both directions */
  unsigned drop_base;       /* drop_mask counts from this datagram */
  uint64_t drop_mask;
  bool blackhole;
  bool reject_inbound; /* child_sa_inbound fails, as without the callback */
  l2tpsec_rand_test_state rand_state[2];
} net;

/* Callbacks that send nothing and accept every child SA, for an object
 * that a test only creates. */
extern const l2tpsec_ike_callbacks ignore_callbacks;

/* Defaults for side `which` (0 client, 1 server): a test PSK, a seeded
 * random source, DPD off, and the IKE log on stderr when IKE_PAIR_LOG is
 * set. */
void base_settings(l2tpsec_ike_settings *s, net *n, int which);
/* Creates both sides and sends the client's first message. */
void begin(net *n, const l2tpsec_ike_settings *cs,
           const l2tpsec_ike_settings *ss, bool nat);
/* begin(), with a NAT in front of the client (nat), of the server
 * (server_nat), of both or of neither. */
void begin_nat(net *n, const l2tpsec_ike_settings *cs,
               const l2tpsec_ike_settings *ss, bool nat, bool server_nat);
/* begin(), then 5 s for the SAs to come up, then data traffic starts. */
void start(net *n, const l2tpsec_ike_settings *cs,
           const l2tpsec_ike_settings *ss, bool nat);
/* Runs the network for `span`; time jumps to each timer or data tick. */
void run(net *n, l2tpsec_duration span);
void finish(net *n);
l2tpsec_ike_stats stats_of(const side *s);
/* Both sides installed the same pairs, mirrored, in the same order. */
void expect_mirrored_pairs(const net *n);
/* Every pair before the last two ended by running out, the one before
 * the newest may still run out its lifetime, and the newest is live. */
void expect_old_pairs_expired(const side *s);
void expect_no_data_lost(const net *n, unsigned seconds);

#endif
