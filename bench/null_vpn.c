/*
 * The null VPN loop, the first anchor of bench/path.sh: what a naive
 * user-space VPN costs on this machine. It reads one packet from a TUN
 * device, protects it with the same crypto backend and ESP suite as our
 * VPN (lib/crypto, null_vpn_seal.c), and sends it in one UDP datagram.
 * Received datagrams take the reverse path. One packet per system call, no
 * batching, no sessions, no PPP or L2TP. Two instances, one per network
 * namespace, form a point-to-point tunnel.
 *
 *   null_vpn --tun NAME --address A --peer-address B
 *            --local IP:PORT --remote IP:PORT --suite SUITE --side 0|1
 *
 * A and B are the inner IPv4 addresses of this end and the other end
 * (the TUN device gets A, peer B, MTU 1400, like our client's). SUITE is
 * "aes128gcm16" or "aes128-sha1". Side 0 sends with direction-0 keys
 * and receives with direction-1 keys, side 1 the other way round. It
 * prints "ready" when the device is up and runs until killed; on SIGTERM
 * or SIGINT it prints its packet counters and exits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "null_vpn_seal.h"
#include "uv/tun.h"

#define MTU 1400
#define SECRET "bench-path-null-vpn"

struct options {
  const char *tun, *address, *peer_address, *local, *remote, *suite;
  int side;
};

struct counters {
  unsigned long sent, received, dropped;
};

struct loop {
  int tun_fd, udp_fd;
  struct sockaddr_in remote;
  nv_keys out, in;
  struct counters n;
  uint8_t plain[65536], sealed[65536 + NV_SEAL_OVERHEAD];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

static void usage(void) {
  fprintf(stderr, "usage: null_vpn --tun NAME --address A --peer-address B "
                  "--local IP:PORT --remote IP:PORT --suite aes128gcm16|"
                  "aes128-sha1 --side 0|1\n");
  exit(2);
}

static const char **option_slot(struct options *o, const char *name) {
  static const char *names[] = {"--tun",   "--address", "--peer-address",
                                "--local", "--remote",  "--suite"};
  const char **slots[] = {&o->tun,   &o->address, &o->peer_address,
                          &o->local, &o->remote,  &o->suite};

  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (strcmp(name, names[i]) == 0)
      return slots[i];
  return NULL;
}

static void parse_options(int argc, char **argv, struct options *o) {
  memset(o, 0, sizeof(*o));
  o->side = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char **slot = option_slot(o, argv[i]);

    if (slot != NULL)
      *slot = argv[i + 1];
    else if (strcmp(argv[i], "--side") == 0)
      o->side = atoi(argv[i + 1]);
    else
      usage();
  }
  if (argc % 2 == 0 || !o->tun || !o->address || !o->peer_address ||
      !o->local || !o->remote || !o->suite || (o->side != 0 && o->side != 1))
    usage();
}

/* Parses "a.b.c.d:port"; returns -1 when it is not that. */
static int parse_endpoint(const char *text, struct sockaddr_in *sin) {
  char host[64];
  const char *colon = strrchr(text, ':');

  if (colon == NULL || (size_t)(colon - text) >= sizeof(host))
    return -1;
  memcpy(host, text, (size_t)(colon - text));
  host[colon - text] = '\0';
  memset(sin, 0, sizeof(*sin));
  sin->sin_family = AF_INET;
  sin->sin_port = htons((uint16_t)atoi(colon + 1));
  return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -1;
}

static int open_udp(const char *local, const char *remote,
                    struct sockaddr_in *remote_out) {
  struct sockaddr_in bind_to;
  int fd;

  if (parse_endpoint(local, &bind_to) != 0 ||
      parse_endpoint(remote, remote_out) != 0) {
    fprintf(stderr, "null_vpn: '%s' or '%s' is not IPv4-ADDRESS:PORT\n", local,
            remote);
    return -1;
  }
  fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind(fd, (struct sockaddr *)&bind_to, sizeof(bind_to)) != 0) {
    fprintf(stderr, "null_vpn: cannot bind UDP %s: %s\n", local,
            strerror(errno));
    return -1;
  }
  return fd;
}

static int open_tun(const struct options *o) {
  char name[IFNAMSIZ];
  struct in_addr a, b;
  int fd;

  if (inet_pton(AF_INET, o->address, &a) != 1 ||
      inet_pton(AF_INET, o->peer_address, &b) != 1) {
    fprintf(stderr, "null_vpn: '%s' or '%s' is not an IPv4 address\n",
            o->address, o->peer_address);
    return -1;
  }
  fd = l2tpsec__tun_open(o->tun, name);
  if (fd < 0 || l2tpsec__tun_set_mtu(name, MTU) != 0 ||
      l2tpsec__tun_add_ipv4(name, a.s_addr, 32) != 0 ||
      l2tpsec__tun_set_peer(name, b.s_addr) != 0 || l2tpsec__tun_up(name)) {
    fprintf(stderr, "null_vpn: cannot set up TUN '%s': %s (needs root)\n",
            o->tun, strerror(errno));
    return -1;
  }
  return fd;
}

/* One packet from the TUN device to the peer. */
static void tun_to_udp(struct loop *l) {
  ssize_t n = read(l->tun_fd, l->plain, sizeof(l->plain));
  long sealed;

  if (n <= 0)
    return;
  sealed = nv_seal(&l->out, l->plain, (size_t)n, l->sealed);
  if (sealed < 0 ||
      sendto(l->udp_fd, l->sealed, (size_t)sealed, 0,
             (struct sockaddr *)&l->remote, sizeof(l->remote)) != sealed) {
    l->n.dropped++;
    return;
  }
  l->n.sent++;
}

/* One datagram from the peer to the TUN device. */
static void udp_to_tun(struct loop *l) {
  ssize_t n = recv(l->udp_fd, l->sealed, sizeof(l->sealed), 0);
  long plain;

  if (n <= 0)
    return;
  plain = nv_open(&l->in, l->sealed, (size_t)n, l->plain);
  if (plain <= 0 || write(l->tun_fd, l->plain, (size_t)plain) != plain) {
    l->n.dropped++;
    return;
  }
  l->n.received++;
}

static void run(struct loop *l) {
  struct pollfd fds[2] = {{.fd = l->tun_fd, .events = POLLIN},
                          {.fd = l->udp_fd, .events = POLLIN}};

  while (!stop) {
    if (poll(fds, 2, -1) < 0)
      continue; /* EINTR: stop is checked above */
    if (fds[0].revents & POLLIN)
      tun_to_udp(l);
    if (fds[1].revents & POLLIN)
      udp_to_tun(l);
  }
}

int main(int argc, char **argv) {
  static struct loop l;
  struct options o;
  enum nv_suite suite;

  parse_options(argc, argv, &o);
  if (nv_suite_parse(o.suite, &suite) != 0)
    usage();
  if (nv_seal_init(&l.out, suite, SECRET, o.side) != 0 ||
      nv_seal_init(&l.in, suite, SECRET, 1 - o.side) != 0) {
    fprintf(stderr,
            "null_vpn: creating the keys failed in the crypto backend\n");
    return 1;
  }
  l.udp_fd = open_udp(o.local, o.remote, &l.remote);
  l.tun_fd = l.udp_fd < 0 ? -1 : open_tun(&o);
  if (l.tun_fd < 0)
    return 1;
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  printf("ready: %s %s <-> %s over %s\n", o.suite, o.local, o.remote, o.tun);
  fflush(stdout);
  run(&l);
  printf("sent %lu received %lu dropped %lu\n", l.n.sent, l.n.received,
         l.n.dropped);
  nv_seal_free(&l.out);
  nv_seal_free(&l.in);
  return 0;
}
