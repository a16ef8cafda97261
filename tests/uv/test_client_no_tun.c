/*
 * The client's tun_open setting: with false it creates no TUN device and
 * rejects routes; with true (the default) it creates one. The test moves
 * itself into a new network namespace (so it needs root), where "tun0"
 * is the first name the kernel picks, and nothing answers the client.
 */
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "l2tpsec/client.h"
#include "l2tpsec/errors.h"
#include "test_netns.h"

/* Creates a client towards 127.0.0.1 with tun_open as given, checks
 * whether "tun0" exists and the result of adding a route, then frees it. */
static void check_client(bool tun_open, bool expect_tun, int expect_route) {
  static const uint8_t psk[] = "client-no-tun-test-key";
  l2tpsec_client_settings s;
  l2tpsec_client *client;
  uv_loop_t loop;

  assert_int_equal(uv_loop_init(&loop), 0);
  l2tpsec_client_settings_default(&s);
  s.server = "127.0.0.1";
  s.local_address = "127.0.0.1";
  s.psk = psk;
  s.psk_len = sizeof(psk) - 1;
  s.user = "user";
  s.password = "password";
  s.tun_open = tun_open;
  s.tun_configure = false;
  assert_int_equal(l2tpsec_client_new(&client, &loop, &s, NULL, NULL), 0);

  assert_int_equal(if_nametoindex("tun0") != 0, expect_tun);
  assert_int_equal(l2tpsec_client_add_route(client, "198.51.100.0/24"),
                   expect_route);

  l2tpsec_client_del(client);
  uv_run(&loop, UV_RUN_NOWAIT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void client_without_tun_opens_none(void **state) {
  (void)state;
  check_client(false, false, L2TPSEC_ERR_STATE);
}

/* The control: the same client with the default creates tun0, which
 * goes away when the client closes it. The route fails because the
 * device is down, which is an I/O error, not a state error. */
static void client_with_tun_opens_one(void **state) {
  (void)state;
  check_client(true, true, L2TPSEC_ERR_IO);
  assert_int_equal(if_nametoindex("tun0"), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(client_without_tun_opens_none),
      cmocka_unit_test(client_with_tun_opens_one),
  };

  return cmocka_run_group_tests(tests, test_netns_enter, NULL);
}
