/*
 * PPP and authentication speed, each beside an anchor measured in the
 * same run. Prints one JSON object per line; bench/run.sh renders them.
 *
 *   bench_ppp [SECONDS]   CPU time per measurement (default 0.5)
 *
 * - ppp_ip: 1400-byte IPv4 packets through an open session, client
 *   send_ip -> frame -> server input -> deliver, as frames per CPU
 *   second. Anchor: HMAC-SHA1 over the same 1400 bytes (what ESP spends
 *   on integrity per packet), so the ratio is how many packet HMACs
 *   one PPP frame costs.
 * - auth_mschapv2_totp: server-side MS-CHAPv2 decisions of the local
 *   authenticator with password+code and a window of 3 steps (±1), the
 *   matching code being the last one tried. Anchor: one MS-CHAPv2
 *   NT-Response from the clear password (MD4 + SHA-1 + 3 DES), the
 *   least work a server holding clear passwords must do per login.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/chap.h"
#include "crypto/crypto.h"
#include "l2tpsec/l2tpsec.h"

#define PACKET_LEN 1400

static double cpu_seconds(void) {
  struct timespec ts;

  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what) {
  fprintf(stderr, "bench_ppp: %s failed\n", what);
  exit(1);
}

/* ---- IP through an open session ----------------------------------------- */

struct pair {
  l2tpsec_ppp *end[2];
  uint64_t delivered;
  bool up[2];
};

static struct pair pair;

/* Frames wait in a queue until pump() hands them to the other end (0 is
 * the server, 1 the client), so no end is re-entered from its own
 * callback. */
static struct {
  int to;
  size_t len;
  uint8_t data[2048];
} queue[64];
static int queued;

static void send_from(int from, l2tpsec_pkt *frame) {
  if (queued == 64 || frame->len > sizeof(queue[0].data))
    die("frame queue");
  queue[queued].to = 1 - from;
  queue[queued].len = frame->len;
  memcpy(queue[queued].data, frame->data, frame->len);
  queued++;
}

static void pump(void) {
  uint8_t storage[128 + 2048];
  l2tpsec_pkt pkt;

  for (int i = 0; i < queued; i++) {
    l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 128);
    memcpy(l2tpsec_pkt_put(&pkt, queue[i].len), queue[i].data, queue[i].len);
    if (pair.end[queue[i].to] != NULL)
      l2tpsec_ppp_input(pair.end[queue[i].to], &pkt, 0);
  }
  queued = 0;
}

static void send_server(void *u, l2tpsec_pkt *f) {
  (void)u;
  send_from(0, f);
}

static void send_client(void *u, l2tpsec_pkt *f) {
  (void)u;
  send_from(1, f);
}

static void deliver(void *u, l2tpsec_pkt *p) {
  (void)u;
  (void)p;
  pair.delivered++;
}

static void on_event(void *u, const l2tpsec_ppp_event *ev) {
  if (ev->type == L2TPSEC_PPP_EVENT_IPCP_UP)
    pair.up[u != NULL] = true;
}

static void accept_all(void *u, const l2tpsec_auth_request *req) {
  l2tpsec_auth_result r = {.accept = true};

  (void)u;
  l2tpsec_auth_complete(req, &r, req->now);
}

static int pool(void *u, const l2tpsec_ppp_address_request *req,
                uint8_t a[4]) {
  static const uint8_t address[4] = {198, 18, 0, 2};

  (void)u;
  (void)req;
  memcpy(a, address, 4);
  return 0;
}

static void open_pair(void) {
  static l2tpsec_rand_test_state rng[2];
  static int client_tag;
  l2tpsec_ppp_callbacks cb = {.deliver_ip = deliver,
                              .event = on_event,
                              .auth_request = accept_all,
                              .address_request = pool};
  l2tpsec_ppp_settings s;

  l2tpsec_ppp_settings_default(&s, L2TPSEC_PPP_CLIENT);
  s.rand = l2tpsec_rand_test(&rng[1], 2);
  cb.send_frame = send_client;
  if (l2tpsec_ppp_new(&pair.end[1], &s, &cb, &client_tag, 0) != 0)
    die("client new");

  l2tpsec_ppp_settings_default(&s, L2TPSEC_PPP_SERVER);
  s.rand = l2tpsec_rand_test(&rng[0], 1);
  memset(s.methods, 0, sizeof(s.methods));
  s.methods[0] = L2TPSEC_AUTH_PAP;
  s.local_address[0] = 198;
  s.local_address[1] = 18;
  s.local_address[3] = 1;
  cb.send_frame = send_server;
  if (l2tpsec_ppp_new(&pair.end[0], &s, &cb, NULL, 0) != 0)
    die("server new");
  for (int round = 0; round < 32 && !(pair.up[0] && pair.up[1]); round++)
    pump();
  if (!pair.up[0] || !pair.up[1])
    die("opening the session");
}

static double measure_ip(double seconds) {
  uint8_t storage[128 + 2048];
  l2tpsec_pkt pkt;
  uint64_t sent = 0;
  double start = cpu_seconds(), elapsed;

  do {
    for (int i = 0; i < 256; i++) {
      l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 128);
      memset(l2tpsec_pkt_put(&pkt, PACKET_LEN), 0, 20);
      pkt.data[0] = 0x45;
      if (l2tpsec_ppp_send_ip(pair.end[1], &pkt, 0) != 0)
        die("send_ip");
      pump();
      sent++;
    }
    elapsed = cpu_seconds() - start;
  } while (elapsed < seconds);
  if (pair.delivered != sent)
    die("delivery");
  return (double)sent / elapsed;
}

static double measure_hmac(double seconds) {
  static uint8_t buf[PACKET_LEN];
  uint8_t key[20] = {1}, mac[L2TPSEC_HASH_MAX];
  l2tpsec__hmac_ctx *ctx;
  uint64_t n = 0;
  double start = cpu_seconds(), elapsed;

  if (l2tpsec__hmac_new(&ctx, L2TPSEC_HASH_SHA1, key, 20) != 0)
    die("hmac_new");
  do {
    for (int i = 0; i < 256; i++, n++)
      if (l2tpsec__hmac_start(ctx) != 0 ||
          l2tpsec__hmac_update(ctx, buf, PACKET_LEN) != 0 ||
          l2tpsec__hmac_finish(ctx, mac) != 0)
        die("hmac");
    elapsed = cpu_seconds() - start;
  } while (elapsed < seconds);
  l2tpsec__hmac_del(ctx);
  return (double)n / elapsed;
}

/* ---- MS-CHAPv2 + TOTP decisions ---------------------------------------- */

static const uint8_t totp_key[20] = "12345678901234567890";
static int64_t bench_now;

static int64_t bench_clock(void *u) {
  (void)u;
  return bench_now;
}

struct login {
  uint8_t nt[24];
  int64_t at;
};

static const uint8_t challenge[16] = {1, 2, 3, 4, 5, 6, 7, 8,
                                      9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t peer_challenge[16] = {16, 15, 14, 13, 12, 11, 10, 9,
                                           8,  7,  6,  5,  4,  3,  2,  1};

/* The client's side, done before timing: the code is the one for the
 * step after the server's clock, the last of the three it tries. */
static void prepare_login(struct login *l, int64_t at) {
  char typed[32], code[9];
  uint8_t hash[16];

  l2tpsec_totp_code(L2TPSEC_TOTP_SHA1, totp_key, 20, at + 30, 30, 6, code);
  snprintf(typed, sizeof(typed), "benchPass%s", code);
  l2tpsec__nt_password_hash((const uint8_t *)typed, strlen(typed), hash);
  l2tpsec__mschapv2_nt_response(challenge, peer_challenge, "bench", 5, hash,
                                l->nt);
  l->at = at;
}

static bool accepted;

static void record(void *owner, const l2tpsec_auth_request *req,
                   const l2tpsec_auth_result *r, l2tpsec_tstamp now) {
  (void)owner;
  (void)req;
  (void)now;
  accepted = r->accept;
}

static double measure_auth(double seconds) {
  enum { LOGINS = 4096 };
  static struct login logins[LOGINS];
  l2tpsec_local_auth_settings s;
  l2tpsec_local_auth *la;
  l2tpsec_auth_request req;
  uint64_t n = 0;
  double start, elapsed;

  for (int i = 0; i < LOGINS; i++)
    prepare_login(&logins[i], 1700000000 + 30 * (int64_t)i);
  l2tpsec_local_auth_settings_default(&s);
  s.unix_time = bench_clock;
  memset(&req, 0, sizeof(req));
  req.method = L2TPSEC_AUTH_MSCHAPV2;
  req.user = "bench";
  req.user_len = 5;
  req.peer = "198.18.0.9:1701";
  req.challenge = challenge;
  req.challenge_len = 16;
  req.peer_challenge = peer_challenge;
  req.complete_fn = record;

  start = cpu_seconds();
  do {
    /* A fresh store per round, because every code is used only once. */
    if (l2tpsec_local_auth_new(&la, &s) != 0 ||
        l2tpsec_local_auth_add_user(la, "bench", "benchPass", totp_key, 20,
                                    NULL) != 0)
      die("local auth");
    for (int i = 0; i < LOGINS; i++, n++) {
      bench_now = logins[i].at;
      req.nt_response = logins[i].nt;
      l2tpsec_local_auth_request(la, &req);
      if (!accepted)
        die("MS-CHAPv2+TOTP login");
    }
    l2tpsec_local_auth_del(la);
    elapsed = cpu_seconds() - start;
  } while (elapsed < seconds);
  return (double)n / elapsed;
}

static double measure_nt_response(double seconds) {
  uint8_t hash[16], nt[24];
  uint64_t n = 0;
  double start = cpu_seconds(), elapsed;

  do {
    for (int i = 0; i < 256; i++, n++)
      if (l2tpsec__nt_password_hash((const uint8_t *)"benchPass123456", 15,
                                    hash) != 0 ||
          l2tpsec__mschapv2_nt_response(challenge, peer_challenge, "bench", 5,
                                        hash, nt) != 0)
        die("nt_response");
    elapsed = cpu_seconds() - start;
  } while (elapsed < seconds);
  return (double)n / elapsed;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 0.5;
  double ip, hmac, auth, nt;

  if (seconds <= 0)
    seconds = 0.5;
  open_pair();
  ip = measure_ip(seconds);
  hmac = measure_hmac(seconds);
  printf("{\"bench\":\"ppp_ip\",\"bytes\":%d,\"frames_per_s\":%.0f,"
         "\"anchor\":\"hmac-sha1-%d\",\"anchor_per_s\":%.0f,"
         "\"frame_cost_in_hmacs\":%.3f}\n",
         PACKET_LEN, ip, PACKET_LEN, hmac, hmac / ip);

  auth = measure_auth(seconds);
  nt = measure_nt_response(seconds);
  printf("{\"bench\":\"auth_mschapv2_totp\",\"window_steps\":3,"
         "\"logins_per_s\":%.0f,\"anchor\":\"mschapv2-nt-response\","
         "\"anchor_per_s\":%.0f,\"login_cost_in_nt_responses\":%.2f}\n",
         auth, nt, nt / auth);
  l2tpsec_ppp_del(pair.end[0]);
  l2tpsec_ppp_del(pair.end[1]);
  return 0;
}
