/*
 * Our side of the strongSwan charon interop test: an IKEv1 endpoint in
 * tunnel mode on real UDP sockets (500 and 4500 of one IPv4 address),
 * with ESP in user space through lib/esp. It replies to ICMP echo
 * requests that arrive inside the tunnel for its inner address, and with
 * --ping sends its own echo requests to the peer's inner address.
 *
 *   charon_peer --local A --remote B --inner-local A2 --inner-remote B2
 *               (--psk SECRET | --cert PEM --key PEM --ca PEM)
 *               [--initiate] [--ping] [--fake-client-nat]
 *               [--aggressive-responder] [--seconds N]
 *
 * With --cert, main mode authenticates with RSA or ECDSA signatures and
 * the ID is our outer address, which the certificate must carry.
 *
 * It prints one "event ..." line to stdout per milestone (ike_sa_up,
 * child_sa_up, echo_request_in, echo_reply_out, echo_request_out,
 * echo_reply_in) and its counters when it ends after N seconds (default
 * 60) or on SIGTERM. Exit status 0 means it ran; the caller judges the
 * events.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "l2tpsec/errors.h"
#include "l2tpsec/esp.h"
#include "l2tpsec/ike.h"
#include "l2tpsec/mem.h"
#include "l2tpsec/packet.h"
#include "uv/mtu.h"

#define IKE_PORT 500
#define NATT_PORT 4500
#define BUF_SIZE 4096
#define HEADROOM 128
#define IP_PROTO_ICMP 1
#define IP_PROTO_IPIP 4 /* ESP next header of an inner IPv4 packet */
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8

typedef struct options {
  struct in_addr local, remote, inner_local, inner_remote;
  const char *psk;
  const char *cert_file, *key_file, *ca_file;
  bool initiate;
  bool ping;
  bool fake_client_nat; /* the responder's NAT-D claim (l2tpsec/ike.h) */
  bool aggressive_responder;
  int seconds;
} options;

typedef struct peer {
  options opt;
  int sock_ike, sock_natt;
  l2tpsec_ike *ike;
  l2tpsec_esp_sa *esp_in, *esp_out;
  l2tpsec_ike_endpoint esp_remote; /* UDP endpoint of the peer's ESP */
  uint16_t ping_seq;
  /* Counters printed at the end. */
  unsigned esp_decrypted, esp_errors, esp_sent;
  unsigned echo_requests_in, echo_replies_out;
  unsigned echo_requests_out, echo_replies_in;
} peer;

static volatile sig_atomic_t stop_requested;

static void on_sigterm(int sig) {
  (void)sig;
  stop_requested = 1;
}

static l2tpsec_tstamp now_ns(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (l2tpsec_tstamp)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void print_event(const char *name, const char *detail) {
  printf("event %s %s\n", name, detail);
  fflush(stdout);
}

/* ---- Sockets ------------------------------------------------------------ */

static int bind_udp(struct in_addr addr, uint16_t port) {
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
  int fd = socket(AF_INET, SOCK_DGRAM, 0);

  sin.sin_addr = addr;
  if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
    fprintf(stderr, "charon_peer: binding %s:%u failed: %s\n", inet_ntoa(addr),
            port, strerror(errno));
    exit(2);
  }
  return fd;
}

static void send_udp(const peer *p, uint16_t local_port,
                     const l2tpsec_ike_endpoint *to, const uint8_t *data,
                     size_t len) {
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(to->port)};
  int fd = local_port == NATT_PORT ? p->sock_natt : p->sock_ike;

  memcpy(&sin.sin_addr, to->addr, 4);
  if (sendto(fd, data, len, 0, (struct sockaddr *)&sin, sizeof(sin)) < 0)
    fprintf(stderr, "charon_peer: sendto port %u failed: %s\n", to->port,
            strerror(errno));
}

static void endpoint_of(const struct sockaddr_in *sin,
                        l2tpsec_ike_endpoint *ep) {
  memset(ep, 0, sizeof(*ep));
  ep->family = 4;
  memcpy(ep->addr, &sin->sin_addr, 4);
  ep->port = ntohs(sin->sin_port);
}

/* ---- IKE callbacks ------------------------------------------------------ */

/* Datagrams to port 4500 carry the 4-byte non-ESP marker (RFC 3948). */
static int on_ike_send(void *user_data, const uint8_t *data, size_t len,
                       const l2tpsec_ike_endpoint *local,
                       const l2tpsec_ike_endpoint *remote) {
  peer *p = user_data;
  uint8_t buf[BUF_SIZE + 4] = {0};

  if (local->port != NATT_PORT) {
    send_udp(p, local->port, remote, data, len);
    return 0;
  }
  if (len > BUF_SIZE)
    return L2TPSEC_ERR_NOBUFS;
  memcpy(buf + 4, data, len);
  send_udp(p, local->port, remote, buf, len + 4);
  return 0;
}

static void fill_esp(const peer *p, const l2tpsec_ike_child_sa *c, bool inbound,
                     l2tpsec_esp_sa_settings *s) {
  l2tpsec_esp_sa_settings_default(s);
  s->spi = inbound ? c->spi_in : c->spi_out;
  s->direction = inbound ? L2TPSEC_ESP_INBOUND : L2TPSEC_ESP_OUTBOUND;
  s->mode = c->transport ? L2TPSEC_ESP_TRANSPORT : L2TPSEC_ESP_TUNNEL;
  s->family = L2TPSEC_ESP_IPV4;
  s->encr = (enum l2tpsec_esp_encr)c->esp_transform;
  memcpy(s->encr_key, inbound ? c->encr_key_in : c->encr_key_out,
         c->encr_key_len);
  s->encr_key_len = c->encr_key_len;
  s->integ = (enum l2tpsec_esp_integ)c->integ;
  memcpy(s->integ_key, inbound ? c->integ_key_in : c->integ_key_out,
         c->integ_key_len);
  s->integ_key_len = c->integ_key_len;
  s->created = now_ns();
  s->encap_local_port = c->local.port;
  s->encap_remote_port = c->remote.port;
}

static int on_child_up(void *user_data, const l2tpsec_ike_child_sa *c) {
  peer *p = user_data;
  l2tpsec_esp_sa_settings in, out;
  char detail[160];

  if (c->transport || !c->udp_encap) {
    fprintf(stderr,
            "charon_peer: child SA with encapsulation mode %u "
            "rejected: this test expects UDP-encapsulated tunnel "
            "mode\n",
            c->encap_mode);
    return L2TPSEC_ERR_UNSUPPORTED;
  }
  l2tpsec_esp_sa_del(p->esp_in);
  l2tpsec_esp_sa_del(p->esp_out);
  p->esp_in = p->esp_out = NULL;
  fill_esp(p, c, true, &in);
  fill_esp(p, c, false, &out);
  int err = l2tpsec_esp_sa_new(&p->esp_in, &in, NULL, p);
  if (err == 0)
    err = l2tpsec_esp_sa_new(&p->esp_out, &out, NULL, p);
  l2tpsec_wipe(&in, sizeof(in));
  l2tpsec_wipe(&out, sizeof(out));
  if (err != 0) {
    fprintf(stderr, "charon_peer: creating the ESP SAs failed: %s\n",
            l2tpsec_strerror(err));
    return err;
  }
  p->esp_remote = c->remote;
  snprintf(detail, sizeof(detail),
           "spi_in=0x%08x spi_out=0x%08x encap=%u transform=%u/%u remote=%u",
           c->spi_in, c->spi_out, c->encap_mode, c->esp_transform, c->integ,
           c->remote.port);
  print_event("child_sa_up", detail);
  return 0;
}

static void on_ike_up(void *user_data, uint64_t id,
                      const l2tpsec_ike_endpoint *remote) {
  char detail[64];

  snprintf(detail, sizeof(detail), "id=%llu port=%u", (unsigned long long)id,
           remote->port);
  print_event("ike_sa_up", detail);
}

static void print_log(void *user_data, enum l2tpsec_log_level level,
                      enum l2tpsec_log_category category, const char *msg) {
  fprintf(stderr, "charon_peer: %s: %s\n", l2tpsec_log_level_name(level), msg);
}

/* ---- Inner IPv4 / ICMP -------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

/* Fills the IPv4 header of ip (20 bytes, total length len) and its
 * checksum, and the ICMP checksum of the rest. */
static void finish_ipv4_icmp(uint8_t *ip, size_t len, struct in_addr src,
                             struct in_addr dst) {
  ip[0] = 0x45;
  ip[1] = 0;
  put16(ip + 2, (uint16_t)len);
  put16(ip + 4, 0);
  put16(ip + 6, 0x4000); /* don't fragment */
  ip[8] = 64;
  ip[9] = IP_PROTO_ICMP;
  put16(ip + 10, 0);
  memcpy(ip + 12, &src, 4);
  memcpy(ip + 16, &dst, 4);
  put16(ip + 10, l2tpsec__inet_checksum(ip, 20, 0));
  put16(ip + 22, 0);
  put16(ip + 22, l2tpsec__inet_checksum(ip + 20, len - 20, 0));
}

/* Encrypts the inner packet in pkt and sends it over UDP 4500. */
static void send_inner(peer *p, l2tpsec_pkt *pkt) {
  int err = l2tpsec_esp_encrypt(p->esp_out, pkt, IP_PROTO_IPIP, now_ns());

  if (err != 0) {
    fprintf(stderr, "charon_peer: ESP encryption failed: %s\n",
            l2tpsec_strerror(err));
    return;
  }
  send_udp(p, NATT_PORT, &p->esp_remote, pkt->data, pkt->len);
  p->esp_sent++;
}

static void send_echo_request(peer *p) {
  uint8_t storage[BUF_SIZE];
  l2tpsec_pkt pkt;
  char detail[32];

  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), HEADROOM);
  uint8_t *ip = l2tpsec_pkt_put(&pkt, 20 + 8 + 16);
  memset(ip, 0, 20 + 8 + 16);
  ip[20] = ICMP_ECHO_REQUEST;
  put16(ip + 24, 0x1234);
  put16(ip + 26, ++p->ping_seq);
  memcpy(ip + 28, "l2tpsec tunnel..", 16);
  finish_ipv4_icmp(ip, pkt.len, p->opt.inner_local, p->opt.inner_remote);
  send_inner(p, &pkt);
  p->echo_requests_out++;
  snprintf(detail, sizeof(detail), "seq=%u", p->ping_seq);
  print_event("echo_request_out", detail);
}

/* Turns an echo request into its reply in place and sends it. */
static void reply_to_echo(peer *p, l2tpsec_pkt *pkt) {
  uint8_t *ip = pkt->data;
  struct in_addr src;

  memcpy(&src, ip + 12, 4);
  ip[20] = ICMP_ECHO_REPLY;
  finish_ipv4_icmp(ip, pkt->len, p->opt.inner_local, src);
  send_inner(p, pkt);
  p->echo_replies_out++;
  print_event("echo_reply_out", inet_ntoa(src));
}

/* Handles a decrypted inner IPv4 packet. */
static void handle_inner(peer *p, l2tpsec_pkt *pkt) {
  uint8_t *ip = pkt->data;

  if (pkt->len < 28 || ip[0] != 0x45 || ip[9] != IP_PROTO_ICMP ||
      (size_t)((ip[2] << 8) | ip[3]) != pkt->len ||
      memcmp(ip + 16, &p->opt.inner_local, 4) != 0) {
    print_event("inner_ignored", "not ICMP to our inner address");
    return;
  }
  if (ip[20] == ICMP_ECHO_REQUEST) {
    p->echo_requests_in++;
    print_event("echo_request_in", "");
    reply_to_echo(p, pkt);
  } else if (ip[20] == ICMP_ECHO_REPLY) {
    p->echo_replies_in++;
    print_event("echo_reply_in", "");
  }
}

/* ---- Receive ------------------------------------------------------------ */

static void receive_esp(peer *p, const uint8_t *data, size_t len) {
  uint8_t storage[BUF_SIZE];
  l2tpsec_pkt pkt;
  uint8_t next_header;

  if (p->esp_in == NULL || len > sizeof(storage)) {
    p->esp_errors++;
    return;
  }
  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), HEADROOM);
  memcpy(l2tpsec_pkt_put(&pkt, len), data, len);
  int err = l2tpsec_esp_decrypt(p->esp_in, &pkt, now_ns(), &next_header);
  if (err != 0 || next_header != IP_PROTO_IPIP) {
    p->esp_errors++;
    fprintf(stderr, "charon_peer: ESP packet dropped: %s, next header %u\n",
            err ? l2tpsec_strerror(err) : "none", next_header);
    return;
  }
  p->esp_decrypted++;
  handle_inner(p, &pkt);
}

static void receive(peer *p, int fd, uint16_t local_port) {
  uint8_t buf[BUF_SIZE];
  struct sockaddr_in from;
  socklen_t from_len = sizeof(from);
  l2tpsec_ike_endpoint local = {.family = 4, .port = local_port}, remote;

  ssize_t n =
      recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &from_len);
  if (n <= 0)
    return;
  memcpy(local.addr, &p->opt.local, 4);
  endpoint_of(&from, &remote);
  if (local_port == IKE_PORT) {
    l2tpsec_ike_input(p->ike, buf, (size_t)n, &local, &remote, now_ns());
    return;
  }
  switch (l2tpsec_esp_udp_classify(buf, (size_t)n)) {
  case L2TPSEC_ESP_UDP_IKE:
    l2tpsec_ike_input(p->ike, buf + 4, (size_t)n - 4, &local, &remote,
                      now_ns());
    break;
  case L2TPSEC_ESP_UDP_ESP:
    receive_esp(p, buf, (size_t)n);
    break;
  default:
    break;
  }
}

/* ---- Main loop ---------------------------------------------------------- */

static int poll_timeout_ms(const peer *p, l2tpsec_tstamp now) {
  l2tpsec_tstamp next = l2tpsec_ike_next_deadline(p->ike);
  int ms = 200; /* also paces --ping and the end-time check */

  if (next != L2TPSEC_TSTAMP_NEVER && next <= now)
    return 0;
  if (next != L2TPSEC_TSTAMP_NEVER && (next - now) / 1000000 < (uint64_t)ms)
    ms = (int)((next - now) / 1000000);
  return ms;
}

static void run(peer *p) {
  l2tpsec_tstamp start = now_ns(), last_ping = 0;
  l2tpsec_tstamp end = start + (l2tpsec_tstamp)p->opt.seconds * L2TPSEC_SECONDS;
  struct pollfd fds[2] = {{p->sock_ike, POLLIN, 0}, {p->sock_natt, POLLIN, 0}};

  while (!stop_requested && now_ns() < end) {
    poll(fds, 2, poll_timeout_ms(p, now_ns()));
    if (fds[0].revents & POLLIN)
      receive(p, p->sock_ike, IKE_PORT);
    if (fds[1].revents & POLLIN)
      receive(p, p->sock_natt, NATT_PORT);
    l2tpsec_ike_handle_timeout(p->ike, now_ns());

    /* One echo request a second until a reply came back. */
    bool want_ping = p->opt.ping && p->esp_out != NULL &&
                     p->echo_replies_in == 0 &&
                     now_ns() - last_ping >= L2TPSEC_SECONDS;
    if (want_ping) {
      send_echo_request(p);
      last_ping = now_ns();
    }
  }
}

static void print_counters(const peer *p) {
  l2tpsec_ike_stats st;

  l2tpsec_ike_get_stats(p->ike, &st);
  printf("ike_sas_established=%llu\nchild_sas_established=%llu\n"
         "ike_drops=%llu\ndrop_cert=%llu\nesp_decrypted=%u\n"
         "esp_errors=%u\nesp_sent=%u\n"
         "echo_requests_in=%u\necho_replies_out=%u\n"
         "echo_requests_out=%u\necho_replies_in=%u\n",
         (unsigned long long)st.ike_sas_established,
         (unsigned long long)st.child_sas_established,
         (unsigned long long)(st.drop_malformed + st.drop_unknown_sa +
                              st.drop_unexpected + st.drop_decrypt +
                              st.drop_integrity + st.drop_no_proposal),
         (unsigned long long)st.drop_cert, p->esp_decrypted, p->esp_errors,
         p->esp_sent, p->echo_requests_in, p->echo_replies_out,
         p->echo_requests_out, p->echo_replies_in);
  fflush(stdout);
}

/* ---- Options ------------------------------------------------------------ */

static void usage(void) {
  fprintf(
      stderr,
      "usage: charon_peer --local ADDR --remote ADDR --inner-local ADDR "
      "--inner-remote ADDR (--psk SECRET | --cert PEM --key PEM --ca "
      "PEM) [--initiate] [--ping] [--fake-client-nat] [--aggressive-responder] "
      "[--seconds N]\n");
  exit(2);
}

static struct in_addr parse_addr(const char *name, const char *text) {
  struct in_addr a;

  if (text == NULL || inet_pton(AF_INET, text, &a) != 1) {
    fprintf(stderr, "charon_peer: %s needs an IPv4 address, got '%s'\n", name,
            text ? text : "nothing");
    exit(2);
  }
  return a;
}

static void parse_options(int argc, char **argv, options *o) {
  memset(o, 0, sizeof(*o));
  o->seconds = 60;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(arg, "--initiate") == 0) {
      o->initiate = true;
      continue;
    }
    if (strcmp(arg, "--ping") == 0) {
      o->ping = true;
      continue;
    }
    if (strcmp(arg, "--fake-client-nat") == 0) {
      o->fake_client_nat = true;
      continue;
    }
    if (strcmp(arg, "--aggressive-responder") == 0) {
      o->aggressive_responder = true;
      continue;
    }
    if (val == NULL)
      usage();
    i++;
    if (strcmp(arg, "--local") == 0)
      o->local = parse_addr(arg, val);
    else if (strcmp(arg, "--remote") == 0)
      o->remote = parse_addr(arg, val);
    else if (strcmp(arg, "--inner-local") == 0)
      o->inner_local = parse_addr(arg, val);
    else if (strcmp(arg, "--inner-remote") == 0)
      o->inner_remote = parse_addr(arg, val);
    else if (strcmp(arg, "--psk") == 0)
      o->psk = val;
    else if (strcmp(arg, "--cert") == 0)
      o->cert_file = val;
    else if (strcmp(arg, "--key") == 0)
      o->key_file = val;
    else if (strcmp(arg, "--ca") == 0)
      o->ca_file = val;
    else if (strcmp(arg, "--seconds") == 0)
      o->seconds = atoi(val);
    else
      usage();
  }
  bool cert_set = o->cert_file && o->key_file && o->ca_file;
  if ((o->psk == NULL) == !cert_set || o->local.s_addr == 0 ||
      o->remote.s_addr == 0 || o->inner_local.s_addr == 0 ||
      o->inner_remote.s_addr == 0)
    usage();
}

static l2tpsec_ike_selector host_selector(struct in_addr a) {
  l2tpsec_ike_selector sel = {.family = 4, .prefix_len = 32};

  memcpy(sel.addr, &a, 4);
  return sel;
}

/* Reads a whole file; exits with a message when it cannot. */
static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  uint8_t *buf = NULL;
  long size = -1;

  if (f != NULL && fseek(f, 0, SEEK_END) == 0)
    size = ftell(f);
  if (size > 0 && fseek(f, 0, SEEK_SET) == 0)
    buf = malloc((size_t)size);
  if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size) {
    fprintf(stderr, "charon_peer: reading %s failed: %s\n", path,
            strerror(errno));
    exit(2);
  }
  fclose(f);
  *len = (size_t)size;
  return buf;
}

/* PEM files read for certificate authentication. */
typedef struct credentials {
  uint8_t *cert, *key, *ca;
  size_t cert_len, key_len, ca_len;
} credentials;

/* Reads the certificate files into c and points s at them. */
static void load_certs(const options *o, credentials *c,
                       l2tpsec_ike_settings *s) {
  c->cert = read_file(o->cert_file, &c->cert_len);
  c->key = read_file(o->key_file, &c->key_len);
  c->ca = read_file(o->ca_file, &c->ca_len);
  s->cert = c->cert;
  s->cert_len = c->cert_len;
  s->private_key = c->key;
  s->private_key_len = c->key_len;
  s->ca_certs = c->ca;
  s->ca_certs_len = c->ca_len;
  s->local_id_type = L2TPSEC_IKE_ID_ADDRESS;
  s->unix_time_origin =
      (int64_t)time(NULL) - (int64_t)(now_ns() / L2TPSEC_SECONDS);
}

static void create_ike(peer *p) {
  credentials creds = {0};
  l2tpsec_ike_settings s;
  const l2tpsec_ike_callbacks cb = {
      .send = on_ike_send, .child_sa_up = on_child_up, .ike_sa_up = on_ike_up};

  l2tpsec_ike_settings_default(&s);
  s.log = (l2tpsec_log){print_log, NULL, L2TPSEC_LOG_INFO};
  if (p->opt.psk != NULL) {
    s.psk = (const uint8_t *)p->opt.psk;
    s.psk_len = strlen(p->opt.psk);
  } else {
    load_certs(&p->opt, &creds, &s);
  }
  s.tunnel = true;
  s.fake_client_nat = p->opt.fake_client_nat;
  s.aggressive_responder = p->opt.aggressive_responder;
  s.tunnel_local = host_selector(p->opt.inner_local);
  s.tunnel_remote = host_selector(p->opt.inner_remote);
  int err = l2tpsec_ike_new(&p->ike, &s, &cb, p);
  /* l2tpsec_ike_new copied the credentials. */
  free(creds.cert);
  if (creds.key != NULL)
    l2tpsec_wipe(creds.key, creds.key_len);
  free(creds.key);
  free(creds.ca);
  if (err != 0) {
    fprintf(stderr, "charon_peer: creating the IKE endpoint failed: %s\n",
            l2tpsec_strerror(err));
    exit(2);
  }
}

static void connect_peer(peer *p) {
  l2tpsec_ike_endpoint local = {.family = 4, .port = IKE_PORT};
  l2tpsec_ike_endpoint remote = {.family = 4, .port = IKE_PORT};

  memcpy(local.addr, &p->opt.local, 4);
  memcpy(remote.addr, &p->opt.remote, 4);
  int err = l2tpsec_ike_connect(p->ike, &local, &remote, now_ns(), NULL);
  if (err != 0) {
    fprintf(stderr, "charon_peer: starting main mode failed: %s\n",
            l2tpsec_strerror(err));
    exit(2);
  }
}

int main(int argc, char **argv) {
  peer p = {0};

  parse_options(argc, argv, &p.opt);
  signal(SIGTERM, on_sigterm);
  signal(SIGINT, on_sigterm);
  p.sock_ike = bind_udp(p.opt.local, IKE_PORT);
  p.sock_natt = bind_udp(p.opt.local, NATT_PORT);
  create_ike(&p);
  print_event("listening", inet_ntoa(p.opt.local));
  if (p.opt.initiate)
    connect_peer(&p);

  run(&p);
  print_counters(&p);
  l2tpsec_esp_sa_del(p.esp_in);
  l2tpsec_esp_sa_del(p.esp_out);
  l2tpsec_ike_del(p.ike);
  close(p.sock_ike);
  close(p.sock_natt);
  return 0;
}
