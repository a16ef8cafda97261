/*
 * libFuzzer harness for the RADIUS client's receive paths: the reply
 * parser and authenticator checks, the Disconnect-Request handler, and
 * the attribute decoder behind a valid signature.
 *
 * The first input byte picks the path. Mode 2 signs the rest of the input
 * with the shared secret as a reply to the pending login, so attribute
 * decoding is reached even though MD5 cannot be guessed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "auth/radius_wire.h"
#include "l2tpsec/radius.h"

static const uint8_t secret[] = "fuzz-secret";

static int ignore_send(void *user_data, enum l2tpsec_radius_channel channel,
                       const struct sockaddr *to, socklen_t to_len,
                       const uint8_t *data, size_t len) {
  uint8_t *last_request = user_data;

  if (channel == L2TPSEC_RADIUS_CHANNEL_CLIENT && len >= RADIUS_HEADER_LEN)
    memcpy(last_request, data, RADIUS_HEADER_LEN);
  return 0;
}

static void ignore_done(void *user_data, uint64_t login,
                        const l2tpsec_radius_auth_result *result) {}

static int end_one(void *user_data, const l2tpsec_radius_disconnect *sel) {
  return 1;
}

static struct sockaddr_in server_address(void) {
  struct sockaddr_in a;

  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(0x7f000001);
  a.sin_port = htons(1812);
  return a;
}

static l2tpsec_radius_client *make_client(uint8_t *last_request,
                                          l2tpsec_rand_test_state *rng) {
  l2tpsec_radius_callbacks cb = {ignore_send, ignore_done, NULL, end_one};
  struct sockaddr_in a = server_address();
  l2tpsec_radius_settings s;
  l2tpsec_radius_client *c = NULL;

  l2tpsec_radius_settings_default(&s);
  s.rand = l2tpsec_rand_test(rng, 7);
  memcpy(&s.servers[0].addr, &a, sizeof(a));
  s.servers[0].auth_port = 1812;
  s.servers[0].acct_port = 1813;
  s.servers[0].secret = secret;
  s.servers[0].secret_len = sizeof(secret) - 1;
  s.server_count = 1;
  memcpy(&s.dae_clients[0].addr, &a, sizeof(a));
  s.dae_clients[0].secret = secret;
  s.dae_clients[0].secret_len = sizeof(secret) - 1;
  s.dae_client_count = 1;
  l2tpsec_radius_client_new(&c, &s, &cb, last_request);
  return c;
}

static void start_login(l2tpsec_radius_client *c) {
  l2tpsec_radius_auth_request r;
  uint64_t login;

  memset(&r, 0, sizeof(r));
  r.user_name = "fuzz";
  r.method = L2TPSEC_RADIUS_PAP;
  r.password = (const uint8_t *)"pw";
  r.password_len = 2;
  l2tpsec_radius_client_auth(c, &r, 1, &login);
}

/* Signs data[1..] as the attributes of a reply with code data[0]. */
static size_t sign_reply(const uint8_t *request, const uint8_t *data,
                         size_t size, uint8_t *out) {
  l2tpsec__radius_writer w;
  int len;

  if (size < 1 || size - 1 > RADIUS_PACKET_MAX - RADIUS_HEADER_LEN - 18)
    return 0;
  l2tpsec__radius_begin(&w, out, RADIUS_PACKET_MAX, data[0], request[1],
                        request + 4);
  l2tpsec__radius_add_message_authenticator(&w);
  memcpy(out + w.len, data + 1, size - 1);
  w.len += size - 1;
  len = l2tpsec__radius_finish_response(&w, request + 4, secret,
                                        sizeof(secret) - 1);
  return len > 0 ? (size_t)len : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t signed_reply[RADIUS_PACKET_MAX];
  uint8_t last_request[RADIUS_HEADER_LEN] = {0};
  struct sockaddr_in from = server_address();
  l2tpsec_rand_test_state rng;
  l2tpsec_radius_client *c;
  size_t len;

  if (size < 1)
    return 0;
  c = make_client(last_request, &rng);
  if (c == NULL)
    return 0;
  start_login(c);

  switch (data[0] % 3) {
  case 0:
    l2tpsec_radius_client_input(c, (struct sockaddr *)&from, sizeof(from),
                                data + 1, size - 1, 2);
    break;
  case 1:
    l2tpsec_radius_client_dae_input(c, (struct sockaddr *)&from, sizeof(from),
                                    data + 1, size - 1, 2);
    break;
  default:
    len = sign_reply(last_request, data + 1, size - 1, signed_reply);
    if (len > 0)
      l2tpsec_radius_client_input(c, (struct sockaddr *)&from, sizeof(from),
                                  signed_reply, len, 2);
    break;
  }

  l2tpsec_radius_client_handle_timeout(c, 100ULL * 1000000000ULL);
  l2tpsec_radius_client_del(c);
  return 0;
}
