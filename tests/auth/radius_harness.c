/* In-memory harness for the RADIUS client tests. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "radius_harness.h"

static const char *const secrets[] = {"secret0", "secret1", "secret2"};

const char *harness_secret(int server) {
  return secrets[server];
}

struct sockaddr_in harness_server_addr(int server, int acct) {
  struct sockaddr_in a;

  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(0x7f000001);
  a.sin_port =
      htons((uint16_t)(acct ? 21813 + 10 * server : 21812 + 10 * server));
  return a;
}

static int record_send(void *user_data, enum l2tpsec_radius_channel channel,
                       const struct sockaddr *to, socklen_t to_len,
                       const uint8_t *data, size_t len) {
  struct harness *h = user_data;
  struct sent_datagram *d;

  assert_true(h->sent_count < HARNESS_MAX_SENT);
  assert_int_equal(to_len, sizeof(struct sockaddr_in));
  d = &h->sent[h->sent_count++];
  d->channel = channel;
  memcpy(&d->to, to, sizeof(d->to));
  assert_true(len <= sizeof(d->data));
  memcpy(d->data, data, len);
  d->len = len;
  return 0;
}

static void record_done(void *user_data, uint64_t login,
                        const l2tpsec_radius_auth_result *result) {
  struct harness *h = user_data;

  assert_true(h->done_count < HARNESS_MAX_DONE);
  h->done_login[h->done_count] = login;
  h->done[h->done_count++] = *result;
}

static void record_drop(void *user_data, const char *session_id,
                        enum l2tpsec_radius_drop_reason reason) {
  struct harness *h = user_data;

  assert_non_null(session_id);
  h->acct_dropped++;
  h->last_drop = reason;
}

static int record_disconnect(void *user_data,
                             const l2tpsec_radius_disconnect *sel) {
  struct harness *h = user_data;

  h->disconnects++;
  h->last_disconnect = *sel;
  snprintf(h->last_disconnect_user, sizeof(h->last_disconnect_user), "%s",
           sel->user_name ? sel->user_name : "");
  h->last_disconnect.user_name = NULL;
  h->last_disconnect.acct_session_id = NULL;
  return h->disconnect_result;
}

static void count_log(void *user_data, enum l2tpsec_log_level level,
                      enum l2tpsec_log_category category, const char *message) {
  struct harness *h = user_data;

  assert_int_equal(category, L2TPSEC_LOG_AUTH);
  /* No test password or secret may ever reach a log line. */
  assert_null(strstr(message, "Secr3t"));
  assert_null(strstr(message, "secret0"));
  h->log_lines++;
}

void harness_settings(struct harness *h, size_t servers) {
  memset(h, 0, sizeof(*h));
  l2tpsec_radius_settings_default(&h->settings);
  h->settings.rand = l2tpsec_rand_test(&h->rng, 42);
  h->settings.log.fn = count_log;
  h->settings.log.user_data = h;
  h->settings.log.max_level = L2TPSEC_LOG_DEBUG;
  h->settings.nas_identifier = "nas-test";
  h->settings.has_nas_ip = true;
  memcpy(h->settings.nas_ip, "\xc0\x00\x02\x01", 4);

  for (size_t i = 0; i < servers; i++) {
    struct sockaddr_in a = harness_server_addr((int)i, 0);
    l2tpsec_radius_server *s = &h->settings.servers[i];

    memcpy(&s->addr, &a, sizeof(a));
    s->auth_port = ntohs(a.sin_port);
    s->acct_port = (uint16_t)(s->auth_port + 1);
    s->secret = (const uint8_t *)secrets[i];
    s->secret_len = strlen(secrets[i]);
  }
  h->settings.server_count = servers;
  h->disconnect_result = 1;
}

void harness_start(struct harness *h) {
  l2tpsec_radius_callbacks cb = {record_send, record_done, record_drop,
                                 record_disconnect};

  assert_int_equal(l2tpsec_radius_client_new(&h->client, &h->settings, &cb, h),
                   0);
}

void harness_stop(struct harness *h) {
  l2tpsec_radius_client_del(h->client);
  h->client = NULL;
}

int harness_sent_server(const struct harness *h, size_t index) {
  uint16_t port = ntohs(h->sent[index].to.sin_port);

  for (int i = 0; i < 3; i++) {
    if (port == 21812 + 10 * i || port == 21813 + 10 * i)
      return i;
  }
  return -1;
}

size_t harness_reply(const struct harness *h, size_t index, uint8_t code,
                     const uint8_t *attrs, size_t attrs_len, int options,
                     uint8_t *out) {
  const struct sent_datagram *req = &h->sent[index];
  int server = harness_sent_server(h, index);
  const char *secret =
      (options & REPLY_WRONG_SECRET) ? "not-the-secret" : secrets[server];
  l2tpsec__radius_writer w;
  int len;

  l2tpsec__radius_begin(&w, out, RADIUS_PACKET_MAX, code, req->data[1],
                        req->data + 4);
  if (!(options & REPLY_NO_MA))
    l2tpsec__radius_add_message_authenticator(&w);
  assert_true(w.len + attrs_len <= RADIUS_PACKET_MAX);
  if (attrs_len > 0)
    memcpy(out + w.len, attrs, attrs_len);
  w.len += attrs_len;
  len = l2tpsec__radius_finish_response(
      &w, req->data + 4, (const uint8_t *)secret, strlen(secret));
  assert_true(len > 0);
  if (options & REPLY_BAD_AUTH)
    out[4] ^= 0x01;
  return (size_t)len;
}

int harness_deliver(struct harness *h, int server, int acct,
                    const uint8_t *data, size_t len, l2tpsec_tstamp now) {
  struct sockaddr_in from = harness_server_addr(server, acct);

  return l2tpsec_radius_client_input(h->client, (struct sockaddr *)&from,
                                     sizeof(from), data, len, now);
}

int harness_answer(struct harness *h, size_t index, uint8_t code,
                   const uint8_t *attrs, size_t attrs_len, int options,
                   l2tpsec_tstamp now) {
  uint8_t reply[RADIUS_PACKET_MAX];
  size_t len = harness_reply(h, index, code, attrs, attrs_len, options, reply);
  int acct = h->sent[index].data[0] == RADIUS_ACCOUNTING_REQUEST;

  return harness_deliver(h, harness_sent_server(h, index), acct, reply, len,
                         now);
}

const uint8_t *harness_find_attr(const uint8_t *pkt, size_t len, uint8_t type,
                                 size_t *vlen) {
  size_t pos = RADIUS_HEADER_LEN;

  while (pos + 2 <= len && pkt[pos + 1] >= 2 && pos + pkt[pos + 1] <= len) {
    if (pkt[pos] == type) {
      *vlen = (size_t)pkt[pos + 1] - 2;
      return pkt + pos + 2;
    }
    pos += pkt[pos + 1];
  }
  return NULL;
}

const uint8_t *harness_find_ms_attr(const uint8_t *pkt, size_t len,
                                    uint8_t type, size_t *vlen) {
  size_t pos = RADIUS_HEADER_LEN;

  while (pos + 2 <= len && pkt[pos + 1] >= 2 && pos + pkt[pos + 1] <= len) {
    const uint8_t *v = pkt + pos + 2;

    if (pkt[pos] == RADIUS_VENDOR_SPECIFIC && pkt[pos + 1] >= 8 &&
        radius_get32(v) == RADIUS_VENDOR_MICROSOFT && v[4] == type) {
      *vlen = (size_t)v[5] - 2;
      return v + 6;
    }
    pos += pkt[pos + 1];
  }
  return NULL;
}

uint32_t harness_attr_u32(const uint8_t *pkt, size_t len, uint8_t type) {
  size_t vlen = 0;
  const uint8_t *v = harness_find_attr(pkt, len, type, &vlen);

  assert_non_null(v);
  assert_int_equal(vlen, 4);
  return radius_get32(v);
}

l2tpsec_radius_auth_request harness_pap_request(const char *password) {
  l2tpsec_radius_auth_request r;

  memset(&r, 0, sizeof(r));
  r.user_name = "alice";
  r.method = L2TPSEC_RADIUS_PAP;
  r.password = (const uint8_t *)password;
  r.password_len = strlen(password);
  r.nas_port = 7;
  r.calling_station_id = "203.0.113.5";
  r.called_station_id = "198.51.100.1";
  return r;
}
