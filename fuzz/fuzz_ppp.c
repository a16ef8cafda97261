/*
 * libFuzzer harness for the PPP server state machine. A real client
 * first drives the server to a chosen state (LCP negotiating,
 * authentication pending, network phase, each with PAP,
 * CHAP-MD5 or MS-CHAPv2), then the fuzzer's frames reach the server.
 *
 * Two input forms:
 *   - a raw PPP frame (as fuzz/seeds.sh extracts from captures), which is
 *     fed to the server in every state in turn;
 *   - 00 00 [state] { [control] [length] [frame bytes...] }*, a script of
 *     frames, where each control byte advances the clock and may
 *     complete a pending authentication.
 */
#include <stdint.h>
#include <string.h>

#include "l2tpsec/l2tpsec.h"
#include "l2tpsec/ppp.h"

struct end {
  l2tpsec_ppp *ppp;
  int to;
};

struct link {
  struct end end[2];
  uint8_t queue[64][1600];
  size_t queue_len[64];
  int queue_to[64];
  int queued;
  bool deliver_to_client;
  const l2tpsec_auth_request *pending;
  bool defer;
  l2tpsec_rand_test_state rng[2];
};

static struct link *current;

static void send_frame(void *user_data, l2tpsec_pkt *frame) {
  struct end *e = user_data;

  if (current->queued >= 64 || frame->len > 1600)
    return;
  if (e->to == 1 && !current->deliver_to_client)
    return;
  memcpy(current->queue[current->queued], frame->data, frame->len);
  current->queue_len[current->queued] = frame->len;
  current->queue_to[current->queued] = e->to;
  current->queued++;
}

static void deliver_ip(void *user_data, l2tpsec_pkt *packet) {
  (void)user_data;
  (void)packet;
}

static void auth_request(void *user_data, const l2tpsec_auth_request *req) {
  l2tpsec_auth_result r = {.accept = true, .has_auth_response = true};

  (void)user_data;
  if (current->defer) {
    current->pending = req;
    return;
  }
  l2tpsec_auth_check_secret(req, (const uint8_t *)"pw", 2, r.auth_response);
  l2tpsec_auth_complete(req, &r, req->now);
}

static void auth_cancel(void *user_data, const l2tpsec_auth_request *req) {
  (void)user_data;
  if (current->pending == req)
    current->pending = NULL;
}

static int address_request(void *user_data,
                           const l2tpsec_ppp_address_request *req,
                           uint8_t address[4]) {
  static const uint8_t a[4] = {198, 51, 100, 20};

  (void)user_data;
  (void)req;
  memcpy(address, a, 4);
  return 0;
}

static void inject(struct end *e, const uint8_t *data, size_t len,
                   l2tpsec_tstamp now) {
  uint8_t storage[128 + 1600];
  l2tpsec_pkt pkt;

  if (e->ppp == NULL || len > 1600)
    return;
  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 128);
  memcpy(l2tpsec_pkt_put(&pkt, len), data, len);
  l2tpsec_ppp_input(e->ppp, &pkt, now);
}

/* Delivers queued frames (to the client only while warming up). */
static void pump(struct link *l, l2tpsec_tstamp now) {
  for (int round = 0; round < 16 && l->queued > 0; round++) {
    int n = l->queued;
    static uint8_t copy[64][1600];
    size_t len[64];
    int to[64];

    memcpy(copy, l->queue, sizeof(copy));
    memcpy(len, l->queue_len, sizeof(len));
    memcpy(to, l->queue_to, sizeof(to));
    l->queued = 0;
    for (int i = 0; i < n; i++)
      inject(&l->end[to[i]], copy[i], len[i], now);
  }
  l->queued = 0;
}

static void setup(struct link *l, uint8_t state) {
  l2tpsec_ppp_callbacks cb = {.send_frame = send_frame,
                              .deliver_ip = deliver_ip,
                              .auth_request = auth_request,
                              .auth_cancel = auth_cancel,
                              .address_request = address_request};
  l2tpsec_ppp_settings s[2];
  static const enum l2tpsec_auth_method methods[3] = {
      L2TPSEC_AUTH_PAP, L2TPSEC_AUTH_CHAP_MD5, L2TPSEC_AUTH_MSCHAPV2};

  for (int i = 0; i < 2; i++) {
    l2tpsec_ppp_settings_default(&s[i], i == 0 ? L2TPSEC_PPP_SERVER
                                               : L2TPSEC_PPP_CLIENT);
    s[i].rand = l2tpsec_rand_test(&l->rng[i], 7 + (uint64_t)i);
    s[i].ipv6 = (state & 0x10) != 0;
    s[i].echo_interval = 10 * L2TPSEC_SECONDS;
    l->end[i].to = 1 - i;
  }
  memset(s[0].methods, 0, sizeof(s[0].methods));
  s[0].methods[0] = methods[(state >> 2) % 3];
  s[0].local_address[0] = 198;
  s[0].local_address[1] = 51;
  s[0].local_address[2] = 100;
  s[0].local_address[3] = 1;
  s[1].user = "user";
  s[1].password = "pw";
  l->defer = (state & 3) == 2;
  l->deliver_to_client = (state & 3) != 0;

  l2tpsec_ppp_new(&l->end[1].ppp, &s[1], &cb, &l->end[1], 0);
  l2tpsec_ppp_new(&l->end[0].ppp, &s[0], &cb, &l->end[0], 0);
  for (int i = 0; i < 8; i++)
    pump(l, 0);
  /* From here on, the fuzzer is the only peer the server hears. */
  l->deliver_to_client = false;
  l->queued = 0;
}

/* Runs a script: frames with clock steps and late decisions. */
static void run_script(const uint8_t *data, size_t size) {
  static struct link link;
  l2tpsec_tstamp now = 0;
  size_t off = 1;

  memset(&link, 0, sizeof(link));
  current = &link;
  setup(&link, data[0]);

  while (off + 2 <= size) {
    uint8_t control = data[off];
    size_t len = data[off + 1];

    off += 2;
    if (len > size - off)
      len = size - off;
    now += (l2tpsec_tstamp)(control & 0x0f) * L2TPSEC_SECONDS;
    if (now >= l2tpsec_ppp_next_deadline(link.end[0].ppp))
      l2tpsec_ppp_handle_timeout(link.end[0].ppp, now);
    if ((control & 0x30) == 0x30 && link.pending != NULL) {
      l2tpsec_auth_result r = {.accept = (control & 0x40) != 0,
                               .has_auth_response = true};
      const l2tpsec_auth_request *req = link.pending;

      link.pending = NULL;
      l2tpsec_auth_complete(req, &r, now);
    }
    inject(&link.end[0], data + off, len, now);
    link.queued = 0;
    off += len;
  }
  l2tpsec_ppp_del(link.end[0].ppp);
  l2tpsec_ppp_del(link.end[1].ppp);
}

/* Feeds one raw frame to the server in each state, then lets its timers
 * run once. */
static void run_frame_in_every_state(const uint8_t *data, size_t size) {
  static struct link link;
  static const uint8_t states[] = {0x00, 0x01, 0x05, 0x09, 0x02,
                                   0x06, 0x0a, 0x03, 0x13};

  for (size_t i = 0; i < sizeof(states); i++) {
    memset(&link, 0, sizeof(link));
    current = &link;
    setup(&link, states[i]);
    inject(&link.end[0], data, size, L2TPSEC_SECONDS);
    l2tpsec_ppp_handle_timeout(link.end[0].ppp, 40 * L2TPSEC_SECONDS);
    l2tpsec_ppp_del(link.end[0].ppp);
    l2tpsec_ppp_del(link.end[1].ppp);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size >= 3 && data[0] == 0 && data[1] == 0)
    run_script(data + 2, size - 2);
  else if (size > 0 && size <= 1600)
    run_frame_in_every_state(data, size);
  return 0;
}
