/*
 * MSS clamping, ICMP too-big errors and IPv4 fragmentation. The expected
 * packets were built with scapy 2.5, an independent implementation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hex.h"
#include "l2tpsec/errors.h"
#include "uv/mtu.h"

/* Size in bytes of the largest vector below and of the smallest buffer. */
#define VECTOR_MAX 128

/* SYN, options NOP + MSS 1460 + SACK-permitted: MSS at an odd offset. */
static const char syn_odd_in[] =
    "450000300001400040064e75c000020ac63364149c400050000003e800000000"
    "700220002804000001020405b4040200";
static const char syn_odd_out[] =
    "450000300001400040064e75c000020ac63364149c400050000003e800000000"
    "700220008c0400000102040550040200";
/* SYN, options MSS 1460 + NOP + window scale: MSS at an even offset. */
static const char syn_even_in[] =
    "450000300007000040068e6fc000020ac63364149c4000500000000500000000"
    "70022000db300000020405b401030307";
static const char syn_even_out[] =
    "450000300007000040068e6fc000020ac63364149c4000500000000500000000"
    "70022000db9400000204055001030307";
/* IPv6 SYN-ACK with MSS 1440 and three payload bytes. */
static const char synack_v6_in[] =
    "60000000001f064020010db800000000000000000000001020010db800010000"
    "00000000000000209c4001bb000000090000000370122000de9b000001020405"
    "a000000078797a";
static const char synack_v6_out[] =
    "60000000001f064020010db800000000000000000000001020010db800010000"
    "00000000000000209c4001bb000000090000000370122000429c000001020405"
    "3c00000078797a";

static void check_clamp(const char *in_hex, const char *out_hex, uint16_t mss) {
  uint8_t pkt[128], want[128];
  size_t len = unhex(in_hex, pkt, VECTOR_MAX);

  unhex(out_hex, want, VECTOR_MAX);
  assert_int_equal(l2tpsec__tcp_clamp_mss(pkt, len, mss), 1);
  assert_memory_equal(pkt, want, len);
}

static void clamp_mss_odd_offset(void **state) {
  check_clamp(syn_odd_in, syn_odd_out, 1360);
}

static void clamp_mss_even_offset(void **state) {
  check_clamp(syn_even_in, syn_even_out, 1360);
}

static void clamp_mss_ipv6_synack(void **state) {
  check_clamp(synack_v6_in, synack_v6_out, 1340);
}

static void clamp_mss_keeps_smaller_value(void **state) {
  uint8_t pkt[128], orig[128];
  size_t len = unhex(syn_odd_in, pkt, VECTOR_MAX);

  memcpy(orig, pkt, len);
  assert_int_equal(l2tpsec__tcp_clamp_mss(pkt, len, 1460), 0);
  assert_int_equal(l2tpsec__tcp_clamp_mss(pkt, len, 1500), 0);
  assert_memory_equal(pkt, orig, len);
}

static void clamp_mss_ignores_non_syn(void **state) {
  uint8_t pkt[128];
  size_t len = unhex(syn_odd_in, pkt, VECTOR_MAX);

  pkt[33] = 0x10; /* ACK only */
  assert_int_equal(l2tpsec__tcp_clamp_mss(pkt, len, 1000), 0);
  assert_int_equal(pkt[44], 0xb4);
}

static void clamp_mss_rejects_bad_headers(void **state) {
  uint8_t pkt[128];
  size_t len = unhex(syn_odd_in, pkt, VECTOR_MAX);

  assert_int_equal(l2tpsec__tcp_clamp_mss(pkt, len - 1, 1000),
                   L2TPSEC_ERR_TRUNCATED);
  pkt[32] = 0xf0; /* TCP header of 60 bytes in a 28-byte segment */
  assert_int_equal(l2tpsec__tcp_clamp_mss(pkt, len, 1000),
                   L2TPSEC_ERR_MALFORMED);
  pkt[0] = 0x75;
  assert_int_equal(l2tpsec__tcp_clamp_mss(pkt, len, 1000),
                   L2TPSEC_ERR_MALFORMED);
}

/* An option with length 0 or running past the header ends the walk. */
static void clamp_mss_stops_at_bad_option(void **state) {
  uint8_t pkt[128];
  size_t len = unhex(syn_odd_in, pkt, VECTOR_MAX);

  pkt[42] = 0; /* the MSS option's length */
  assert_int_equal(l2tpsec__tcp_clamp_mss(pkt, len, 1000), 0);
  pkt[42] = 40;
  assert_int_equal(l2tpsec__tcp_clamp_mss(pkt, len, 1000), 0);
}

static size_t big_ipv4(uint8_t *pkt) {
  size_t n = unhex("450005dc00094000401148b6c000020ac633641403e807d0"
                   "05c860b8",
                   pkt, VECTOR_MAX);

  memset(pkt + n, 'A', 1472);
  return n + 1472;
}

static size_t big_ipv6(uint8_t *pkt) {
  size_t n = unhex("6000000005b4114020010db80000000000000000000000102001"
                   "0db800010000000000000000002003e807d005b4a543",
                   pkt, VECTOR_MAX);

  memset(pkt + n, 'B', 1452);
  return n + 1452;
}

static void icmp_frag_needed_ipv4(void **state) {
  uint8_t pkt[1600], out[1600], want[VECTOR_MAX];
  const uint8_t from[4] = {192, 0, 2, 1};
  size_t len = big_ipv4(pkt);
  int n;

  unhex("45000240000000004001f4b1c0000201c000020a03043f0500000578", want,
        VECTOR_MAX);
  n = l2tpsec__icmp_too_big(pkt, len, 1400, from, out, sizeof(out));
  assert_int_equal(n, 576);
  assert_memory_equal(out, want, 28);
  assert_memory_equal(out + 28, pkt, 548);
}

static void icmp_packet_too_big_ipv6(void **state) {
  uint8_t pkt[1600], out[1600], want[VECTOR_MAX];
  uint8_t from[16] = {0x20, 0x01, 0x0d, 0xb8};
  size_t len = big_ipv6(pkt);
  int n;

  from[15] = 1;
  unhex("6000000004d83a4020010db8000000000000000000000001"
        "20010db80000000000000000000000100200d57100000578",
        want, VECTOR_MAX);
  n = l2tpsec__icmp_too_big(pkt, len, 1400, from, out, sizeof(out));
  assert_int_equal(n, 1280);
  assert_memory_equal(out, want, 48);
  assert_memory_equal(out + 48, pkt, 1232);
}

static void icmp_not_sent_for_errors(void **state) {
  uint8_t pkt[1600], out[1600];
  const uint8_t from[4] = {192, 0, 2, 1};
  size_t len = big_ipv4(pkt);

  assert_int_equal(l2tpsec__icmp_too_big(pkt, len, 1400, from, out, 100),
                   L2TPSEC_ERR_NOBUFS);

  pkt[9] = 1;  /* ICMP ... */
  pkt[20] = 3; /* ... destination unreachable: an error itself */
  assert_int_equal(l2tpsec__icmp_too_big(pkt, len, 1400, from, out, 1600), 0);

  pkt[20] = 8; /* echo request gets an answer */
  assert_int_equal(l2tpsec__icmp_too_big(pkt, len, 1400, from, out, 1600), 576);

  pkt[7] = 1; /* later fragment */
  assert_int_equal(l2tpsec__icmp_too_big(pkt, len, 1400, from, out, 1600), 0);

  pkt[7] = 0;
  pkt[12] = 224; /* multicast source */
  assert_int_equal(l2tpsec__icmp_too_big(pkt, len, 1400, from, out, 1600), 0);
}

static void mtu_check_actions(void **state) {
  uint8_t pkt[1600];
  size_t len = big_ipv4(pkt);

  assert_int_equal(l2tpsec__mtu_check(pkt, len, 1500), L2TPSEC__MTU_FITS);
  assert_int_equal(l2tpsec__mtu_check(pkt, len, 1400), L2TPSEC__MTU_TOO_BIG);
  pkt[6] = 0; /* clear DF */
  assert_int_equal(l2tpsec__mtu_check(pkt, len, 1400), L2TPSEC__MTU_FRAGMENT);
  assert_int_equal(l2tpsec__mtu_check(pkt, 10, 1400), L2TPSEC__MTU_MALFORMED);

  len = big_ipv6(pkt);
  assert_int_equal(l2tpsec__mtu_check(pkt, len, 1400), L2TPSEC__MTU_TOO_BIG);
}

/* Fragments of a DF-clear packet reassemble to the original payload. */
static void fragment_ipv4_reassembles(void **state) {
  uint8_t pkt[1600], frag[1600], joined[1600];
  size_t len = big_ipv4(pkt), offset = 0, count = 0;
  uint16_t csum;
  int n;

  pkt[6] = 0;
  pkt[10] = pkt[11] = 0;
  csum = l2tpsec__inet_checksum(pkt, 20, 0);
  pkt[10] = (uint8_t)(csum >> 8);
  pkt[11] = (uint8_t)csum;

  while ((n = l2tpsec__ipv4_fragment(pkt, len, 1000, &offset, frag,
                                     sizeof(frag))) > 0) {
    size_t frag_off = (size_t)((frag[6] & 0x1f) << 8 | frag[7]) * 8;
    int more = (frag[6] & 0x20) != 0;

    assert_true(n <= 1000);
    assert_int_equal(l2tpsec__inet_checksum(frag, 20, 0), 0);
    assert_int_equal((frag[2] << 8 | frag[3]), n);
    assert_int_equal(more, offset < len - 20);
    memcpy(joined + frag_off, frag + 20, (size_t)n - 20);
    count++;
  }
  assert_int_equal(n, 0);
  assert_int_equal(count, 2);
  assert_memory_equal(joined, pkt + 20, len - 20);
}

static void fragment_rejects_df(void **state) {
  uint8_t pkt[1600], frag[1600];
  size_t len = big_ipv4(pkt), offset = 0;

  assert_int_equal(
      l2tpsec__ipv4_fragment(pkt, len, 1000, &offset, frag, sizeof(frag)),
      L2TPSEC_ERR_MALFORMED);
  pkt[6] = 0;
  assert_int_equal(
      l2tpsec__ipv4_fragment(pkt, len, 27, &offset, frag, sizeof(frag)),
      L2TPSEC_ERR_INVALID_ARGUMENT);
  assert_int_equal(l2tpsec__ipv4_fragment(pkt, len, 1000, &offset, frag, 500),
                   L2TPSEC_ERR_NOBUFS);
}

/*
 * A UDP datagram from 2001:db8::1 port 1701 to 2001:db8::2 port 1702
 * with a 24-byte L2TP payload. Scapy 2.5 (IPv6()/UDP()) computes its
 * checksum as 0xcec9.
 */
static void udp6_checksum_matches_scapy(void **state) {
  uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8},
          dst[16] = {0x20, 0x01, 0x0d, 0xb8};
  uint8_t udp[32] = {0x06, 0xa5, 0x06, 0xa6, 0x00, 0x20,        0xaa,
                     0xbb, 0xc8, 0x02, 0x00, 0x14, [27] = 0x08, [31] = 0x06};
  uint8_t header[40] = {0x60};

  src[15] = 1;
  dst[15] = 2;
  l2tpsec__udp6_set_checksum(udp, sizeof(udp), src, dst);
  assert_int_equal(udp[6], 0xce);
  assert_int_equal(udp[7], 0xc9);

  /* The receiver's check: the sum over pseudo-header and datagram. */
  memcpy(header + 8, src, 16);
  memcpy(header + 24, dst, 16);
  assert_int_equal(
      l2tpsec__inet_checksum(udp, sizeof(udp),
                             l2tpsec__pseudo_header_sum(header, 6, 17, 32)),
      0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(clamp_mss_odd_offset),
      cmocka_unit_test(clamp_mss_even_offset),
      cmocka_unit_test(clamp_mss_ipv6_synack),
      cmocka_unit_test(clamp_mss_keeps_smaller_value),
      cmocka_unit_test(clamp_mss_ignores_non_syn),
      cmocka_unit_test(clamp_mss_rejects_bad_headers),
      cmocka_unit_test(clamp_mss_stops_at_bad_option),
      cmocka_unit_test(icmp_frag_needed_ipv4),
      cmocka_unit_test(icmp_packet_too_big_ipv6),
      cmocka_unit_test(icmp_not_sent_for_errors),
      cmocka_unit_test(mtu_check_actions),
      cmocka_unit_test(fragment_ipv4_reassembles),
      cmocka_unit_test(fragment_rejects_df),
      cmocka_unit_test(udp6_checksum_matches_scapy),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
