/* In-memory network for L2TP endpoints; see harness.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static uint64_t next_random(struct net *net) {
  /* splitmix64: enough for picking losses and delays. */
  uint64_t z = (net->rng += 0x9e3779b97f4a7c15ull);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static bool chance(struct net *net, int pct) {
  return pct > 0 && (int)(next_random(net) % 100) < pct;
}

static void enqueue(struct net *net, int to, uint64_t transport,
                    const uint8_t *data, size_t len, l2tpsec_duration delay) {
  struct queued *q;

  if (net->queued >= NET_MAX_QUEUE || len > sizeof(q->data)) {
    net->dropped++;
    return;
  }
  q = &net->queue[net->queued++];
  q->at = net->now + delay;
  q->to = to;
  q->transport = transport;
  q->len = len;
  memcpy(q->data, data, len);
}

static int on_send(void *user_data, uint64_t transport, l2tpsec_pkt *pkt) {
  struct node *n = user_data;
  struct net *net = n->net;

  n->sent++;
  for (int i = 0; i < net->route_count; i++) {
    struct route *r = &net->routes[i];
    l2tpsec_duration delay = net->latency;

    if (r->from != n->index || r->transport != transport)
      continue;
    if (chance(net, net->loss_pct)) {
      net->dropped++;
      return 0;
    }
    if (chance(net, net->reorder_pct))
      delay += net->latency * (1 + next_random(net) % 4);
    enqueue(net, r->to, r->arrive_transport, pkt->data, pkt->len, delay);
    if (chance(net, net->dup_pct))
      enqueue(net, r->to, r->arrive_transport, pkt->data, pkt->len,
              delay + net->latency);
    return 0;
  }
  net->dropped++;
  return 0;
}

static void on_recv(void *user_data, uint16_t tunnel_id, uint16_t session_id,
                    const uint8_t *frame, size_t len) {
  struct node *n = user_data;

  n->frames++;
  /* Test frames: tag, seq (2 bytes), then `len - 3` bytes equal to tag. */
  if (len < 3) {
    n->frames_bad++;
    return;
  }
  for (size_t i = 3; i < len; i++)
    if (frame[i] != frame[0]) {
      n->frames_bad++;
      return;
    }
}

static void on_event(void *user_data, const l2tpsec_l2tp_event *ev) {
  struct node *n = user_data;

  if (n->event_count < NET_MAX_EVENTS) {
    int i = n->event_count++;

    n->events[i] = *ev;
    snprintf(n->event_messages[i], sizeof(n->event_messages[i]), "%s",
             ev->message);
    n->events[i].message = n->event_messages[i];
    n->events[i].peer_host_name = "";
  }
  if (n->on_event != NULL)
    n->on_event(n, ev);
}

void net_init(struct net *net, uint64_t seed) {
  memset(net, 0, sizeof(*net));
  net->queue = calloc(NET_MAX_QUEUE, sizeof(*net->queue));
  net->rng = seed;
  net->latency = 10 * L2TPSEC_MILLISECONDS;
  net->now = 1 * L2TPSEC_SECONDS;
}

void net_free(struct net *net) {
  for (int i = 0; i < net->node_count; i++)
    l2tpsec_l2tp_del(net->nodes[i].ep);
  free(net->queue);
}

static void print_log(void *user_data, enum l2tpsec_log_level level,
                      enum l2tpsec_log_category category,
                      const char *message) {
  fprintf(stderr, "[%s] %s\n", (const char *)user_data, message);
}

void net_settings(struct net *net, l2tpsec_l2tp_settings *s,
                  enum l2tpsec_l2tp_role role, uint64_t seed) {
  struct node *n = &net->nodes[net->node_count];

  l2tpsec_l2tp_settings_default(s);
  s->role = role;
  s->host_name = role == L2TPSEC_L2TP_LAC ? "lac.test" : "lns.test";
  s->rand = l2tpsec_rand_test(&n->rand_state, seed);
  /* L2TP_TEST_LOG=1 prints every endpoint's log while debugging. */
  if (getenv("L2TP_TEST_LOG") != NULL) {
    s->log.fn = print_log;
    s->log.user_data = (void *)(uintptr_t)s->host_name;
    s->log.max_level = L2TPSEC_LOG_DEBUG;
  }
}

int net_add_node(struct net *net, l2tpsec_l2tp_settings *settings) {
  int i = net->node_count++;
  struct node *n = &net->nodes[i];
  l2tpsec_l2tp_callbacks cb = {on_send, on_recv, on_event};

  n->net = net;
  n->index = i;
  if (l2tpsec_l2tp_new(&n->ep, settings, &cb, n) != 0) {
    fprintf(stderr, "harness: l2tpsec_l2tp_new failed\n");
    abort();
  }
  return i;
}

void net_route(struct net *net, int from, uint64_t transport, int to,
               uint64_t arrive_transport) {
  struct route *r = &net->routes[net->route_count++];

  r->from = from;
  r->transport = transport;
  r->to = to;
  r->arrive_transport = arrive_transport;
}

int net_inject(struct net *net, int to, uint64_t transport,
               const uint8_t *data, size_t len) {
  return l2tpsec_l2tp_input(net->nodes[to].ep, transport, data, len,
                            net->now);
}

static int earliest_packet(const struct net *net) {
  int best = -1;

  for (int i = 0; i < net->queued; i++)
    if (best < 0 || net->queue[i].at < net->queue[best].at)
      best = i;
  return best;
}

static void deliver(struct net *net, int i) {
  struct queued q = net->queue[i];
  struct node *n = &net->nodes[q.to];

  net->queue[i] = net->queue[--net->queued];
  if (net->filter != NULL && !net->filter(net, q.to, q.data, q.len))
    return;
  net->delivered++;
  l2tpsec_l2tp_input(n->ep, q.transport, q.data, q.len, net->now);
}

void net_run(struct net *net, l2tpsec_tstamp until,
             bool (*done)(struct net *net)) {
  for (long steps = 0; done == NULL || !done(net); steps++) {
    int p = earliest_packet(net);
    l2tpsec_tstamp next = p >= 0 ? net->queue[p].at : L2TPSEC_TSTAMP_NEVER;
    int timer_node = -1;

    for (int i = 0; i < net->node_count; i++) {
      l2tpsec_tstamp d = l2tpsec_l2tp_next_deadline(net->nodes[i].ep);
      if (d < next) {
        next = d;
        timer_node = i;
      }
    }
    if (steps > 5000000) {
      fprintf(stderr, "harness: no progress at t=%llu ns\n",
              (unsigned long long)net->now);
      abort();
    }
    if (next > until) {
      net->now = until;
      return;
    }
    if (next > net->now)
      net->now = next;
    if (timer_node >= 0)
      l2tpsec_l2tp_handle_timeout(net->nodes[timer_node].ep, net->now);
    else
      deliver(net, p);
  }
}

int node_count_events(const struct node *n, enum l2tpsec_l2tp_event_type t) {
  int count = 0;

  for (int i = 0; i < n->event_count; i++)
    count += n->events[i].type == t;
  return count;
}

const l2tpsec_l2tp_event *node_last_event(const struct node *n,
                                          enum l2tpsec_l2tp_event_type t) {
  for (int i = n->event_count - 1; i >= 0; i--)
    if (n->events[i].type == t)
      return &n->events[i];
  return NULL;
}

int node_send_frame(struct node *n, uint16_t tunnel, uint16_t session,
                    uint8_t tag, uint16_t seq) {
  uint8_t storage[256 + 64];
  l2tpsec_pkt pkt;
  uint8_t *p;

  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 64);
  p = l2tpsec_pkt_put(&pkt, 200);
  memset(p, tag, 200);
  p[1] = (uint8_t)(seq >> 8);
  p[2] = (uint8_t)seq;
  return l2tpsec_l2tp_session_send(n->ep, tunnel, session, &pkt,
                                   n->net->now);
}
