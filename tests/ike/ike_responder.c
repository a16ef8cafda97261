/*
 * A minimal IKE responder on a loopback UDP port, for tests against real
 * peers (ike-scan). It binds 127.0.0.1:PORT (0: a free port), prints
 * "port=N", serves for SECONDS, then prints its counters as
 * "name=value" lines and exits.
 *
 *   ike_responder PORT SECONDS [compatible|strict|legacy] [aggressive]
 *
 * "aggressive" turns the opt-in aggressive mode responder on.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "l2tpsec/ike.h"

static int sock = -1;

static l2tpsec_tstamp now_ns(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (l2tpsec_tstamp)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int on_send(void *user_data, const uint8_t *data, size_t len,
                   const l2tpsec_ike_endpoint *local,
                   const l2tpsec_ike_endpoint *remote) {
  struct sockaddr_in to = {.sin_family = AF_INET,
                           .sin_port = htons(remote->port)};

  memcpy(&to.sin_addr, remote->addr, 4);
  if (sendto(sock, data, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
    perror("ike_responder: sendto failed");
  return 0;
}

static int on_child_up(void *user_data, const l2tpsec_ike_child_sa *sa) {
  return 0;
}

static void print_log(void *user_data, enum l2tpsec_log_level level,
                      enum l2tpsec_log_category category, const char *msg) {
  fprintf(stderr, "ike_responder: %s\n", msg);
}

static enum l2tpsec_ike_preset parse_preset(const char *name) {
  if (strcmp(name, "strict") == 0)
    return L2TPSEC_IKE_PRESET_STRICT;
  if (strcmp(name, "legacy") == 0)
    return L2TPSEC_IKE_PRESET_LEGACY;
  return L2TPSEC_IKE_PRESET_COMPATIBLE;
}

/* Binds the socket and returns the bound port, or 0 on failure. */
static uint16_t bind_loopback(uint16_t port) {
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  socklen_t len = sizeof(addr);

  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sock = socket(AF_INET, SOCK_DGRAM, 0);
  if (sock < 0 || bind(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
      getsockname(sock, (struct sockaddr *)&addr, &len) < 0) {
    perror("ike_responder: cannot bind 127.0.0.1");
    return 0;
  }
  return ntohs(addr.sin_port);
}

static void receive_one(l2tpsec_ike *ike, uint16_t port) {
  uint8_t buf[65536];
  struct sockaddr_in from;
  socklen_t from_len = sizeof(from);
  l2tpsec_ike_endpoint local = {4, {127, 0, 0, 1}, port};
  l2tpsec_ike_endpoint remote = {.family = 4};

  ssize_t n =
      recvfrom(sock, buf, sizeof(buf), 0, (struct sockaddr *)&from, &from_len);
  if (n < 0)
    return;
  memcpy(remote.addr, &from.sin_addr, 4);
  remote.port = ntohs(from.sin_port);
  (void)l2tpsec_ike_input(ike, buf, (size_t)n, &local, &remote, now_ns());
}

static void print_stats(const l2tpsec_ike *ike) {
  l2tpsec_ike_stats st;

  l2tpsec_ike_get_stats(ike, &st);
  printf("rx_datagrams=%llu\n", (unsigned long long)st.rx_datagrams);
  printf("drop_no_proposal=%llu\n", (unsigned long long)st.drop_no_proposal);
  printf("drop_unexpected=%llu\n", (unsigned long long)st.drop_unexpected);
  printf("drop_malformed=%llu\n", (unsigned long long)st.drop_malformed);
  printf("half_open=%u\n", st.half_open);
}

int main(int argc, char **argv) {
  static const uint8_t psk[] = "ike-scan-test";
  l2tpsec_ike_settings s;
  l2tpsec_ike_callbacks cb = {.send = on_send, .child_sa_up = on_child_up};
  l2tpsec_ike *ike;

  if (argc < 3) {
    fprintf(stderr,
            "usage: ike_responder PORT SECONDS [preset] [aggressive]\n");
    return 2;
  }
  uint16_t port = (uint16_t)atoi(argv[1]);
  l2tpsec_ike_settings_default(&s);
  s.psk = psk;
  s.psk_len = sizeof(psk) - 1;
  s.preset = argc > 3 ? parse_preset(argv[3]) : L2TPSEC_IKE_PRESET_COMPATIBLE;
  s.aggressive_responder = argc > 4 && strcmp(argv[4], "aggressive") == 0;
  s.log = (l2tpsec_log){print_log, NULL, L2TPSEC_LOG_INFO};
  port = bind_loopback(port);
  if (port == 0 || l2tpsec_ike_new(&ike, &s, &cb, NULL) != 0)
    return 1;
  printf("port=%u\n", port);
  fflush(stdout);

  l2tpsec_tstamp end = now_ns() + (uint64_t)atoi(argv[2]) * 1000000000ULL;
  while (now_ns() < end) {
    struct pollfd pfd = {.fd = sock, .events = POLLIN};
    if (poll(&pfd, 1, 100) > 0)
      receive_one(ike, port);
    (void)l2tpsec_ike_handle_timeout(ike, now_ns());
  }
  print_stats(ike);
  l2tpsec_ike_del(ike);
  close(sock);
  return 0;
}
