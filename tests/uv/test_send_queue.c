/*
 * The sendmmsg(2) queue of lib/uv and the transport's batches that use
 * it, against real UDP sockets on 127.0.0.1. The test moves itself into
 * a new network namespace (so it needs root) where the transport can
 * bind ports 500 and 4500.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "l2tpsec/errors.h"
#include "uv/send_queue.h"
#include "uv/transport.h"
#include "test_netns.h"

/* Opens a non-blocking UDP socket on 127.0.0.1 with a kernel-chosen
 * port and stores its address in `addr`. */
static int open_receiver(struct sockaddr_in *addr) {
  socklen_t len = sizeof(*addr);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

  assert_true(fd >= 0);
  memset(addr, 0, sizeof(*addr));
  addr->sin_family = AF_INET;
  addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr *)addr, sizeof(*addr)), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)addr, &len), 0);
  return fd;
}

/* Returns the length of the next waiting datagram, or -1 when none. */
static ssize_t receive(int fd, uint8_t *buf, size_t cap) {
  return recv(fd, buf, cap, MSG_DONTWAIT);
}

static void queue_sends_in_order(void **state) {
  static l2tpsec__send_queue q;
  struct sockaddr_in a, b;
  int fa = open_receiver(&a), fb = open_receiver(&b);
  int sender = socket(AF_INET, SOCK_DGRAM, 0);
  uint8_t data[5] = {0}, buf[16];

  q.count = 0;
  /* Five datagrams from one socket to two receivers: one run of one
   * sendmmsg(2) call, which must keep their order. */
  for (uint8_t i = 0; i < 5; i++) {
    struct sockaddr_in *to = i == 2 ? &b : &a;

    data[0] = i;
    assert_int_equal(l2tpsec__send_queue_push(&q, sender, (struct sockaddr *)to,
                                              sizeof(*to), data, i + 1),
                     0);
  }
  assert_int_equal(q.count, 5);
  assert_int_equal(receive(fa, buf, sizeof(buf)), -1);

  assert_int_equal(l2tpsec__send_queue_flush(&q), 0);
  assert_int_equal(q.count, 0);
  for (uint8_t i = 0; i < 5; i++) {
    int fd = i == 2 ? fb : fa;

    assert_int_equal(receive(fd, buf, sizeof(buf)), i + 1);
    assert_int_equal(buf[0], i);
  }
  assert_int_equal(receive(fa, buf, sizeof(buf)), -1);
  assert_int_equal(receive(fb, buf, sizeof(buf)), -1);
  close(fa);
  close(fb);
  close(sender);
}

static void queue_rejects_full_and_large(void **state) {
  static l2tpsec__send_queue q;
  static uint8_t big[L2TPSEC__SEND_QUEUE_SLOT + 1];
  struct sockaddr_in a;
  int fa = open_receiver(&a);
  int sender = socket(AF_INET, SOCK_DGRAM, 0);
  uint8_t one = 1, buf[16];
  int received = 0;

  q.count = 0;
  assert_int_equal(l2tpsec__send_queue_push(&q, sender, (struct sockaddr *)&a,
                                            sizeof(a), big, sizeof(big)),
                   L2TPSEC_ERR_INVALID_ARGUMENT);
  for (int i = 0; i < L2TPSEC__SEND_QUEUE_MAX; i++)
    assert_int_equal(l2tpsec__send_queue_push(&q, sender, (struct sockaddr *)&a,
                                              sizeof(a), &one, 1),
                     0);
  assert_int_equal(l2tpsec__send_queue_push(&q, sender, (struct sockaddr *)&a,
                                            sizeof(a), &one, 1),
                   L2TPSEC_ERR_LIMIT);

  assert_int_equal(l2tpsec__send_queue_flush(&q), 0);
  while (receive(fa, buf, sizeof(buf)) == 1)
    received++;
  assert_int_equal(received, L2TPSEC__SEND_QUEUE_MAX);
  close(fa);
  close(sender);
}

static void queue_counts_dropped(void **state) {
  static l2tpsec__send_queue q;
  struct sockaddr_in a;
  int fa = open_receiver(&a);
  uint8_t one = 1;

  /* Descriptor 999 is not open, so every send of its run fails. */
  q.count = 0;
  for (int i = 0; i < 3; i++)
    assert_int_equal(l2tpsec__send_queue_push(&q, 999, (struct sockaddr *)&a,
                                              sizeof(a), &one, 1),
                     0);
  assert_int_equal(l2tpsec__send_queue_flush(&q), 3);
  assert_int_equal(q.count, 0);
  close(fa);
}

static int batch_ends;

static void count_batch_end(void *user_data) {
  batch_ends++;
}

static void ignore_rx(void *user_data, enum l2tpsec__rx_kind kind,
                      const l2tpsec__endpoint *endpoint,
                      const struct sockaddr *peer, const uint8_t *data,
                      size_t len) {}

static void transport_batch_sends_at_end(void **state) {
  static const char *const addresses[] = {"127.0.0.1"};
  l2tpsec__transport_settings ts;
  l2tpsec__transport *t;
  uv_loop_t loop;
  struct sockaddr_in peer;
  int fd = open_receiver(&peer);
  uint8_t esp[12] = {0, 0, 0, 1}, buf[32];

  uv_loop_init(&loop);
  l2tpsec__transport_settings_default(&ts);
  ts.addresses = addresses;
  ts.address_count = 1;
  ts.raw_esp = false;
  ts.batch_end = count_batch_end;
  assert_int_equal(l2tpsec__transport_new(&t, &loop, &ts, ignore_rx, NULL), 0);
  batch_ends = 0;

  /* Nested batches: nothing leaves before the outermost one ends. */
  l2tpsec__transport_batch_begin(t);
  l2tpsec__transport_batch_begin(t);
  assert_true(l2tpsec__transport_batching(t));
  for (uint8_t i = 0; i < 3; i++) {
    esp[8] = i;
    assert_int_equal(l2tpsec__transport_send(t, L2TPSEC__RX_ESP_UDP, 0, true,
                                             (struct sockaddr *)&peer, esp,
                                             sizeof(esp)),
                     0);
  }
  l2tpsec__transport_batch_end(t);
  assert_int_equal(receive(fd, buf, sizeof(buf)), -1);
  assert_int_equal(batch_ends, 0);

  l2tpsec__transport_batch_end(t);
  assert_false(l2tpsec__transport_batching(t));
  assert_int_equal(batch_ends, 1);
  for (uint8_t i = 0; i < 3; i++) {
    assert_int_equal(receive(fd, buf, sizeof(buf)), sizeof(esp));
    assert_int_equal(buf[8], i);
  }

  /* Outside a batch ESP leaves at once. */
  assert_int_equal(l2tpsec__transport_send(t, L2TPSEC__RX_ESP_UDP, 0, true,
                                           (struct sockaddr *)&peer, esp,
                                           sizeof(esp)),
                   0);
  assert_int_equal(receive(fd, buf, sizeof(buf)), sizeof(esp));
  assert_int_equal(l2tpsec__transport_stats_get(t)->send_errors, 0);

  l2tpsec__transport_close(t);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  close(fd);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(queue_sends_in_order),
      cmocka_unit_test(queue_rejects_full_and_large),
      cmocka_unit_test(queue_counts_dropped),
      cmocka_unit_test(transport_batch_sends_at_end),
  };

  return cmocka_run_group_tests(tests, test_netns_enter, NULL);
}
