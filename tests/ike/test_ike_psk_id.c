/*
 * Our phase-1 ID with the pre-shared key (settings.psk_id), in memory
 * (ike_pair.h): the client logs the ID the server authenticated with, in
 * main mode and in aggressive mode, and invalid IDs fail at creation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ike_pair.h"
#include "l2tpsec/errors.h"

static char peer_id_line[256];

static void keep_peer_id_line(void *user_data, enum l2tpsec_log_level level,
                              enum l2tpsec_log_category category,
                              const char *message) {
  if (strstr(message, "the peer authenticated as") != NULL)
    snprintf(peer_id_line, sizeof(peer_id_line), "%s", message);
}

/* Connects a client to a server with psk_id and returns the client's
 * line about the server's ID. */
static const char *server_id_seen(const char *psk_id, bool aggressive) {
  l2tpsec_ike_settings cs, ss;
  net n;

  base_settings(&cs, &n, 0);
  base_settings(&ss, &n, 1);
  cs.log = (l2tpsec_log){keep_peer_id_line, NULL, L2TPSEC_LOG_INFO};
  ss.psk_id = psk_id;
  cs.aggressive_mode = aggressive;
  ss.aggressive_responder = aggressive;
  peer_id_line[0] = '\0';
  start(&n, &cs, &ss, true);
  expect_mirrored_pairs(&n);
  finish(&n);
  return peer_id_line;
}

static void expect_suffix(const char *line, const char *suffix) {
  size_t a = strlen(line), b = strlen(suffix);

  if (a < b || strcmp(line + a - b, suffix) != 0)
    fail_msg("expected a line ending in \"%s\", got \"%s\"", suffix, line);
}

/* Without psk_id the server sends the address it received on. */
static void default_is_local_address(void **state) {
  expect_suffix(server_id_seen(NULL, false), "as address 198.51.100.1");
}

static void address_fqdn_and_user(void **state) {
  expect_suffix(server_id_seen("203.0.113.80", false),
                "as address 203.0.113.80");
  expect_suffix(server_id_seen("vpn.example.com", false), "as vpn.example.com");
  expect_suffix(server_id_seen("gw@example.com", false), "as gw@example.com");
  expect_suffix(server_id_seen("2001:db8::80", false),
                "as address 2001:db8::80");
}

/* The aggressive mode responder sends it in AM2. */
static void aggressive_responder_sends_it(void **state) {
  expect_suffix(server_id_seen("vpn.example.com", true), "as vpn.example.com");
}

static void invalid_ids_rejected(void **state) {
  static const char *const invalid[] = {
      "",
      "has space.example.com",
      "a@b@example.com",
      "@example.com",
      "user@",
      "x.................................................................."
      "..................................................................."
      "..................................................................."
      "..................................................."};
  l2tpsec_ike_settings s;
  l2tpsec_ike *ike = NULL;
  net n;

  for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
    base_settings(&s, &n, 1);
    s.psk_id = invalid[i];
    assert_int_equal(l2tpsec_ike_new(&ike, &s, &ignore_callbacks, NULL),
                     L2TPSEC_ERR_CONFIG);
  }
  base_settings(&s, &n, 1);
  s.psk_id = "a-b_c.example.com";
  assert_int_equal(l2tpsec_ike_new(&ike, &s, &ignore_callbacks, NULL), 0);
  l2tpsec_ike_del(ike);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(default_is_local_address),
      cmocka_unit_test(address_fqdn_and_user),
      cmocka_unit_test(aggressive_responder_sends_it),
      cmocka_unit_test(invalid_ids_rejected),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
