/*
 * IKEv1 handshake rate and memory. Prints one JSON object per line;
 * bench/run.sh renders them.
 *
 *   bench_ike [SECONDS]   time per measurement (default 0.5)
 *
 * For MODP2048, ECP256 and Curve25519:
 * - handshakes_per_s: complete main mode + quick mode exchanges (PSK,
 *   AES-128/SHA-256, ESP AES-128-GCM) between an initiator and a
 *   responder in memory, both on this one core, per CPU second;
 * - dh_derive_per_s: our raw Diffie-Hellman shared-secret computations
 *   per CPU second, beside openssl_derive_per_s from `openssl speed`
 *   (ffdh2048, ecdhp256, ecdhx25519) measured in the same run;
 * - dh_keygen_per_s: our key pair generations per CPU second.
 * Then bytes_per_ike_sa: heap bytes a responder uses per established
 * phase-1 SA with one child SA record (glibc mallinfo2).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "l2tpsec/ike.h"

#define QUEUE_MAX 16

struct dgram {
  uint8_t data[2048];
  size_t len;
  bool to_server;
};

struct pair {
  l2tpsec_ike *client, *server;
  struct dgram queue[QUEUE_MAX];
  size_t n;
  bool sending_server;
  unsigned children;
  l2tpsec_rand_test_state rs[2];
};

/* Each handshake uses other ports, as another client would: a new main
 * mode between the same endpoints takes over the previous IKE SA's ESP
 * SA pairs on both sides, and after eight handshakes they fill every
 * quick mode slot, so quick mode fails. */
static l2tpsec_ike_endpoint client_ep = {4, {192, 0, 2, 10}, 500};
static l2tpsec_ike_endpoint server_ep = {4, {198, 51, 100, 1}, 500};

static double cpu_seconds(void) {
  struct timespec ts;

  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int on_send(void *user_data, const uint8_t *data, size_t len,
                   const l2tpsec_ike_endpoint *local,
                   const l2tpsec_ike_endpoint *remote) {
  struct pair *p = user_data;

  if (p->n >= QUEUE_MAX || len > sizeof(p->queue[0].data))
    return 0;
  memcpy(p->queue[p->n].data, data, len);
  p->queue[p->n].len = len;
  p->queue[p->n].to_server = !p->sending_server;
  p->n++;
  return 0;
}

static int on_child_up(void *user_data, const l2tpsec_ike_child_sa *sa) {
  struct pair *p = user_data;

  p->children++;
  return 0;
}

static l2tpsec_ike *make_side(struct pair *p, int which, const char *ike) {
  static const uint8_t psk[] = "benchmark key";
  static const l2tpsec_ike_callbacks cb = {.send = on_send,
                                           .child_sa_up = on_child_up};
  l2tpsec_ike_settings s;
  l2tpsec_ike *obj = NULL;

  l2tpsec_ike_settings_default(&s);
  s.rand = l2tpsec_rand_test(&p->rs[which], 17 + which);
  s.psk = psk;
  s.psk_len = sizeof(psk) - 1;
  s.ike_proposals = ike;
  s.esp_proposals = "aes128gcm16";
  s.max_half_open = 100000;
  if (l2tpsec_ike_new(&obj, &s, &cb, p) != 0) {
    fprintf(stderr, "bench_ike: cannot create an IKE endpoint for %s\n", ike);
    exit(1);
  }
  return obj;
}

/* Runs one handshake to completion; returns false if it stalled. */
static bool handshake(struct pair *p) {
  unsigned before = p->children;

  p->sending_server = false;
  client_ep.port = (uint16_t)(client_ep.port % 60000 + 1);
  server_ep.port = client_ep.port;
  if (l2tpsec_ike_connect(p->client, &client_ep, &server_ep, 0, NULL) != 0)
    return false;
  while (p->n > 0) {
    struct dgram d = p->queue[0];
    memmove(p->queue, p->queue + 1, (p->n - 1) * sizeof(p->queue[0]));
    p->n--;
    p->sending_server = d.to_server;
    (void)l2tpsec_ike_input(d.to_server ? p->server : p->client, d.data, d.len,
                            d.to_server ? &server_ep : &client_ep,
                            d.to_server ? &client_ep : &server_ep, 0);
  }
  return p->children == before + 2;
}

static double handshakes_per_second(const char *proposal, double seconds) {
  struct pair *p = calloc(1, sizeof(*p));
  unsigned done = 0;

  p->client = make_side(p, 0, proposal);
  p->server = make_side(p, 1, proposal);
  double start = cpu_seconds();
  while (cpu_seconds() - start < seconds) {
    if (!handshake(p)) {
      fprintf(stderr, "bench_ike: handshake with %s failed\n", proposal);
      exit(1);
    }
    done++;
    /* Start each round with empty tables, as a steady-state server that
     * expires old SAs would be. */
    if (done % 64 == 0) {
      l2tpsec_ike_del(p->client);
      l2tpsec_ike_del(p->server);
      p->client = make_side(p, 0, proposal);
      p->server = make_side(p, 1, proposal);
    }
  }
  double rate = done / (cpu_seconds() - start);
  l2tpsec_ike_del(p->client);
  l2tpsec_ike_del(p->server);
  free(p);
  return rate;
}

/* Raw DH: key generations and shared-secret computations per second. */
static void dh_rates(int group, double seconds, double *keygen,
                     double *derive) {
  l2tpsec_rand_test_state rs;
  l2tpsec_rand rand = l2tpsec_rand_test(&rs, 5);
  l2tpsec__dh *a = NULL, *b = NULL;
  uint8_t pub[1024], shared[1024];
  size_t plen = l2tpsec__dh_public_len(group);
  size_t slen = l2tpsec__dh_shared_len(group);
  unsigned n = 0;

  double start = cpu_seconds();
  while (cpu_seconds() - start < seconds) {
    l2tpsec__dh_del(a);
    if (l2tpsec__dh_new(&a, group, &rand) != 0)
      exit(1);
    n++;
  }
  *keygen = n / (cpu_seconds() - start);

  if (l2tpsec__dh_new(&b, group, &rand) != 0 ||
      l2tpsec__dh_public(b, pub, plen) != 0)
    exit(1);
  n = 0;
  start = cpu_seconds();
  while (cpu_seconds() - start < seconds) {
    if (l2tpsec__dh_shared(a, pub, plen, shared, slen) != 0)
      exit(1);
    n++;
  }
  *derive = n / (cpu_seconds() - start);
  l2tpsec__dh_del(a);
  l2tpsec__dh_del(b);
}

/* Runs `openssl speed -mr ALG` and returns its operations per second
 * (the fourth field of the "+F" result line). */
static double openssl_derive(const char *alg, double seconds) {
  char cmd[256], line[512];
  double rate = 0;
  int secs = seconds < 1 ? 1 : (int)seconds;

  snprintf(cmd, sizeof(cmd), "openssl speed -mr -seconds %d %s 2>/dev/null",
           secs, alg);
  FILE *f = popen(cmd, "r");
  if (f == NULL)
    return 0;
  while (fgets(line, sizeof(line), f) != NULL) {
    unsigned a, b, c;
    double ops;
    if (line[0] == '+' && line[1] == 'F' &&
        sscanf(line + 2, "%u:%u:%u:%lf", &a, &b, &c, &ops) == 4)
      rate = ops;
  }
  pclose(f);
  return rate;
}

/* Heap bytes per established SA on a responder holding `count`. */
static double bytes_per_sa(unsigned count) {
  struct pair *p = calloc(1, sizeof(*p));

  p->server = make_side(p, 1, "aes128-sha256-ecp256");
  size_t base = mallinfo2().uordblks;
  p->client = make_side(p, 0, "aes128-sha256-ecp256");
  for (unsigned i = 0; i < count; i++) {
    if (!handshake(p))
      exit(1);
  }
  l2tpsec_ike_del(p->client);
  size_t used = mallinfo2().uordblks - base;
  l2tpsec_ike_del(p->server);
  free(p);
  return (double)used / count;
}

int main(int argc, char **argv) {
  static const struct {
    const char *name;
    int group;
    const char *proposal;
    const char *openssl;
  } groups[] = {
      {"modp2048", 14, "aes128-sha256-modp2048", "ffdh2048"},
      {"ecp256", 19, "aes128-sha256-ecp256", "ecdhp256"},
      {"curve25519", 31, "aes128-sha256-curve25519", "ecdhx25519"},
  };
  double seconds = argc > 1 ? atof(argv[1]) : 0.5;

  if (seconds <= 0) {
    fprintf(stderr, "usage: bench_ike [SECONDS > 0]\n");
    return 2;
  }
  for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
    double keygen, derive;
    if (!l2tpsec__dh_supported(groups[i].group)) {
      printf("{\"bench\":\"ike\",\"group\":\"%s\",\"supported\":false}\n",
             groups[i].name);
      continue;
    }
    double hs = handshakes_per_second(groups[i].proposal, seconds);
    dh_rates(groups[i].group, seconds, &keygen, &derive);
    double anchor = openssl_derive(groups[i].openssl, seconds);
    printf("{\"bench\":\"ike\",\"group\":\"%s\",\"handshakes_per_s\":%.1f,"
           "\"dh_keygen_per_s\":%.1f,\"dh_derive_per_s\":%.1f,"
           "\"openssl_derive_per_s\":%.1f,\"derive_ratio\":%.3f}\n",
           groups[i].name, hs, keygen, derive, anchor,
           anchor > 0 ? derive / anchor : 0.0);
    fflush(stdout);
  }
  printf("{\"bench\":\"ike_memory\",\"bytes_per_ike_sa\":%.0f}\n",
         bytes_per_sa(200));
  return 0;
}
