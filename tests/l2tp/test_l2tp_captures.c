/*
 * Known answers from real captures in ../shared/captures/l2tp: the
 * fuzzed control traffic of tcpdump's l2tp-avp-overflow.pcap (flags
 * 0xf002: T and L set, S clear; Length 514 in 58-byte frames; tunnel
 * 560, session 2056) must be dropped whole, creating nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "l2tp/internal.h"
#include "l2tpsec/errors.h"
#include "raw_peer.h"

#define CAPTURE L2TPSEC_CAPTURES_DIR "/l2tp/l2tp-avp-overflow.pcap"

/* One UDP payload from a capture. */
struct datagram {
  uint16_t dst_port;
  size_t len;
  uint8_t data[2048];
};

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

/* Takes the UDP payload of an Ethernet/IPv4 frame; false if none. */
static bool udp_payload(const uint8_t *f, size_t len, struct datagram *d) {
  size_t ihl;

  if (len < 14 + 20 || f[12] != 0x08 || f[13] != 0x00)
    return false;
  ihl = (size_t)(f[14] & 0x0f) * 4;
  if ((f[14] >> 4) != 4 || f[23] != 17 || len < 14 + ihl + 8)
    return false;
  d->dst_port = (uint16_t)(f[14 + ihl + 2] << 8 | f[14 + ihl + 3]);
  d->len = len - 14 - ihl - 8;
  memcpy(d->data, f + 14 + ihl + 8, d->len);
  return true;
}

/* Reads every UDP payload of a little-endian Ethernet pcap. */
static int read_capture(const char *path, struct datagram *out, int max) {
  FILE *f = fopen(path, "rb");
  uint8_t hdr[24], rec[16], frame[65536];
  int n = 0;

  if (f == NULL)
    fail_msg("cannot open %s: the shared captures must sit beside the "
             "repository as ../shared/captures",
             path);
  assert_int_equal(fread(hdr, 1, 24, f), 24);
  assert_int_equal(le32(hdr), 0xa1b2c3d4u);
  assert_int_equal(le32(hdr + 20) & 0xffff, 1); /* Ethernet */
  while (n < max && fread(rec, 1, 16, f) == 16) {
    size_t caplen = le32(rec + 8);

    assert_true(caplen <= sizeof(frame));
    assert_int_equal(fread(frame, 1, caplen, f), caplen);
    if (udp_payload(frame, caplen, &out[n]))
      n++;
  }
  fclose(f);
  return n;
}

static void avp_overflow_capture_dropped(void **state) {
  static struct datagram d[64];
  l2tpsec_l2tp_settings s;
  l2tpsec_l2tp_stats st;
  struct raw r;
  int n = read_capture(CAPTURE, d, 64), l2tp = 0;

  raw_settings(&r, &s);
  raw_start(&r, &s);
  for (int i = 0; i < n; i++) {
    if (d[i].dst_port != 1701)
      continue;
    l2tp++;
    /* Fuzzed header: flags 0xf002, tunnel 560, session 2056. */
    assert_int_equal(d[i].data[0], 0xf0);
    assert_int_equal(d[i].data[1], 0x02);
    assert_int_equal(d[i].data[4] << 8 | d[i].data[5], 560);
    assert_int_equal(d[i].data[6] << 8 | d[i].data[7], 2056);
    /* A control message without the S bit is invalid (section 3.1). */
    assert_int_equal(l2tpsec_l2tp_input(r.ep, 1, d[i].data, d[i].len, r.now),
                     L2TPSEC_ERR_MALFORMED);
  }
  assert_int_equal(l2tp, 16);
  assert_int_equal(l2tpsec_l2tp_tunnel_count(r.ep), 0);
  assert_int_equal(r.out_total, 0);
  l2tpsec_l2tp_get_stats(r.ep, &st);
  assert_int_equal(st.rx_malformed, 16);
  raw_stop(&r);
}

/* With the S bit forced on, the header's Length 514 exceeds the frame. */
static void avp_overflow_length_checked(void **state) {
  static struct datagram d[64];
  l2tpsec__l2tp_header h;
  int n = read_capture(CAPTURE, d, 64);

  for (int i = 0; i < n; i++) {
    if (d[i].dst_port != 1701)
      continue;
    d[i].data[0] = 0xc8;
    assert_int_equal(d[i].data[2] << 8 | d[i].data[3], 514);
    assert_int_equal(l2tpsec__l2tp_header_parse(d[i].data, d[i].len, &h),
                     L2TPSEC_ERR_TRUNCATED);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(avp_overflow_capture_dropped),
      cmocka_unit_test(avp_overflow_length_checked),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
