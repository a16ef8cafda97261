/* The test client: fixed-key ESP, L2TP LAC and PPP client over UDP. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "l2tpsec/errors.h"
#include "test_peer.h"
#include "uv/loop_timer.h"
#include "uv/mtu.h"
#include "uv/server_internal.h"

static void fill_keys(l2tpsec_esp_sa_settings *s, uint32_t spi, uint8_t key) {
  l2tpsec_esp_sa_settings_default(s);
  s->spi = spi;
  s->encr = L2TPSEC_ESP_ENCR_AES_CBC;
  memset(s->encr_key, key, 16);
  s->encr_key_len = 16;
  s->integ = L2TPSEC_ESP_INTEG_HMAC_SHA1_96;
  memset(s->integ_key, key + 1, 20);
  s->integ_key_len = 20;
  s->encap_local_port = 4500;
  s->encap_remote_port = 4500;
  s->created = l2tpsec__now();
}

void test_peer_sa_settings(int index, l2tpsec_esp_sa_settings *server_in,
                           l2tpsec_esp_sa_settings *server_out) {
  fill_keys(server_in, 0x1000u + (uint32_t)index, (uint8_t)(0x10 + index));
  server_in->direction = L2TPSEC_ESP_INBOUND;
  fill_keys(server_out, 0x2000u + (uint32_t)index, (uint8_t)(0x40 + index));
  server_out->direction = L2TPSEC_ESP_OUTBOUND;
}

static int send_datagram(void *user_data, uint64_t transport,
                         l2tpsec_pkt *pkt) {
  struct test_peer *p = user_data;
  uint8_t *udp = l2tpsec_pkt_push(pkt, 8);
  size_t len = pkt->len;

  assert_non_null(udp);
  udp[0] = 1701 >> 8;
  udp[1] = 1701 & 0xff;
  udp[2] = (uint8_t)(p->inner_dst_port >> 8);
  udp[3] = (uint8_t)p->inner_dst_port;
  udp[4] = (uint8_t)(len >> 8);
  udp[5] = (uint8_t)len;
  udp[6] = udp[7] = 0;
  assert_int_equal(l2tpsec_esp_encrypt(p->out, pkt, 17, l2tpsec__now()), 0);
  if (p->raw_fd >= 0) {
    struct sockaddr_in to = {.sin_family = AF_INET};

    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    return sendto(p->raw_fd, pkt->data, pkt->len, 0, (struct sockaddr *)&to,
                  sizeof(to)) == (ssize_t)pkt->len
               ? 0
               : L2TPSEC_ERR_IO;
  }
  return send(p->fd, pkt->data, pkt->len, 0) == (ssize_t)pkt->len
             ? 0
             : L2TPSEC_ERR_IO;
}

static void on_send_frame(void *user_data, l2tpsec_pkt *frame) {
  struct test_peer *p = user_data;

  l2tpsec_l2tp_session_send(p->lac, p->tunnel_id, p->session_id, frame,
                            l2tpsec__now());
}

static void on_deliver_ip(void *user_data, l2tpsec_pkt *packet) {
  struct test_peer *p = user_data;

  /* ICMP (protocol 1) type 0: an echo reply. */
  if (packet->len >= 28 && packet->data[9] == 1 && packet->data[20] == 0)
    p->echo_replies++;
  if (p->on_ip != NULL)
    p->on_ip(p, packet->data, packet->len);
}

static void on_ppp_event(void *user_data, const l2tpsec_ppp_event *ev) {
  struct test_peer *p = user_data;

  if (ev->type == L2TPSEC_PPP_EVENT_IPCP_UP) {
    p->ipcp_up = true;
    memcpy(p->address4, ev->local_address, 4);
  }
  if (ev->type == L2TPSEC_PPP_EVENT_DEAD)
    p->dead = true;
}

static void start_ppp(struct test_peer *p) {
  const l2tpsec_ppp_callbacks cb = {
      on_send_frame, on_deliver_ip, on_ppp_event, NULL, NULL, NULL, NULL};
  l2tpsec_ppp_settings s;

  l2tpsec_ppp_settings_default(&s, L2TPSEC_PPP_CLIENT);
  s.rand = l2tpsec_rand_test(&p->rand_state, 99);
  s.user = "alice";
  s.password = p->password;
  if (p->method != L2TPSEC_AUTH_NONE) {
    memset(s.methods, 0, sizeof(s.methods));
    s.methods[0] = p->method;
  }
  assert_int_equal(l2tpsec_ppp_new(&p->ppp, &s, &cb, p, l2tpsec__now()), 0);
}

static void on_l2tp_event(void *user_data, const l2tpsec_l2tp_event *ev) {
  struct test_peer *p = user_data;

  if (ev->type == L2TPSEC_L2TP_TUNNEL_UP) {
    p->tunnel_up = true;
    l2tpsec_l2tp_session_open(p->lac, p->tunnel_id, &p->session_id,
                              l2tpsec__now());
  } else if (ev->type == L2TPSEC_L2TP_SESSION_UP) {
    p->session_up = true;
    start_ppp(p);
  } else if (ev->type == L2TPSEC_L2TP_SESSION_DOWN ||
             ev->type == L2TPSEC_L2TP_TUNNEL_DOWN) {
    p->dead = true;
  }
}

static void on_l2tp_recv(void *user_data, uint16_t tunnel_id,
                         uint16_t session_id, const uint8_t *frame,
                         size_t len) {
  struct test_peer *p = user_data;
  uint8_t storage[2048];
  l2tpsec_pkt pkt;

  if (p->ppp == NULL || len > 1800)
    return;
  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 128);
  memcpy(l2tpsec_pkt_put(&pkt, len), frame, len);
  l2tpsec_ppp_input(p->ppp, &pkt, l2tpsec__now());
}

static void open_sas(struct test_peer *p, int index) {
  l2tpsec_esp_sa_settings server_in, server_out;

  test_peer_sa_settings(index, &server_in, &server_out);
  server_in.direction = L2TPSEC_ESP_OUTBOUND;
  server_out.direction = L2TPSEC_ESP_INBOUND;
  assert_int_equal(l2tpsec_esp_sa_new(&p->out, &server_in, NULL, p), 0);
  assert_int_equal(l2tpsec_esp_sa_new(&p->in, &server_out, NULL, p), 0);
}

void test_peer_open(struct test_peer *p, const char *local, uint16_t port,
                    uint16_t natt_port, int index, uint64_t seed,
                    const char *password) {
  struct sockaddr_in self = {.sin_family = AF_INET, .sin_port = htons(port)};
  struct sockaddr_in server = {.sin_family = AF_INET,
                               .sin_port = htons(natt_port)};
  const l2tpsec_l2tp_callbacks cb = {send_datagram, on_l2tp_recv,
                                     on_l2tp_event};
  l2tpsec_l2tp_settings ls;

  memset(p, 0, sizeof(*p));
  p->ike_fd = p->raw_fd = -1;
  p->password = password;
  p->inner_dst_port = 1701;
  inet_pton(AF_INET, local, &self.sin_addr);
  inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
  p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  assert_int_equal(bind(p->fd, (struct sockaddr *)&self, sizeof(self)), 0);
  assert_int_equal(connect(p->fd, (struct sockaddr *)&server, sizeof(server)),
                   0);
  memcpy(&p->address, &self, sizeof(self));
  open_sas(p, index);

  l2tpsec_l2tp_settings_default(&ls);
  ls.role = L2TPSEC_L2TP_LAC;
  ls.rand = l2tpsec_rand_test(&p->rand_state, seed);
  assert_int_equal(l2tpsec_l2tp_new(&p->lac, &ls, &cb, p), 0);
}

static int ike_send(void *user_data, const uint8_t *data, size_t len,
                    const l2tpsec_ike_endpoint *local,
                    const l2tpsec_ike_endpoint *remote) {
  struct test_peer *p = user_data;
  struct sockaddr_in to = {.sin_family = AF_INET,
                           .sin_port = htons(remote->port)};

  memcpy(&to.sin_addr, remote->addr, 4);
  return sendto(p->ike_fd, data, len, 0, (struct sockaddr *)&to, sizeof(to)) ==
                 (ssize_t)len
             ? 0
             : L2TPSEC_ERR_IO;
}

static void child_settings(const l2tpsec_ike_child_sa *c, bool inbound,
                           l2tpsec_esp_sa_settings *s) {
  l2tpsec_esp_sa_settings_default(s);
  s->spi = inbound ? c->spi_in : c->spi_out;
  s->direction = inbound ? L2TPSEC_ESP_INBOUND : L2TPSEC_ESP_OUTBOUND;
  s->encr = (enum l2tpsec_esp_encr)c->esp_transform;
  memcpy(s->encr_key, inbound ? c->encr_key_in : c->encr_key_out,
         c->encr_key_len);
  s->encr_key_len = c->encr_key_len;
  s->integ = (enum l2tpsec_esp_integ)c->integ;
  memcpy(s->integ_key, inbound ? c->integ_key_in : c->integ_key_out,
         c->integ_key_len);
  s->integ_key_len = c->integ_key_len;
  s->created = l2tpsec__now();
}

static int ike_child_up(void *user_data, const l2tpsec_ike_child_sa *c) {
  struct test_peer *p = user_data;
  l2tpsec_esp_sa_settings in, out;

  child_settings(c, true, &in);
  child_settings(c, false, &out);
  p->child_sas++;
  if (p->child_up) {
    /* A rekey: the new pair sends, the old inbound SA still decrypts. */
    l2tpsec_esp_sa_del(p->in_old);
    l2tpsec_esp_sa_del(p->out);
    p->in_old = p->in;
    assert_int_equal(l2tpsec_esp_sa_new(&p->in, &in, NULL, p), 0);
    assert_int_equal(l2tpsec_esp_sa_new(&p->out, &out, NULL, p), 0);
    return 0;
  }
  assert_int_equal(l2tpsec_esp_sa_new(&p->in, &in, NULL, p), 0);
  assert_int_equal(l2tpsec_esp_sa_new(&p->out, &out, NULL, p), 0);
  p->child_up = true;
  test_peer_connect(p);
  return 0;
}

void test_peer_open_ike(struct test_peer *p, const char *local, uint64_t seed,
                        const char *psk, const char *password) {
  test_peer_open_ike_lifetime(p, local, seed, psk, password, 0);
}

void test_peer_open_ike_lifetime(struct test_peer *p, const char *local,
                                 uint64_t seed, const char *psk,
                                 const char *password, uint32_t esp_lifetime) {
  struct sockaddr_in self = {.sin_family = AF_INET, .sin_port = htons(500)};
  const l2tpsec_ike_callbacks icb = {.send = ike_send,
                                     .child_sa_up = ike_child_up};
  const l2tpsec_l2tp_callbacks lcb = {send_datagram, on_l2tp_recv,
                                      on_l2tp_event};
  l2tpsec_ike_settings is;
  l2tpsec_l2tp_settings ls;

  memset(p, 0, sizeof(*p));
  p->fd = -1;
  p->password = password;
  p->inner_dst_port = 1701;
  inet_pton(AF_INET, local, &self.sin_addr);
  p->ike_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  assert_int_equal(bind(p->ike_fd, (struct sockaddr *)&self, sizeof(self)), 0);
  p->raw_fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK, 50);
  self.sin_port = 0;
  assert_int_equal(bind(p->raw_fd, (struct sockaddr *)&self, sizeof(self)), 0);

  p->ike_local = (l2tpsec_ike_endpoint){.family = 4, .port = 500};
  memcpy(p->ike_local.addr, &self.sin_addr, 4);
  p->ike_remote = (l2tpsec_ike_endpoint){.family = 4, .port = 500};
  inet_pton(AF_INET, "127.0.0.1", p->ike_remote.addr);

  l2tpsec_ike_settings_default(&is);
  is.rand = l2tpsec_rand_test(&p->rand_state, seed);
  is.psk = (const uint8_t *)psk;
  is.psk_len = strlen(psk);
  if (esp_lifetime != 0)
    is.esp_lifetime = esp_lifetime;
  assert_int_equal(l2tpsec_ike_new(&p->ike, &is, &icb, p), 0);

  l2tpsec_l2tp_settings_default(&ls);
  ls.role = L2TPSEC_L2TP_LAC;
  ls.rand = is.rand;
  assert_int_equal(l2tpsec_l2tp_new(&p->lac, &ls, &lcb, p), 0);
  assert_int_equal(l2tpsec_ike_connect(p->ike, &p->ike_local, &p->ike_remote,
                                       l2tpsec__now(), &p->ike_sa_id),
                   0);
}

static void poll_ike(struct test_peer *p, l2tpsec_tstamp now) {
  uint8_t buf[4096];
  struct sockaddr_in from;
  socklen_t from_len = sizeof(from);
  ssize_t n;

  while ((n = recvfrom(p->ike_fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
                       &from_len)) > 0) {
    l2tpsec_ike_endpoint remote = {.family = 4, .port = ntohs(from.sin_port)};

    memcpy(remote.addr, &from.sin_addr, 4);
    l2tpsec_ike_input(p->ike, buf, (size_t)n, &p->ike_local, &remote, now);
    from_len = sizeof(from);
  }
  l2tpsec_ike_handle_timeout(p->ike, now);
}

/* The inbound SA named by the SPI at the start of an ESP packet. */
static l2tpsec_esp_sa *inbound_sa(struct test_peer *p, const l2tpsec_pkt *pkt) {
  uint32_t spi;

  if (p->in_old == NULL || pkt->len < 4)
    return p->in;
  spi = (uint32_t)pkt->data[0] << 24 | (uint32_t)pkt->data[1] << 16 |
        (uint32_t)pkt->data[2] << 8 | pkt->data[3];
  return spi == l2tpsec_esp_sa_spi(p->in_old) ? p->in_old : p->in;
}

/* Raw IPv4 sockets return the IP header in front of ESP. */
static void poll_raw(struct test_peer *p, l2tpsec_tstamp now) {
  uint8_t storage[4096];
  ssize_t n;

  for (;;) {
    l2tpsec_pkt pkt;
    uint8_t next_header;
    size_t ihl;

    l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 64);
    n = recv(p->raw_fd, pkt.data, 4000, 0);
    if (n <= 0)
      break;
    ihl = (size_t)(pkt.data[0] & 0x0f) * 4;
    pkt.len = (size_t)n;
    if (p->in == NULL || l2tpsec_pkt_pull(&pkt, ihl) == NULL ||
        l2tpsec_esp_decrypt(inbound_sa(p, &pkt), &pkt, now, &next_header) !=
            0 ||
        pkt.len < 8)
      continue;
    l2tpsec_l2tp_input(p->lac, 1, pkt.data + 8, pkt.len - 8, now);
  }
}

void test_peer_switch_sas(struct test_peer *p, int index) {
  l2tpsec_esp_sa_del(p->in_old);
  l2tpsec_esp_sa_del(p->out);
  p->in_old = p->in;
  open_sas(p, index);
}

void test_peer_close(struct test_peer *p) {
  l2tpsec_ike_del(p->ike);
  if (p->ike_fd >= 0)
    close(p->ike_fd);
  if (p->raw_fd >= 0)
    close(p->raw_fd);
  l2tpsec_ppp_del(p->ppp);
  l2tpsec_l2tp_del(p->lac);
  l2tpsec_esp_sa_del(p->in);
  l2tpsec_esp_sa_del(p->in_old);
  l2tpsec_esp_sa_del(p->out);
  if (p->fd >= 0)
    close(p->fd);
}

void test_peer_server_settings(l2tpsec_server_settings *s, uint16_t natt_port,
                               const char *tun_name) {
  static const char *const listen[] = {"127.0.0.1"};
  static const char *const ranges[] = {"192.0.2.10-192.0.2.20"};

  l2tpsec_server_settings_default(s);
  s->listen_addresses = listen;
  s->listen_address_count = 1;
  s->natt_port = natt_port;
  s->psk = (const uint8_t *)"unused until IKE";
  s->psk_len = 16;
  s->pool_ranges = ranges;
  s->pool_range_count = 1;
  s->local_address = "192.0.2.1";
  s->tun_name = tun_name;
}

uint64_t test_peer_add_to_server(struct test_peer *p, l2tpsec_server *server,
                                 int index) {
  l2tpsec_esp_sa_settings in, out;
  uint64_t id = 0;

  test_peer_sa_settings(index, &in, &out);
  assert_int_equal(l2tpsec__server_add_conn(server, 0,
                                            (struct sockaddr *)&p->address,
                                            true, &in, &out, &id),
                   0);
  return id;
}

void test_peer_connect(struct test_peer *p) {
  assert_int_equal(
      l2tpsec_l2tp_tunnel_open(p->lac, 1, &p->tunnel_id, l2tpsec__now()), 0);
}

void test_peer_poll(struct test_peer *p) {
  uint8_t storage[4096];
  l2tpsec_tstamp now = l2tpsec__now();

  if (p->ike != NULL) {
    poll_ike(p, now);
    poll_raw(p, now);
  }
  for (; p->fd >= 0;) {
    l2tpsec_pkt pkt;
    uint8_t next_header;
    ssize_t n;

    l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 64);
    n = recv(p->fd, pkt.data, 4000, 0);
    if (n <= 0)
      break;
    pkt.len = (size_t)n;
    if (l2tpsec_esp_decrypt(inbound_sa(p, &pkt), &pkt, now, &next_header) !=
            0 ||
        pkt.len < 8)
      continue;
    l2tpsec_l2tp_input(p->lac, 1, pkt.data + 8, pkt.len - 8, now);
  }
  l2tpsec_l2tp_handle_timeout(p->lac, now);
  if (p->ppp != NULL && !p->dead)
    l2tpsec_ppp_handle_timeout(p->ppp, now);
}

int test_peer_ping(struct test_peer *p, const uint8_t dst[4]) {
  uint8_t storage[512];
  l2tpsec_pkt pkt;
  uint8_t *ip;
  uint16_t csum;

  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 128);
  ip = l2tpsec_pkt_put(&pkt, 28 + 8);
  if (ip == NULL)
    return L2TPSEC_ERR_NOBUFS;
  memset(ip, 0, 36);
  ip[0] = 0x45;
  ip[3] = 36;
  ip[8] = 64;
  ip[9] = 1;
  memcpy(ip + 12, p->address4, 4);
  memcpy(ip + 16, dst, 4);
  csum = l2tpsec__inet_checksum(ip, 20, 0);
  ip[10] = (uint8_t)(csum >> 8);
  ip[11] = (uint8_t)csum;
  ip[20] = 8; /* echo request */
  memcpy(ip + 28, "l2tpsec!", 8);
  csum = l2tpsec__inet_checksum(ip + 20, 16, 0);
  ip[22] = (uint8_t)(csum >> 8);
  ip[23] = (uint8_t)csum;
  return l2tpsec_ppp_send_ip(p->ppp, &pkt, l2tpsec__now());
}

void test_peer_send_l2tp(struct test_peer *p, uint16_t dst_port,
                         const uint8_t *data, size_t len) {
  uint8_t storage[512];
  l2tpsec_pkt pkt;
  uint16_t saved = p->inner_dst_port;

  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 128);
  memcpy(l2tpsec_pkt_put(&pkt, len), data, len);
  p->inner_dst_port = dst_port;
  send_datagram(p, 1, &pkt);
  p->inner_dst_port = saved;
}
