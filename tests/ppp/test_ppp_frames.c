/*
 * One PPP end against hand-built frames: option rejects, headers with
 * and without FF 03, CCP and unknown protocols, IPCP NAKs, Echo-Reply
 * sizes, and the MS-CHAPv2 Success forms real servers send.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/chap.h"
#include "l2tpsec/l2tpsec.h"
#include "ppp_harness.h"

#define S L2TPSEC_SECONDS

static struct harness h;

static struct harness *fresh(bool server) {
  memset(&h, 0, sizeof(h));
  h.server_only = server;
  h.client_only = !server;
  h.delay_min_ms = h.delay_max_ms = 1;
  return &h;
}

/* Builds FF 03 + protocol + code, id, length + data into f. */
static size_t control(uint8_t *f, uint16_t protocol, uint8_t code, uint8_t id,
                      const uint8_t *data, size_t len) {
  f[0] = 0xff;
  f[1] = 0x03;
  f[2] = (uint8_t)(protocol >> 8);
  f[3] = (uint8_t)protocol;
  f[4] = code;
  f[5] = id;
  f[6] = (uint8_t)((len + 4) >> 8);
  f[7] = (uint8_t)(len + 4);
  if (len > 0)
    memcpy(f + 8, data, len);
  return len + 8;
}

static int inject(int to, uint16_t protocol, uint8_t code, uint8_t id,
                  const uint8_t *data, size_t len) {
  uint8_t f[1600];

  return harness_inject(&h, to, f, control(f, protocol, code, id, data, len));
}

/* Acknowledges the latest LCP Configure-Request of the end under test. */
static void ack_their_request(int end) {
  size_t len;
  const uint8_t *req = harness_find_sent(&h, end, 0xc021, 1, &len);

  assert_non_null(req);
  inject(end, 0xc021, 2, req[1], req + 4, len - 4);
}

/* Opens LCP on the end under test with our options. */
static void open_lcp(int end, const uint8_t *opts, size_t len) {
  size_t n;

  assert_int_equal(inject(end, 0xc021, 1, 1, opts, len), 0);
  assert_non_null(harness_find_sent(&h, end, 0xc021, 2, &n));
  ack_their_request(end);
}

static const uint8_t magic_opt[] = {0x05, 0x06, 0x11, 0x22, 0x33, 0x44};

/* ---- LCP options -------------------------------------------------------- */

static void unknown_lcp_options_rejected(void **state) {
  /* MRU, callback (13), MRRU (17), short sequence (18), endpoint
   * discriminator (19), quality protocol (4), magic. */
  static const uint8_t opts[] = {
      0x01, 0x04, 0x05, 0xdc, 0x0d, 0x03, 0x06, 0x11, 0x04, 0x05, 0xdc,
      0x12, 0x02, 0x13, 0x03, 0x00, 0x04, 0x08, 0xc0, 0x25, 0x00, 0x00,
      0x00, 0x0a, 0x05, 0x06, 0x11, 0x22, 0x33, 0x44};
  static const uint8_t rejected[] = {0x0d, 0x03, 0x06, 0x11, 0x04, 0x05, 0xdc,
                                     0x12, 0x02, 0x13, 0x03, 0x00, 0x04, 0x08,
                                     0xc0, 0x25, 0x00, 0x00, 0x00, 0x0a};
  const uint8_t *rej;
  size_t len;

  fresh(true);
  harness_start(&h, 1, NULL, NULL);
  assert_int_equal(inject(0, 0xc021, 1, 7, opts, sizeof(opts)), 0);
  rej = harness_find_sent(&h, 0, 0xc021, 4, &len);
  assert_non_null(rej);
  assert_int_equal(rej[1], 7);
  assert_int_equal(len, 4 + sizeof(rejected));
  assert_memory_equal(rej + 4, rejected, sizeof(rejected));
  harness_stop(&h);
}

/* With only PAP configured (password+code), our request asks for PAP:
 * 03 04 C0 23. */
static void server_requests_only_pap(void **state) {
  l2tpsec_ppp_settings server;
  const uint8_t *req;
  size_t len;
  static const uint8_t pap[] = {0x03, 0x04, 0xc0, 0x23};

  fresh(true);
  harness_settings(&h, 0, &server);
  memset(server.methods, 0, sizeof(server.methods));
  server.methods[0] = L2TPSEC_AUTH_PAP;
  harness_start(&h, 2, &server, NULL);
  req = harness_find_sent(&h, 0, 0xc021, 1, &len);
  assert_non_null(req);
  /* MRU 1400, then the authentication protocol, then the magic. */
  assert_int_equal(len, 4 + 4 + 4 + 6);
  assert_memory_equal(req + 8, pap, 4);
  harness_stop(&h);
}

static void frames_without_address_control(void **state) {
  /* LCP Configure-Request with no FF 03 in front. */
  uint8_t f[64];
  size_t n = control(f, 0xc021, 1, 3, magic_opt, sizeof(magic_opt));
  size_t len;

  fresh(true);
  harness_start(&h, 3, NULL, NULL);
  assert_int_equal(harness_inject(&h, 0, f + 2, n - 2), 0);
  assert_non_null(harness_find_sent(&h, 0, 0xc021, 2, &len));

  /* FF followed by anything but 03 is malformed. */
  f[1] = 0x05;
  assert_int_equal(harness_inject(&h, 0, f, n), L2TPSEC_ERR_MALFORMED);
  /* A two-byte frame, a lone FF, an even one-byte protocol. */
  assert_int_equal(harness_inject(&h, 0, (const uint8_t *)"\x30\x30", 2),
                   L2TPSEC_ERR_MALFORMED);
  assert_int_equal(harness_inject(&h, 0, (const uint8_t *)"\xff", 1),
                   L2TPSEC_ERR_MALFORMED);
  harness_stop(&h);
}

/* CCP (80 FD) is rejected with LCP Protocol-Reject, as pppd's noccp. */
static void ccp_protocol_rejected(void **state) {
  static const uint8_t mppe[] = {0x12, 0x06, 0x01, 0x00, 0x00, 0x40};
  const uint8_t *rej;
  size_t len;

  fresh(true);
  harness_start(&h, 4, NULL, NULL);
  open_lcp(0, magic_opt, sizeof(magic_opt));
  assert_int_equal(inject(0, 0x80fd, 1, 9, mppe, sizeof(mppe)), 0);
  rej = harness_find_sent(&h, 0, 0xc021, 8, &len);
  assert_non_null(rej);
  assert_int_equal(rej[4], 0x80);
  assert_int_equal(rej[5], 0xfd);
  assert_int_equal(rej[6], 1);  /* the rejected packet follows */
  harness_stop(&h);
}

static void unknown_lcp_code_rejected(void **state) {
  static const uint8_t data[] = {1, 2, 3};
  const uint8_t *rej;
  size_t len;

  fresh(true);
  harness_start(&h, 5, NULL, NULL);
  open_lcp(0, magic_opt, sizeof(magic_opt));
  assert_int_equal(inject(0, 0xc021, 42, 5, data, 3), 0);
  rej = harness_find_sent(&h, 0, 0xc021, 7, &len);
  assert_non_null(rej);
  assert_int_equal(rej[4], 42);
  /* Discard-Request, Identification, Time-Remaining: no answer. */
  int before = h.sent_count;
  assert_int_equal(inject(0, 0xc021, 11, 6, data, 3), 0);
  assert_int_equal(inject(0, 0xc021, 12, 7, data, 3), 0);
  assert_int_equal(inject(0, 0xc021, 13, 8, data, 3), 0);
  assert_int_equal(h.sent_count, before);
  harness_stop(&h);
}

/* A peer repeating our own magic number is NAKed with a new one, and
 * after Max-Failure the link is declared looped back. */
static void looped_back_link_detected(void **state) {
  const uint8_t *req;
  size_t len;
  uint8_t opt[6];

  fresh(true);
  harness_start(&h, 6, NULL, NULL);
  req = harness_find_sent(&h, 0, 0xc021, 1, &len);
  assert_non_null(req);
  memcpy(opt, req + len - 6, 6); /* our magic option, last */
  for (int i = 0; i < 8 && h.end[0].dead == 0; i++) {
    inject(0, 0xc021, 1, (uint8_t)(20 + i), opt, 6);
    harness_run(&h, h.now + 10 * L2TPSEC_MILLISECONDS, NULL);
  }
  harness_run(&h, h.now + 30 * S, NULL);
  assert_int_equal(h.end[0].dead, 1);
  assert_int_equal(h.end[0].down_reason, L2TPSEC_PPP_DOWN_LOOPBACK);
  harness_stop(&h);
}

/* RFC 1661 Max-Failure: after 5 Configure-Naks without an Ack, an option
 * that would be NAKed again is rejected instead. */
static void naks_turn_into_rejects(void **state) {
  static const uint8_t small_mru[] = {0x01, 0x04, 0x00, 0x40};
  const uint8_t *p;
  size_t len;

  fresh(true);
  harness_start(&h, 12, NULL, NULL);
  for (uint8_t id = 1; id <= 5; id++) {
    inject(0, 0xc021, 1, id, small_mru, sizeof(small_mru));
    p = harness_find_sent(&h, 0, 0xc021, -1, &len);
    assert_int_equal(p[0], 3);
    assert_int_equal(p[7], 128); /* the MRU we accept at least */
  }
  inject(0, 0xc021, 1, 6, small_mru, sizeof(small_mru));
  p = harness_find_sent(&h, 0, 0xc021, -1, &len);
  assert_int_equal(p[0], 4);
  assert_memory_equal(p + 4, small_mru, sizeof(small_mru));
  harness_stop(&h);
}

/* ---- Echo and MRU (an accel-ppp field report) --------------------------- */

/* Peer announced MRU 1400, then sends an Echo-Request whose LCP packet
 * is 1480 bytes: the reply must fit 1400 bytes, keep the identifier and
 * carry our magic number. */
static void echo_reply_fits_peer_mru(void **state) {
  static const uint8_t opts[] = {0x01, 0x04, 0x05, 0x78, 0x05, 0x06,
                                 0x11, 0x22, 0x33, 0x44};
  uint8_t echo[1476];
  const uint8_t *req, *reply;
  size_t len, rlen;

  fresh(true);
  harness_start(&h, 7, NULL, NULL);
  req = harness_find_sent(&h, 0, 0xc021, 1, &len);
  open_lcp(0, opts, sizeof(opts));
  assert_int_equal(l2tpsec_ppp_peer_mru(h.end[0].ppp), 1400);

  memset(echo, 0xab, sizeof(echo));
  memcpy(echo, "\x11\x22\x33\x44", 4);
  assert_int_equal(inject(0, 0xc021, 9, 0x5a, echo, sizeof(echo)), 0);
  reply = harness_find_sent(&h, 0, 0xc021, 10, &rlen);
  assert_non_null(reply);
  assert_true(rlen <= 1400);
  assert_int_equal(rlen, 1400);
  assert_int_equal(reply[1], 0x5a);
  assert_int_equal((reply[2] << 8 | reply[3]), 1400);
  req = harness_find_sent(&h, 0, 0xc021, 1, &len);
  assert_memory_equal(reply + 4, req + len - 4, 4); /* our magic */
  assert_true(h.end[0].max_frame_sent <= 1400);
  harness_stop(&h);
}

/* ---- IPCP ---------------------------------------------------------------- */

static void ipcp_naks_other_addresses(void **state) {
  static const uint8_t want[] = {0x03, 0x06, 192, 0, 2, 99,   /* address */
                                 0x81, 0x06, 0, 0, 0, 0,      /* DNS 1 */
                                 0x83, 0x06, 0, 0, 0, 0};     /* DNS 2 */
  static const uint8_t nak[] = {0x03, 0x06, 198, 51, 100, 10,
                                0x81, 0x06, 198, 51, 100, 53};
  static const uint8_t rej[] = {0x83, 0x06, 0, 0, 0, 0};
  static const uint8_t compression[] = {0x02, 0x06, 0x00, 0x2d, 0x0f, 0x01};
  static const uint8_t old_pair[] = {0x01, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8};
  l2tpsec_ppp_settings server;
  const uint8_t *p;
  size_t len;

  fresh(true);
  harness_settings(&h, 0, &server);
  memset(server.methods, 0, sizeof(server.methods));
  harness_start(&h, 8, &server, NULL);
  open_lcp(0, magic_opt, sizeof(magic_opt));
  assert_int_equal(l2tpsec_ppp_phase(h.end[0].ppp),
                   L2TPSEC_PPP_PHASE_NETWORK);

  /* DNS 2 is not configured: rejected first, alone. */
  inject(0, 0x8021, 1, 1, want, sizeof(want));
  p = harness_find_sent(&h, 0, 0x8021, 4, &len);
  assert_non_null(p);
  assert_memory_equal(p + 4, rej, sizeof(rej));
  /* Without it: the address and DNS are NAKed to what we give. */
  inject(0, 0x8021, 1, 2, want, 12);
  p = harness_find_sent(&h, 0, 0x8021, 3, &len);
  assert_non_null(p);
  assert_int_equal(len, 4 + sizeof(nak));
  assert_memory_equal(p + 4, nak, sizeof(nak));
  /* IP-Compression-Protocol and the old IP-Addresses are rejected. */
  inject(0, 0x8021, 1, 3, compression, sizeof(compression));
  p = harness_find_sent(&h, 0, 0x8021, 4, &len);
  assert_memory_equal(p + 4, compression, sizeof(compression));
  inject(0, 0x8021, 1, 4, old_pair, sizeof(old_pair));
  p = harness_find_sent(&h, 0, 0x8021, 4, &len);
  assert_memory_equal(p + 4, old_pair, sizeof(old_pair));
  /* The assigned address is acknowledged. */
  inject(0, 0x8021, 1, 5, nak, sizeof(nak));
  p = harness_find_sent(&h, 0, 0x8021, 2, &len);
  assert_non_null(p);
  assert_int_equal(p[1], 5);
  harness_stop(&h);
}

/* ---- MS-CHAPv2 Success forms (a pppd / NetworkManager-l2tp report) ----- */

static const uint8_t chap_mschapv2_opt[] = {0x03, 0x05, 0xc2, 0x23, 0x81,
                                            0x05, 0x06, 0x11, 0x22, 0x33,
                                            0x44};
static const uint8_t challenge[16] = {0x5B, 0x5D, 0x7C, 0x7D, 0x7B, 0x3F,
                                      0x2F, 0x3E, 0x3C, 0x2C, 0x60, 0x21,
                                      0x32, 0x26, 0x26, 0x28};

/* Drives a client to the point where it sent its Response and returns
 * the 40 hex digits of the correct authenticator response. */
static void client_responds(char *hex) {
  uint8_t data[1 + 16 + 6];
  uint8_t hash[16], auth[20];
  const uint8_t *resp;
  size_t len;

  fresh(false);
  harness_start(&h, 9, NULL, NULL);
  open_lcp(1, chap_mschapv2_opt, sizeof(chap_mschapv2_opt));
  data[0] = 16;
  memcpy(data + 1, challenge, 16);
  memcpy(data + 17, "server", 6);
  inject(1, 0xc223, 1, 0x33, data, sizeof(data));
  resp = harness_find_sent(&h, 1, 0xc223, 2, &len);
  assert_non_null(resp);
  assert_int_equal(resp[1], 0x33);
  assert_int_equal(resp[4], 49);

  l2tpsec__nt_password_hash((const uint8_t *)"clientPass", 10, hash);
  l2tpsec__mschapv2_auth_response(hash, resp + 5 + 24, resp + 5, challenge,
                                  "alice", 5, auth);
  l2tpsec__hex_upper(auth, 20, hex);
}

static void lower(char *s) {
  for (; *s != '\0'; s++)
    if (*s >= 'A' && *s <= 'F')
      *s = (char)(*s - 'A' + 'a');
}

static void mschapv2_success_forms_accepted(void **state) {
  char hex[41], msg[128];
  size_t len;

  for (int form = 0; form < 5; form++) {
    client_responds(hex);
    if (form == 3)
      lower(hex);
    len = (size_t)snprintf(msg, sizeof(msg),
                           form == 0   ? "S=%s M=Access granted"
                           : form == 1 ? "S=%sM=Success. Logging you in..."
                                       : "S=%s",
                           hex);
    if (form == 4)
      len++; /* a trailing NUL */
    inject(1, 0xc223, 3, 0x33, (const uint8_t *)msg, len);
    assert_int_equal(h.end[1].auth_success, 1);
    assert_int_equal(h.end[1].auth_failure, 0);
    /* IPCP starts: the client's Configure-Request goes out. */
    assert_non_null(harness_find_sent(&h, 1, 0x8021, 1, &len));
    harness_stop(&h);
  }
}

static void mschapv2_wrong_authenticator_fails(void **state) {
  char hex[41], msg[128];
  size_t len;

  client_responds(hex);
  hex[39] = hex[39] == '0' ? '1' : '0';
  len = (size_t)snprintf(msg, sizeof(msg), "S=%sM=Success", hex);
  inject(1, 0xc223, 3, 0x33, (const uint8_t *)msg, len);
  assert_int_equal(h.end[1].auth_success, 0);
  assert_int_equal(h.end[1].auth_failure, 1);
  assert_null(harness_find_sent(&h, 1, 0x8021, 1, &len));
  /* The client closes the link. */
  assert_non_null(harness_find_sent(&h, 1, 0xc021, 5, &len));
  harness_stop(&h);
}

/* The server side sends "S=<40 upper-case hex> M=<text>" and the
 * E=691 R=... C=... V=3 M=... failure Windows understands. */
static void mschapv2_server_message_format(void **state) {
  static struct harness both;
  const uint8_t *p;
  size_t len;

  for (int ok = 0; ok < 2; ok++) {
    l2tpsec_ppp_settings server, client;

    memset(&h, 0, sizeof(h));
    harness_settings(&h, 0, &server);
    harness_settings(&h, 1, &client);
    memset(server.methods, 0, sizeof(server.methods));
    server.methods[0] = L2TPSEC_AUTH_MSCHAPV2;
    server.auth_max_attempts = 1;
    if (!ok)
      client.password = "wrong";
    harness_start(&h, 10, &server, &client);
    harness_run(&h, 30 * S, harness_any_dead);
    p = harness_find_sent(&h, 0, 0xc223, ok ? 3 : 4, &len);
    assert_non_null(p);
    if (ok) {
      assert_int_equal(len, 4 + 42 + 3 + 24);
      assert_memory_equal(p + 4, "S=", 2);
      for (int i = 6; i < 46; i++)
        assert_true((p[i] >= '0' && p[i] <= '9') ||
                    (p[i] >= 'A' && p[i] <= 'F'));
      assert_memory_equal(p + 46, " M=", 3);
    } else {
      assert_memory_equal(p + 4, "E=691 R=0 C=", 12);
      assert_memory_equal(p + 16 + 32, " V=3 M=", 7);
    }
    harness_stop(&h);
  }
  (void)both;
}

/* ---- PPP stays patient while a decision is pending ---------------------- */

/* A RADIUS push approved after 25 s: PAP retransmissions from the peer
 * start no second request, echoes keep flowing, the late accept wins. */
static void late_accept_honoured_once(void **state) {
  l2tpsec_ppp_settings server, client;
  l2tpsec_auth_result accept = {.accept = true};

  memset(&h, 0, sizeof(h));
  h.auth_mode = AUTH_MODE_DEFER;
  h.delay_min_ms = 5;
  h.delay_max_ms = 30;
  harness_settings(&h, 0, &server);
  harness_settings(&h, 1, &client);
  memset(server.methods, 0, sizeof(server.methods));
  server.methods[0] = L2TPSEC_AUTH_PAP;
  server.echo_interval = 3 * S;
  harness_start(&h, 11, &server, &client);
  harness_run(&h, 25 * S, NULL);
  assert_int_equal(h.auth_requests, 1);
  assert_non_null(h.pending);
  assert_int_equal(h.end[0].dead + h.end[1].dead, 0);
  assert_int_equal(l2tpsec_auth_complete(h.pending, &accept, h.now), 0);
  assert_true(harness_run(&h, h.now + 30 * S, harness_both_up));
  assert_int_equal(h.auth_requests, 1);
  assert_int_equal(h.end[0].auth_success, 1);
  harness_stop(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(unknown_lcp_options_rejected),
      cmocka_unit_test(server_requests_only_pap),
      cmocka_unit_test(frames_without_address_control),
      cmocka_unit_test(ccp_protocol_rejected),
      cmocka_unit_test(unknown_lcp_code_rejected),
      cmocka_unit_test(looped_back_link_detected),
      cmocka_unit_test(naks_turn_into_rejects),
      cmocka_unit_test(echo_reply_fits_peer_mru),
      cmocka_unit_test(ipcp_naks_other_addresses),
      cmocka_unit_test(mschapv2_success_forms_accepted),
      cmocka_unit_test(mschapv2_wrong_authenticator_fails),
      cmocka_unit_test(mschapv2_server_message_format),
      cmocka_unit_test(late_accept_honoured_once),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
