/*
 * Runs one L2TP endpoint of libl2tpsec over a UDP socket on loopback, so
 * that a real peer (xl2tpd) can talk to it. The library itself does no
 * I/O: this program owns the socket and the clock and feeds the layer.
 *
 *   l2tp_udp_peer --role lns|lac --port P [--peer-port Q] [--secret S]
 *                 [--hide] [--pcap FILE] [--timeout SECONDS]
 *
 * Prints one line per event. As LAC it opens a tunnel to 127.0.0.1:Q and
 * one session on it. Exits 0 once a tunnel and a session were
 * established and the session was then closed by the peer, 1 when the
 * timeout passes first, 2 on a usage or socket error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "l2tpsec/errors.h"
#include "l2tpsec/l2tp.h"

struct peer {
  int fd;
  l2tpsec_l2tp *ep;
  enum l2tpsec_l2tp_role role;
  struct sockaddr_in remote; /* last peer address seen, or the LNS */
  FILE *pcap;
  uint16_t port;
  bool tunnel_up, session_up, session_closed_by_peer;
};

static l2tpsec_tstamp now_ns(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (l2tpsec_tstamp)ts.tv_sec * L2TPSEC_SECONDS + (uint64_t)ts.tv_nsec;
}

/* The transport id of a loopback peer: its address and port. */
static uint64_t transport_of(const struct sockaddr_in *sa) {
  return ((uint64_t)ntohl(sa->sin_addr.s_addr) << 16) | ntohs(sa->sin_port);
}

static void pcap_header(FILE *f) {
  /* pcap file header: magic, version 2.4, zone, sigfigs, snaplen,
   * link type 228 (bare IPv4). */
  uint32_t h[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 228};

  fwrite(h, sizeof(h), 1, f);
}

static uint16_t ip_checksum(const uint8_t *p, size_t len) {
  uint32_t sum = 0;

  for (size_t i = 0; i + 1 < len; i += 2)
    sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

/* Records a datagram as IPv4/UDP between ports 1701, so that dissectors
 * pick L2TP without hints: ours from 127.0.0.1, the peer's from
 * 127.0.0.2. */
static void pcap_write(FILE *f, const uint8_t *data, size_t len,
                       bool received) {
  uint8_t hdr[28] = {0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0,
                     127,  0, 0, 1, 127, 0, 0, 2};
  size_t total = sizeof(hdr) + len;
  uint32_t rec[4];
  struct timespec ts;
  uint16_t sum;

  if (received) {
    hdr[15] = 2;
    hdr[19] = 1;
  }
  clock_gettime(CLOCK_REALTIME, &ts);
  rec[0] = (uint32_t)ts.tv_sec;
  rec[1] = (uint32_t)(ts.tv_nsec / 1000);
  rec[2] = rec[3] = (uint32_t)total;
  hdr[2] = (uint8_t)(total >> 8);
  hdr[3] = (uint8_t)total;
  sum = ip_checksum(hdr, 20);
  hdr[10] = (uint8_t)(sum >> 8);
  hdr[11] = (uint8_t)sum;
  hdr[20] = hdr[22] = 1701 >> 8;
  hdr[21] = hdr[23] = 1701 & 0xff;
  hdr[24] = (uint8_t)((len + 8) >> 8);
  hdr[25] = (uint8_t)(len + 8);
  fwrite(rec, sizeof(rec), 1, f);
  fwrite(hdr, sizeof(hdr), 1, f);
  fwrite(data, len, 1, f);
  fflush(f);
}

static int on_send(void *user_data, uint64_t transport, l2tpsec_pkt *pkt) {
  struct peer *p = user_data;
  struct sockaddr_in to;

  memset(&to, 0, sizeof(to));
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl((uint32_t)(transport >> 16));
  to.sin_port = htons((uint16_t)transport);
  if (p->pcap != NULL)
    pcap_write(p->pcap, pkt->data, pkt->len, false);
  if (sendto(p->fd, pkt->data, pkt->len, 0, (struct sockaddr *)&to,
             sizeof(to)) < 0) {
    fprintf(stderr, "l2tp_udp_peer: sendto failed: %s\n", strerror(errno));
    return L2TPSEC_ERR_IO;
  }
  return 0;
}

static const char *event_name(enum l2tpsec_l2tp_event_type t) {
  static const char *const names[] = {"TUNNEL_UP",    "TUNNEL_DOWN",
                                      "SESSION_UP",   "SESSION_DOWN",
                                      "LINK_INFO",    "WAN_ERROR"};
  return names[t];
}

static void on_event(void *user_data, const l2tpsec_l2tp_event *ev) {
  struct peer *p = user_data;
  uint16_t sid;

  printf("%s tunnel=%u peer_tunnel=%u session=%u peer_session=%u "
         "reason=%d result=%u error=%u message=\"%s\" host=\"%s\"\n",
         event_name(ev->type), ev->tunnel_id, ev->peer_tunnel_id,
         ev->session_id, ev->peer_session_id, ev->reason, ev->result_code,
         ev->error_code, ev->message, ev->peer_host_name);
  fflush(stdout);

  if (ev->type == L2TPSEC_L2TP_TUNNEL_UP) {
    p->tunnel_up = true;
    if (p->role == L2TPSEC_L2TP_LAC &&
        l2tpsec_l2tp_session_open(p->ep, ev->tunnel_id, &sid, now_ns()) != 0)
      fprintf(stderr, "l2tp_udp_peer: session_open failed\n");
  } else if (ev->type == L2TPSEC_L2TP_SESSION_UP) {
    p->session_up = true;
  } else if (ev->type == L2TPSEC_L2TP_SESSION_DOWN &&
             ev->reason == L2TPSEC_L2TP_REASON_PEER) {
    p->session_closed_by_peer = true;
  }
}

static void log_line(void *user_data, enum l2tpsec_log_level level,
                     enum l2tpsec_log_category category,
                     const char *message) {
  fprintf(stderr, "l2tp %s: %s\n", l2tpsec_log_level_name(level), message);
}

static int open_socket(uint16_t port) {
  struct sockaddr_in sa;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);

  if (fd < 0)
    return -1;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(port);
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static void receive_one(struct peer *p) {
  uint8_t buf[4096];
  struct sockaddr_in from;
  socklen_t fromlen = sizeof(from);
  ssize_t n = recvfrom(p->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
                       &fromlen);

  if (n <= 0)
    return;
  if (p->pcap != NULL)
    pcap_write(p->pcap, buf, (size_t)n, true);
  l2tpsec_l2tp_input(p->ep, transport_of(&from), buf, (size_t)n, now_ns());
}

static int run(struct peer *p, l2tpsec_tstamp end) {
  while (!(p->tunnel_up && p->session_up && p->session_closed_by_peer)) {
    l2tpsec_tstamp now = now_ns(), deadline;
    struct pollfd pfd = {p->fd, POLLIN, 0};
    int wait_ms;

    if (now >= end)
      return 1;
    deadline = l2tpsec_l2tp_next_deadline(p->ep);
    if (deadline > end)
      deadline = end;
    wait_ms = deadline <= now ? 0 : (int)((deadline - now) / 1000000 + 1);
    if (poll(&pfd, 1, wait_ms) > 0)
      receive_one(p);
    l2tpsec_l2tp_handle_timeout(p->ep, now_ns());
  }
  /* Let the acknowledgement of the peer's CDN go out. */
  usleep(200000);
  return 0;
}

static int usage(void) {
  fprintf(stderr, "usage: l2tp_udp_peer --role lns|lac --port P "
                  "[--peer-port Q] [--secret S] [--hide] [--pcap FILE] "
                  "[--timeout SECONDS]\n");
  return 2;
}

int main(int argc, char **argv) {
  struct peer p = {0};
  l2tpsec_l2tp_settings s;
  l2tpsec_l2tp_callbacks cb = {on_send, NULL, on_event};
  l2tpsec_rand_test_state rs;
  int peer_port = 0, timeout = 30, rc;
  const char *pcap = NULL;
  uint16_t tid;

  l2tpsec_l2tp_settings_default(&s);
  s.host_name = "libl2tpsec-test";
  s.log.fn = log_line;
  s.log.max_level = L2TPSEC_LOG_DEBUG;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

    if (strcmp(a, "--hide") == 0) {
      s.hide_avps = true;
      continue;
    }
    if (v == NULL)
      return usage();
    i++;
    if (strcmp(a, "--role") == 0)
      s.role = strcmp(v, "lac") == 0 ? L2TPSEC_L2TP_LAC : L2TPSEC_L2TP_LNS;
    else if (strcmp(a, "--port") == 0)
      p.port = (uint16_t)atoi(v);
    else if (strcmp(a, "--peer-port") == 0)
      peer_port = atoi(v);
    else if (strcmp(a, "--secret") == 0) {
      s.secret = (const uint8_t *)v;
      s.secret_len = strlen(v);
    } else if (strcmp(a, "--pcap") == 0)
      pcap = v;
    else if (strcmp(a, "--timeout") == 0)
      timeout = atoi(v);
    else
      return usage();
  }
  if (p.port == 0 || (s.role == L2TPSEC_L2TP_LAC && peer_port == 0))
    return usage();

  /* Ids need not be secret in a test; a fixed seed keeps runs alike. */
  s.rand = l2tpsec_rand_test(&rs, (uint64_t)getpid());
  p.role = s.role;
  p.fd = open_socket(p.port);
  if (p.fd < 0) {
    fprintf(stderr, "l2tp_udp_peer: cannot bind 127.0.0.1:%u: %s\n", p.port,
            strerror(errno));
    return 2;
  }
  if (pcap != NULL) {
    p.pcap = fopen(pcap, "wb");
    if (p.pcap == NULL)
      return 2;
    pcap_header(p.pcap);
  }
  rc = l2tpsec_l2tp_new(&p.ep, &s, &cb, &p);
  if (rc != 0) {
    fprintf(stderr, "l2tp_udp_peer: l2tpsec_l2tp_new: %s\n",
            l2tpsec_strerror(rc));
    return 2;
  }

  if (s.role == L2TPSEC_L2TP_LAC) {
    struct sockaddr_in lns = {.sin_family = AF_INET,
                              .sin_port = htons((uint16_t)peer_port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    l2tpsec_l2tp_tunnel_open(p.ep, transport_of(&lns), &tid, now_ns());
  }
  rc = run(&p, now_ns() + (l2tpsec_tstamp)timeout * L2TPSEC_SECONDS);
  printf("%s: tunnel_up=%d session_up=%d session_closed_by_peer=%d\n",
         rc == 0 ? "PASS" : "TIMEOUT", p.tunnel_up, p.session_up,
         p.session_closed_by_peer);
  l2tpsec_l2tp_del(p.ep);
  if (p.pcap != NULL)
    fclose(p.pcap);
  close(p.fd);
  return rc;
}
