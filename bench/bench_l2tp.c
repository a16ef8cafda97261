/*
 * L2TP layer benchmark. Prints one JSON object per line, each figure
 * beside an anchor measured in the same run:
 *   - data messages per second, encapsulate (LAC session_send) plus
 *     decapsulate (LNS input) of 1400-byte frames, against memcpy of the
 *     same frames;
 *   - control-channel setups per second (tunnel and one session up,
 *     then torn down), against memcpy of the bytes those exchanges
 *     carry;
 *   - heap bytes per idle tunnel and per session with 10,000 sessions
 *     open on an LNS, against one 2048-byte packet buffer.
 *
 *   bench_l2tp [SECONDS]   time per measurement (default 0.5)
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "l2tp/bytes.h"
#include "l2tp/internal.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/l2tp.h"

#define FRAME_LEN 1400
#define QUEUE_MAX 64

static double seconds(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Two endpoints joined by a small queue (control) or directly (data). */
struct pair {
  l2tpsec_l2tp *ep[2]; /* 0 = LAC, 1 = LNS */
  l2tpsec_rand_test_state rand[2];
  uint8_t queue[QUEUE_MAX][1500];
  size_t queue_len[QUEUE_MAX];
  int queue_to[QUEUE_MAX];
  int queued;
  bool direct; /* data phase: hand datagrams straight to the peer */
  uint64_t frames, bytes_moved;
  uint16_t lac_tunnel, lac_session, lns_session;
  bool tunnel_up, session_up;
  l2tpsec_tstamp now;
};

static struct pair *the_pair;

static int pair_send(void *user_data, uint64_t transport, l2tpsec_pkt *pkt) {
  struct pair *p = the_pair;
  int to = user_data == p->ep[0] ? 1 : 0;

  (void)transport;
  p->bytes_moved += pkt->len;
  if (p->direct)
    return l2tpsec_l2tp_input(p->ep[to], 1, pkt->data, pkt->len, p->now);
  if (p->queued >= QUEUE_MAX || pkt->len > 1500)
    return L2TPSEC_ERR_NOBUFS;
  memcpy(p->queue[p->queued], pkt->data, pkt->len);
  p->queue_len[p->queued] = pkt->len;
  p->queue_to[p->queued] = to;
  p->queued++;
  return 0;
}

static int lac_send(void *u, uint64_t t, l2tpsec_pkt *pkt) {
  return pair_send(the_pair->ep[0], t, pkt);
}

static int lns_send(void *u, uint64_t t, l2tpsec_pkt *pkt) {
  return pair_send(the_pair->ep[1], t, pkt);
}

static void on_recv(void *u, uint16_t tid, uint16_t sid, const uint8_t *frame,
                    size_t len) {
  the_pair->frames++;
}

static void on_event(void *u, const l2tpsec_l2tp_event *ev) {
  struct pair *p = the_pair;

  if (ev->type == L2TPSEC_L2TP_TUNNEL_UP && u == (void *)0)
    p->tunnel_up = true;
  if (ev->type == L2TPSEC_L2TP_SESSION_UP && u == (void *)1) {
    p->session_up = true;
    p->lns_session = ev->session_id;
  }
}

static void pump(struct pair *p) {
  while (p->queued > 0) {
    int i = --p->queued;
    uint8_t buf[1500];
    size_t len = p->queue_len[i];
    int to = p->queue_to[i];

    memcpy(buf, p->queue[i], len);
    l2tpsec_l2tp_input(p->ep[to], 1, buf, len, p->now);
  }
}

static void pair_new(struct pair *p, bool sequencing) {
  l2tpsec_l2tp_callbacks lac_cb = {lac_send, on_recv, on_event};
  l2tpsec_l2tp_callbacks lns_cb = {lns_send, on_recv, on_event};
  l2tpsec_l2tp_settings s;

  memset(p, 0, sizeof(*p));
  the_pair = p;
  l2tpsec_l2tp_settings_default(&s);
  s.role = L2TPSEC_L2TP_LAC;
  s.data_sequencing = sequencing;
  s.data_length_bit = sequencing;
  s.rand = l2tpsec_rand_test(&p->rand[0], 1);
  s.max_tunnels = 65000;
  if (l2tpsec_l2tp_new(&p->ep[0], &s, &lac_cb, (void *)0) != 0)
    abort();
  s.role = L2TPSEC_L2TP_LNS;
  s.rand = l2tpsec_rand_test(&p->rand[1], 2);
  if (l2tpsec_l2tp_new(&p->ep[1], &s, &lns_cb, (void *)1) != 0)
    abort();
}

/* Tunnel and one session up; returns false if they did not come up. */
static bool pair_connect(struct pair *p) {
  p->tunnel_up = p->session_up = false;
  if (l2tpsec_l2tp_tunnel_open(p->ep[0], 1, &p->lac_tunnel, p->now) != 0)
    return false;
  pump(p);
  if (!p->tunnel_up ||
      l2tpsec_l2tp_session_open(p->ep[0], p->lac_tunnel, &p->lac_session,
                                p->now) != 0)
    return false;
  pump(p);
  return p->session_up;
}

static void pair_free(struct pair *p) {
  l2tpsec_l2tp_del(p->ep[0]);
  l2tpsec_l2tp_del(p->ep[1]);
}

/* 1400-byte frames from LAC to LNS through both L2TP paths. */
static double bench_data(double budget, bool sequencing, double *anchor) {
  static uint8_t storage[64 + FRAME_LEN], copy[FRAME_LEN];
  struct pair p;
  l2tpsec_pkt pkt;
  double start, l2tp_time, copy_time;
  long frames = 0;

  pair_new(&p, sequencing);
  if (!pair_connect(&p)) {
    fprintf(stderr, "bench_l2tp: tunnel setup failed\n");
    exit(1);
  }
  p.direct = true;
  memset(storage, 0x5a, sizeof(storage));
  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 64);

  start = seconds();
  do {
    for (int i = 0; i < 10000; i++) {
      l2tpsec_pkt_reset(&pkt, 64);
      l2tpsec_pkt_put(&pkt, FRAME_LEN);
      l2tpsec_l2tp_session_send(p.ep[0], p.lac_tunnel, p.lac_session, &pkt,
                                p.now);
    }
    frames += 10000;
    l2tp_time = seconds() - start;
  } while (l2tp_time < budget);
  if (p.frames != (uint64_t)frames) {
    fprintf(stderr, "bench_l2tp: %llu of %ld frames arrived\n",
            (unsigned long long)p.frames, frames);
    exit(1);
  }

  /* Anchor: copying each frame once, as a layer that copies would. */
  start = seconds();
  for (long i = 0; i < frames; i++) {
    storage[64 + (i & 63)] = (uint8_t)i;
    memcpy(copy, storage + 64, FRAME_LEN);
    __asm__ volatile("" : : "r"(copy) : "memory");
  }
  copy_time = seconds() - start;
  pair_free(&p);
  *anchor = (double)frames / copy_time;
  return (double)frames / l2tp_time;
}

static double bench_setups(double budget, double *anchor,
                           uint64_t *setup_bytes) {
  static uint8_t from[4096], to[4096];
  struct pair p;
  double start, l2tp_time = 0, copy_time;
  uint64_t bytes;
  long setups = 0;

  pair_new(&p, false);
  start = seconds();
  for (long i = 0; l2tp_time < budget; i++) {
    if (!pair_connect(&p)) {
      fprintf(stderr, "bench_l2tp: setup %ld failed\n", i);
      exit(1);
    }
    l2tpsec_l2tp_tunnel_close(p.ep[0], p.lac_tunnel, 1, p.now);
    pump(&p);
    /* 10 ms a setup: closed tunnels linger for 31 s of this clock. */
    p.now += 10 * L2TPSEC_MILLISECONDS;
    if (i % 1000 == 999) {
      l2tpsec_l2tp_handle_timeout(p.ep[0], p.now);
      l2tpsec_l2tp_handle_timeout(p.ep[1], p.now);
    }
    setups++;
    if (i % 100 == 99)
      l2tp_time = seconds() - start;
  }
  l2tp_time = seconds() - start;
  if (l2tpsec_l2tp_tunnel_count(p.ep[0]) != 0) {
    fprintf(stderr, "bench_l2tp: tunnels left after teardown\n");
    exit(1);
  }
  bytes = p.bytes_moved / (uint64_t)setups;

  /* Anchor: copying the bytes one setup exchanges. */
  start = seconds();
  for (long i = 0; i < setups; i++) {
    from[i & 255] = (uint8_t)i;
    memcpy(to, from, bytes < sizeof(to) ? bytes : sizeof(to));
    __asm__ volatile("" : : "r"(to) : "memory");
  }
  copy_time = seconds() - start;
  pair_free(&p);
  *setup_bytes = bytes;
  *anchor = (double)setups / copy_time;
  return (double)setups / l2tp_time;
}

static size_t heap_in_use(void) {
  struct mallinfo2 mi = mallinfo2();

  return mi.uordblks + mi.hblkhd;
}

/* Bytes the LNS allocates per idle tunnel and per session. */
static void bench_memory(int tunnels, int sessions_per_tunnel,
                         double *per_tunnel, double *per_session) {
  struct pair p;
  size_t before, after_tunnels, after_sessions;
  uint16_t *ids = calloc((size_t)tunnels, sizeof(*ids));

  pair_new(&p, false);
  before = heap_in_use();
  for (int i = 0; i < tunnels; i++) {
    p.tunnel_up = false;
    l2tpsec_l2tp_tunnel_open(p.ep[0], 1, &ids[i], p.now);
    pump(&p);
    if (!p.tunnel_up)
      exit(1);
  }
  after_tunnels = heap_in_use();
  for (int i = 0; i < tunnels; i++)
    for (int j = 0; j < sessions_per_tunnel; j++) {
      uint16_t sid;

      p.session_up = false;
      l2tpsec_l2tp_session_open(p.ep[0], ids[i], &sid, p.now);
      pump(&p);
      if (!p.session_up)
        exit(1);
    }
  after_sessions = heap_in_use();
  if (l2tpsec_l2tp_session_count(p.ep[1]) !=
      (size_t)tunnels * (size_t)sessions_per_tunnel)
    exit(1);
  /* Both ends live in this process and keep alike state, so half of
   * the growth is the LNS's. */
  *per_tunnel = (double)(after_tunnels - before) / 2.0 / tunnels;
  *per_session = (double)(after_sessions - after_tunnels) / 2.0 /
                 ((double)tunnels * sessions_per_tunnel);
  pair_free(&p);
  free(ids);
}

static void print_data(const char *figure, double rate, double anchor) {
  printf("{\"bench\":\"l2tp\",\"figure\":\"%s\",\"frame_bytes\":%d,"
         "\"frames_per_s\":%.0f,\"anchor\":\"memcpy of each frame\","
         "\"anchor_frames_per_s\":%.0f,\"ratio\":%.3f}\n",
         figure, FRAME_LEN, rate, anchor, rate / anchor);
}

int main(int argc, char **argv) {
  double budget = argc > 1 ? atof(argv[1]) : 0.5;
  double rate, anchor, per_tunnel, per_session;
  uint64_t setup_bytes;

  if (budget <= 0) {
    fprintf(stderr, "usage: bench_l2tp [SECONDS > 0]\n");
    return 2;
  }
  rate = bench_data(budget, false, &anchor);
  print_data("data send+receive, no L/S bits", rate, anchor);
  rate = bench_data(budget, true, &anchor);
  print_data("data send+receive, L and S bits", rate, anchor);

  rate = bench_setups(budget, &anchor, &setup_bytes);
  printf("{\"bench\":\"l2tp\",\"figure\":\"tunnel+session setup and "
         "teardown\",\"per_s\":%.0f,\"bytes_exchanged\":%llu,"
         "\"anchor\":\"memcpy of those bytes\",\"anchor_per_s\":%.0f,"
         "\"ratio\":%.5f}\n",
         rate, (unsigned long long)setup_bytes, anchor, rate / anchor);

  bench_memory(10, 1000, &per_tunnel, &per_session);
  printf("{\"bench\":\"l2tp\",\"figure\":\"memory per session, 10,000 "
         "sessions\",\"bytes\":%.0f,\"anchor\":\"2048-byte packet buffer\","
         "\"ratio\":%.3f}\n",
         per_session, per_session / 2048);
  bench_memory(1000, 0, &per_tunnel, &per_session);
  printf("{\"bench\":\"l2tp\",\"figure\":\"memory per idle tunnel, 1,000 "
         "tunnels\",\"bytes\":%.0f,\"anchor\":\"2048-byte packet buffer\","
         "\"ratio\":%.3f}\n",
         per_tunnel, per_tunnel / 2048);
  return 0;
}
