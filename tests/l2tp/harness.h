/*
 * An in-memory network for L2TP endpoints: datagrams travel through a
 * queue with a latency, and may be lost, duplicated or reordered at
 * configured rates. Time is simulated; runs are repeatable for a seed.
 */
#ifndef L2TP_TEST_HARNESS_H
#define L2TP_TEST_HARNESS_H

#include <stdbool.h>

#include "l2tpsec/l2tp.h"

#define NET_MAX_NODES 4
#define NET_MAX_ROUTES 8
#define NET_MAX_QUEUE 8192
#define NET_MAX_EVENTS 256

struct net;

/* Per-node record of what the endpoint reported. */
struct node {
  struct net *net;
  int index;
  l2tpsec_l2tp *ep;
  l2tpsec_rand_test_state rand_state;
  l2tpsec_l2tp_event events[NET_MAX_EVENTS];
  char event_messages[NET_MAX_EVENTS][132];
  int event_count;
  int frames;        /* PPP frames delivered */
  int frames_bad;    /* frames whose content did not match */
  uint64_t sent;     /* datagrams this node sent */
  uint16_t last_frame_seq[8];
  /* Called after each event; may call the endpoint's API. */
  void (*on_event)(struct node *n, const l2tpsec_l2tp_event *ev);
};

/* A datagram sent by `from` on `transport` arrives at `to` as coming
 * from `arrive_transport`. */
struct route {
  int from;
  uint64_t transport;
  int to;
  uint64_t arrive_transport;
};

struct queued {
  l2tpsec_tstamp at;
  int to;
  uint64_t transport;
  size_t len;
  uint8_t data[1600];
};

struct net {
  struct node nodes[NET_MAX_NODES];
  int node_count;
  struct route routes[NET_MAX_ROUTES];
  int route_count;
  struct queued *queue; /* NET_MAX_QUEUE entries */
  int queued;
  l2tpsec_tstamp now;
  l2tpsec_duration latency;
  int loss_pct, dup_pct, reorder_pct;
  uint64_t rng;
  uint64_t delivered, dropped;
  /* When set, is called with every datagram first and returns false to
   * drop it. */
  bool (*filter)(struct net *net, int to, const uint8_t *data, size_t len);
  void *filter_data;
};

void net_init(struct net *net, uint64_t seed);
void net_free(struct net *net);

/* Creates an endpoint on a new node; returns its index. */
int net_add_node(struct net *net, l2tpsec_l2tp_settings *settings);
void net_route(struct net *net, int from, uint64_t transport, int to,
               uint64_t arrive_transport);

/* Runs until `until` or until done(net) returns true. */
void net_run(struct net *net, l2tpsec_tstamp until,
             bool (*done)(struct net *net));

/* Settings with a test random source seeded per node. */
void net_settings(struct net *net, l2tpsec_l2tp_settings *s,
                  enum l2tpsec_l2tp_role role, uint64_t seed);

/* Counts events of a type at a node. */
int node_count_events(const struct node *n, enum l2tpsec_l2tp_event_type t);
const l2tpsec_l2tp_event *node_last_event(const struct node *n,
                                          enum l2tpsec_l2tp_event_type t);

/* Sends a test frame (session index i, sequence seq) on a session. */
int node_send_frame(struct node *n, uint16_t tunnel, uint16_t session,
                    uint8_t tag, uint16_t seq);

/* Injects raw bytes into a node as if from `transport`. */
int net_inject(struct net *net, int to, uint64_t transport,
               const uint8_t *data, size_t len);

#endif
