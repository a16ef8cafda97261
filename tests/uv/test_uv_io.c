/*
 * The socket, TUN and timer parts of lib/uv against the real kernel.
 * The test moves itself into a new network namespace (so it needs root)
 * where it can bind the real ports 500, 4500 and 1701 on 127.0.0.1 and
 * ::1 without touching the host's network.
 */
#include <arpa/inet.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "l2tpsec/errors.h"
#include "uv/loop_timer.h"
#include "uv/mtu.h"
#include "uv/transport.h"
#include "uv/tun.h"
#include "test_netns.h"

struct received {
  enum l2tpsec__rx_kind kind;
  int endpoint;
  uint16_t port;
  int family;
  size_t len;
  uint8_t data[64];
};

struct capture {
  struct received items[32];
  size_t count;
  char log[2048];
};

static void on_rx(void *user_data, enum l2tpsec__rx_kind kind,
                  const l2tpsec__endpoint *endpoint,
                  const struct sockaddr *peer, const uint8_t *data,
                  size_t len) {
  struct capture *c = user_data;
  struct received *r = &c->items[c->count++ % 32];

  r->kind = kind;
  r->endpoint = endpoint->index;
  r->port = endpoint->port;
  r->family = peer->sa_family;
  r->len = len;
  memcpy(r->data, data, len < sizeof(r->data) ? len : sizeof(r->data));
}

static void on_log(void *user_data, enum l2tpsec_log_level level,
                   enum l2tpsec_log_category category, const char *message) {
  struct capture *c = user_data;
  size_t used = strlen(c->log);

  snprintf(c->log + used, sizeof(c->log) - used, "%s\n", message);
}

static void run_until(uv_loop_t *loop, const size_t *count, size_t want) {
  uint64_t end = uv_hrtime() + 2 * L2TPSEC_SECONDS;

  while (*count < want && uv_hrtime() < end) {
    uv_run(loop, UV_RUN_NOWAIT);
    usleep(1000);
  }
}

static void sockaddr_of(const char *text, uint16_t port,
                        struct sockaddr_storage *out) {
  memset(out, 0, sizeof(*out));
  if (uv_ip4_addr(text, port, (struct sockaddr_in *)out) != 0)
    assert_int_equal(uv_ip6_addr(text, port, (struct sockaddr_in6 *)out), 0);
}

static socklen_t sockaddr_len(const struct sockaddr_storage *ss) {
  return ss->ss_family == AF_INET ? sizeof(struct sockaddr_in)
                                  : sizeof(struct sockaddr_in6);
}

static void send_udp(const char *to, uint16_t port, const void *data,
                     size_t len) {
  struct sockaddr_storage ss;
  int fd;

  sockaddr_of(to, port, &ss);
  fd = socket(ss.ss_family, SOCK_DGRAM, 0);
  assert_true(fd >= 0);
  assert_int_equal(
      sendto(fd, data, len, 0, (struct sockaddr *)&ss, sockaddr_len(&ss)),
      (ssize_t)len);
  close(fd);
}

static void send_raw_esp(const char *to, const void *data, size_t len) {
  struct sockaddr_storage ss;
  int fd;

  sockaddr_of(to, 0, &ss);
  fd = socket(ss.ss_family, SOCK_RAW, IPPROTO_ESP);
  assert_true(fd >= 0);
  assert_int_equal(
      sendto(fd, data, len, 0, (struct sockaddr *)&ss, sockaddr_len(&ss)),
      (ssize_t)len);
  close(fd);
}

static l2tpsec__transport *open_transport(uv_loop_t *loop, struct capture *c) {
  static const char *const addrs[] = {"127.0.0.1", "::1"};
  l2tpsec__transport_settings s;
  l2tpsec__transport *t = NULL;

  l2tpsec__transport_settings_default(&s);
  s.addresses = addrs;
  s.address_count = 2;
  s.l2tp_port = 1701;
  s.log = (l2tpsec_log){on_log, c, L2TPSEC_LOG_DEBUG};
  assert_int_equal(l2tpsec__transport_new(&t, loop, &s, on_rx, c), 0);
  return t;
}

static const struct received *find(const struct capture *c,
                                   enum l2tpsec__rx_kind kind, int family) {
  for (size_t i = 0; i < c->count; i++) {
    if (c->items[i].kind == kind && c->items[i].family == family)
      return &c->items[i];
  }
  return NULL;
}

static void transport_demuxes_each_port(void **state) {
  /* The non-ESP marker, then a 28-byte message as long as an ISAKMP
   * header. */
  static const uint8_t ike_natt[32] = {0, 0, 0, 0, 'i', 'k', 'e'};
  static const uint8_t esp[] = {0, 0, 0x12, 0x34, 0, 0, 0, 1, 0xee};
  static const uint8_t keepalive[] = {0xff};
  uv_loop_t loop;
  struct capture c = {0};
  l2tpsec__transport *t;
  const struct received *r;

  uv_loop_init(&loop);
  t = open_transport(&loop, &c);
  assert_true(l2tpsec__transport_has_raw_esp(t, 0));
  assert_true(l2tpsec__transport_has_raw_esp(t, 1));

  send_udp("127.0.0.1", 500, "IKE", 3);
  send_udp("::1", 4500, ike_natt, sizeof(ike_natt));
  send_udp("127.0.0.1", 4500, esp, sizeof(esp));
  send_udp("127.0.0.1", 4500, keepalive, 1);
  send_udp("127.0.0.1", 4500, "ab", 2);
  send_udp("::1", 1701, "L2TP", 4);
  send_raw_esp("127.0.0.1", esp, sizeof(esp));
  send_raw_esp("::1", esp, sizeof(esp));
  run_until(&loop, &c.count, 6);
  assert_int_equal(c.count, 6);

  r = find(&c, L2TPSEC__RX_IKE, AF_INET);
  assert_non_null(r);
  assert_int_equal(r->port, 500);
  assert_int_equal(r->endpoint, 0);
  r = find(&c, L2TPSEC__RX_IKE, AF_INET6);
  assert_non_null(r);
  assert_int_equal(r->port, 4500);
  assert_int_equal(r->endpoint, 1);
  assert_int_equal(r->len, 28);
  assert_memory_equal(r->data, "ike", 3);
  r = find(&c, L2TPSEC__RX_ESP_UDP, AF_INET);
  assert_non_null(r);
  assert_int_equal(r->len, sizeof(esp));
  r = find(&c, L2TPSEC__RX_L2TP_UDP, AF_INET6);
  assert_non_null(r);
  assert_int_equal(r->port, 1701);
  r = find(&c, L2TPSEC__RX_ESP_RAW, AF_INET);
  assert_non_null(r);
  assert_int_equal(r->len, sizeof(esp));
  assert_memory_equal(r->data, esp, sizeof(esp));
  r = find(&c, L2TPSEC__RX_ESP_RAW, AF_INET6);
  assert_non_null(r);
  assert_int_equal(r->len, sizeof(esp));

  assert_int_equal(l2tpsec__transport_stats_get(t)->keepalives, 1);
  assert_int_equal(l2tpsec__transport_stats_get(t)->invalid_natt, 1);
  assert_non_null(strstr(c.log, "dropped a 2-byte datagram on port 4500"));

  l2tpsec__transport_close(t);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static int bound_udp(const char *addr, uint16_t port) {
  struct sockaddr_storage ss;
  int fd;

  sockaddr_of(addr, port, &ss);
  fd = socket(ss.ss_family, SOCK_DGRAM, 0);
  assert_true(fd >= 0);
  assert_int_equal(bind(fd, (struct sockaddr *)&ss, sockaddr_len(&ss)), 0);
  return fd;
}

static ssize_t recv_timeout(int fd, void *buf, size_t cap) {
  struct pollfd p = {.fd = fd, .events = POLLIN};

  if (poll(&p, 1, 2000) != 1)
    return -1;
  return read(fd, buf, cap);
}

static void transport_sends_each_kind(void **state) {
  uv_loop_t loop;
  struct capture c = {0};
  l2tpsec__transport *t;
  struct sockaddr_storage peer;
  uint8_t buf[128];
  int fd4 = bound_udp("127.0.0.1", 40000);
  int fd6 = bound_udp("::1", 40001);
  int raw6 = socket(AF_INET6, SOCK_RAW, IPPROTO_ESP);

  uv_loop_init(&loop);
  t = open_transport(&loop, &c);

  sockaddr_of("127.0.0.1", 40000, &peer);
  assert_int_equal(l2tpsec__transport_send(t, L2TPSEC__RX_IKE, 0, true,
                                           (struct sockaddr *)&peer,
                                           (const uint8_t *)"hdr", 3),
                   0);
  assert_int_equal(recv_timeout(fd4, buf, sizeof(buf)), 7);
  assert_memory_equal(buf, "\0\0\0\0hdr", 7);

  sockaddr_of("::1", 40001, &peer);
  assert_int_equal(l2tpsec__transport_send(t, L2TPSEC__RX_IKE, 1, false,
                                           (struct sockaddr *)&peer,
                                           (const uint8_t *)"v6", 2),
                   0);
  assert_int_equal(recv_timeout(fd6, buf, sizeof(buf)), 2);

  assert_true(raw6 >= 0);
  assert_int_equal(l2tpsec__transport_send(t, L2TPSEC__RX_ESP_RAW, 1, false,
                                           (struct sockaddr *)&peer,
                                           (const uint8_t *)"ESPDATA1", 8),
                   0);
  assert_int_equal(recv_timeout(raw6, buf, sizeof(buf)), 8);
  assert_memory_equal(buf, "ESPDATA1", 8);

  assert_int_equal(l2tpsec__transport_send(t, L2TPSEC__RX_IKE, 2, false,
                                           (struct sockaddr *)&peer,
                                           (const uint8_t *)"x", 1),
                   L2TPSEC_ERR_NOT_FOUND);

  close(fd4);
  close(fd6);
  close(raw6);
  l2tpsec__transport_close(t);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void transport_reports_busy_port(void **state) {
  static const char *const addrs[] = {"127.0.0.1"};
  static const char *const bad[] = {"localhost"};
  uv_loop_t loop;
  struct capture c = {0};
  l2tpsec__transport *first, *second = (void *)1;
  l2tpsec__transport_settings s;

  uv_loop_init(&loop);
  first = open_transport(&loop, &c);
  l2tpsec__transport_settings_default(&s);
  s.addresses = addrs;
  s.address_count = 1;
  s.log = (l2tpsec_log){on_log, &c, L2TPSEC_LOG_DEBUG};
  assert_int_equal(l2tpsec__transport_new(&second, &loop, &s, on_rx, &c),
                   L2TPSEC_ERR_IO);
  assert_null(second);
  assert_non_null(strstr(c.log, "cannot listen on UDP 127.0.0.1 port 500"));

  s.addresses = bad;
  assert_int_equal(l2tpsec__transport_new(&second, &loop, &s, on_rx, &c),
                   L2TPSEC_ERR_CONFIG);
  assert_non_null(strstr(c.log, "invalid listen address 'localhost'"));

  l2tpsec__transport_close(first);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* Drops CAP_NET_RAW from the effective set of the calling process. */
static int drop_net_raw(void) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];

  if (syscall(SYS_capget, &hdr, data) != 0)
    return -1;
  data[0].effective &= ~(1u << CAP_NET_RAW);
  return (int)syscall(SYS_capset, &hdr, data);
}

/* Without CAP_NET_RAW the transport still runs, on NAT-T only. */
static void transport_falls_back_without_raw(void **state) {
  pid_t pid = fork();
  int status;

  assert_true(pid >= 0);
  if (pid == 0) {
    uv_loop_t loop;
    struct capture c = {0};
    l2tpsec__transport *t;
    int ok;

    if (drop_net_raw() != 0)
      _exit(2);
    uv_loop_init(&loop);
    t = open_transport(&loop, &c);
    ok = !l2tpsec__transport_has_raw_esp(t, 0) &&
         strstr(c.log, "no raw ESP socket on 127.0.0.1: Operation not "
                       "permitted; clients must use UDP encapsulation "
                       "(NAT-T) on port 4500") != NULL;
    if (!ok)
      fprintf(stderr, "log was:\n%s", c.log);
    l2tpsec__transport_close(t);
    uv_run(&loop, UV_RUN_DEFAULT);
    _exit(ok ? 0 : 1);
  }
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

static int ifreq_get(unsigned long request, const char *name,
                     struct ifreq *ifr) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int rv;

  memset(ifr, 0, sizeof(*ifr));
  strcpy(ifr->ifr_name, name);
  rv = ioctl(fd, request, ifr);
  close(fd);
  return rv;
}

/* Builds an IPv4/UDP packet 198.51.100.7:9 -> 198.51.100.1:port. */
static size_t udp_packet(uint8_t *pkt, uint16_t port) {
  static const uint8_t head[28] = {0x45, 0, 0,   32, 0,   1,  0x40, 0,  64,  17,
                                   0,    0, 198, 51, 100, 7,  198,  51, 100, 1,
                                   0,    9, 0,   0,  0,   12, 0,    0};
  uint16_t csum;

  memcpy(pkt, head, sizeof(head));
  pkt[22] = (uint8_t)(port >> 8);
  pkt[23] = (uint8_t)port;
  memcpy(pkt + 28, "ping", 4);
  csum = l2tpsec__inet_checksum(pkt, 20, 0);
  pkt[10] = (uint8_t)(csum >> 8);
  pkt[11] = (uint8_t)csum;
  return 32; /* UDP checksum 0: none, allowed over IPv4 */
}

static void tun_configures_and_carries(void **state) {
  static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 5, 0, 0,
                                 0,    0,    0,    0,    0, 0, 0, 1};
  char name[IFNAMSIZ];
  struct ifreq ifr;
  uint8_t pkt[2048];
  int fd = l2tpsec__tun_open("e2etun0", name);
  int sock;
  ssize_t n;

  assert_true(fd >= 0);
  assert_string_equal(name, "e2etun0");
  assert_int_equal(l2tpsec__tun_set_mtu(name, 1400), 0);
  assert_int_equal(l2tpsec__tun_add_ipv4(name, inet_addr("198.51.100.1"), 24),
                   0);
  assert_int_equal(l2tpsec__tun_add_ipv6(name, v6, 64), 0);
  assert_int_equal(l2tpsec__tun_up(name), 0);
  assert_int_equal(ifreq_get(SIOCGIFMTU, name, &ifr), 0);
  assert_int_equal(ifr.ifr_mtu, 1400);
  assert_int_equal(ifreq_get(SIOCGIFFLAGS, name, &ifr), 0);
  assert_true(ifr.ifr_flags & IFF_UP);

  /* Kernel to TUN: a datagram routed into the /24 comes out of the fd. */
  send_udp("198.51.100.7", 9, "out", 3);
  n = recv_timeout(fd, pkt, sizeof(pkt));
  while (n > 0 && (pkt[0] >> 4) != 4) /* skip IPv6 router solicitations */
    n = recv_timeout(fd, pkt, sizeof(pkt));
  assert_int_equal(n, 31);
  assert_int_equal(pkt[9], 17);
  assert_memory_equal(pkt + 16, "\xc6\x33\x64\x07", 4);

  /* TUN to kernel: a packet written to the fd reaches a local socket. */
  sock = bound_udp("198.51.100.1", 40002);
  n = (ssize_t)udp_packet(pkt, 40002);
  assert_int_equal(write(fd, pkt, (size_t)n), n);
  assert_int_equal(recv_timeout(sock, pkt, sizeof(pkt)), 4);
  assert_memory_equal(pkt, "ping", 4);

  assert_int_equal(l2tpsec__tun_open("name-longer-than-ifnamsiz", name),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  close(sock);
  close(fd);
}

struct timed {
  l2tpsec__timer timer;
  l2tpsec_tstamp fired_at;
};

static size_t fired_count;

static void on_timed(l2tpsec__timer *timer, l2tpsec_tstamp now) {
  struct timed *t = (struct timed *)timer;

  t->fired_at = now;
  fired_count++;
}

/* 200 deadlines over 30 ms on one libuv timer, half of them cancelled. */
static void loop_timer_serves_many_deadlines(void **state) {
  static struct timed timers[200];
  l2tpsec__loop_timer lt;
  uv_loop_t loop;
  l2tpsec_tstamp start = l2tpsec__now();

  uv_loop_init(&loop);
  assert_int_equal(l2tpsec__loop_timer_init(&lt, &loop), 0);
  fired_count = 0;
  for (int i = 0; i < 200; i++) {
    l2tpsec_tstamp at =
        start + (l2tpsec_tstamp)((i * 7919) % 30 + 1) * L2TPSEC_MILLISECONDS;

    timers[i] = (struct timed){.timer.fn = on_timed};
    assert_int_equal(l2tpsec__loop_timer_set(&lt, &timers[i].timer, at), 0);
  }
  for (int i = 0; i < 200; i += 2)
    l2tpsec__loop_timer_set(&lt, &timers[i].timer, L2TPSEC_TSTAMP_NEVER);

  run_until(&loop, &fired_count, 100);
  assert_int_equal(fired_count, 100);
  for (int i = 0; i < 200; i++) {
    if (i % 2 == 0)
      assert_int_equal(timers[i].fired_at, 0);
    else
      assert_true(timers[i].fired_at >= timers[i].timer.deadline);
  }

  l2tpsec__loop_timer_close(&lt, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(transport_demuxes_each_port),
      cmocka_unit_test(transport_sends_each_kind),
      cmocka_unit_test(transport_reports_busy_port),
      cmocka_unit_test(transport_falls_back_without_raw),
      cmocka_unit_test(tun_configures_and_carries),
      cmocka_unit_test(loop_timer_serves_many_deadlines),
  };

  return cmocka_run_group_tests(tests, test_netns_enter, NULL);
}
