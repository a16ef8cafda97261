/* L2TP header and AVP codec against hand-written RFC 2661 encodings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "l2tp/avp.h"
#include "l2tp/internal.h"
#include "l2tpsec/errors.h"

static int parse_hex(const uint8_t *in, size_t len, l2tpsec__l2tp_msg *msg) {
  static uint8_t copy[2048];

  memcpy(copy, in, len);
  return l2tpsec__l2tp_msg_parse(copy, len, NULL, 0, msg);
}

static void header_rejects_bad_versions(void **state) {
  l2tpsec__l2tp_header h;
  uint8_t v3[] = {0xc8, 0x03, 0x00, 0x0c, 0, 1, 0, 0, 0, 0, 0, 0};
  uint8_t l2f[] = {0xc8, 0x01, 0x00, 0x0c, 0, 1, 0, 0, 0, 0, 0, 0};
  uint8_t ok[] = {0xc8, 0x02, 0x00, 0x0c, 0, 1, 0, 2, 0, 3, 0, 4};

  assert_int_equal(l2tpsec__l2tp_header_parse(v3, sizeof(v3), &h),
                   L2TPSEC_ERR_UNSUPPORTED);
  assert_int_equal(l2tpsec__l2tp_header_parse(l2f, sizeof(l2f), &h),
                   L2TPSEC_ERR_UNSUPPORTED);
  assert_int_equal(l2tpsec__l2tp_header_parse(ok, sizeof(ok), &h), 0);
  assert_int_equal(h.tunnel_id, 1);
  assert_int_equal(h.session_id, 2);
  assert_int_equal(h.ns, 3);
  assert_int_equal(h.nr, 4);
  assert_int_equal(h.header_len, 12);
}

static void header_checks_control_flags(void **state) {
  l2tpsec__l2tp_header h;
  /* T and L without S, as in the fuzzed capture (flags 0xc002). */
  uint8_t no_s[] = {0xc0, 0x02, 0x00, 0x0c, 0, 1, 0, 0, 0, 0, 0, 0};
  uint8_t with_o[] = {0xca, 0x02, 0x00, 0x0e, 0, 1, 0, 0, 0, 0,
                      0,    0,    0,    0};
  uint8_t long_len[] = {0xc8, 0x02, 0x02, 0x02, 0, 1, 0, 0, 0, 0, 0, 0};
  uint8_t short6[] = {0xc8, 0x02, 0x00, 0x0c, 0x00, 0x00};

  assert_int_equal(l2tpsec__l2tp_header_parse(no_s, sizeof(no_s), &h),
                   L2TPSEC_ERR_MALFORMED);
  assert_int_equal(l2tpsec__l2tp_header_parse(with_o, sizeof(with_o), &h),
                   L2TPSEC_ERR_MALFORMED);
  assert_int_equal(l2tpsec__l2tp_header_parse(long_len, sizeof(long_len), &h),
                   L2TPSEC_ERR_TRUNCATED);
  assert_int_equal(l2tpsec__l2tp_header_parse(short6, sizeof(short6), &h),
                   L2TPSEC_ERR_TRUNCATED);
}

static void header_parses_data_options(void **state) {
  l2tpsec__l2tp_header h;
  /* L, S, O: length 20, tunnel 5, session 6, Ns 7, Nr 0, offset 2. */
  uint8_t data[] = {0x4a, 0x02, 0x00, 0x14, 0, 5, 0, 6, 0, 7, 0, 0,
                    0x00, 0x02, 0xee, 0xee, 0xff, 0x03, 0xc0, 0x21,
                    0x99, 0x99};
  uint8_t bad_offset[] = {0x02, 0x02, 0, 5, 0, 6, 0x00, 0x09, 1, 2};

  assert_int_equal(l2tpsec__l2tp_header_parse(data, sizeof(data), &h), 0);
  assert_int_equal(h.message_len, 20);
  assert_int_equal(h.header_len, 16);
  assert_int_equal(h.ns, 7);
  assert_int_equal(l2tpsec__l2tp_header_parse(bad_offset, sizeof(bad_offset),
                                              &h),
                   L2TPSEC_ERR_MALFORMED);
}

static void avp_parses_sccrq(void **state) {
  const uint8_t sccrq[] = {
      0x80, 0x08, 0, 0, 0, 0,  0,   1,                 /* Message Type 1 */
      0x80, 0x08, 0, 0, 0, 2,  1,   0,                 /* Protocol 1.0 */
      0x80, 0x0a, 0, 0, 0, 3,  0,   0, 0, 3,           /* Framing caps */
      0x80, 0x0c, 0, 0, 0, 7,  'l', 'a', 'c', 'a', 'b', 'c', /* Host */
      0x80, 0x08, 0, 0, 0, 9,  0,   9,                 /* Tunnel ID 9 */
      0x80, 0x08, 0, 0, 0, 10, 0,   8,                 /* Window 8 */
      0x00, 0x0e, 0, 0, 0, 5,  1, 2, 3, 4, 5, 6, 7, 8, /* Tie Breaker */
      0x00, 0x08, 0x01, 0x37, 0, 1, 0, 0,              /* vendor, not M */
  };
  l2tpsec__l2tp_msg msg;

  assert_int_equal(parse_hex(sccrq, sizeof(sccrq), &msg), 0);
  assert_int_equal(l2tpsec__l2tp_msg_check_required(&msg), 0);
  assert_int_equal(msg.type, L2TP_MSG_SCCRQ);
  assert_int_equal(msg.protocol_version, 0x0100);
  assert_int_equal(msg.framing_caps, 3);
  assert_int_equal(msg.host_name.len, 6);
  assert_memory_equal(msg.host_name.data, "lacabc", 6);
  assert_int_equal(msg.assigned_tunnel_id, 9);
  assert_int_equal(msg.receive_window, 8);
  assert_int_equal(msg.tie_breaker[7], 8);
  assert_int_equal(msg.unknown_skipped, 1);
}

static void avp_unknown_mandatory_rejected(void **state) {
  const uint8_t vendor_m[] = {0x80, 0x08, 0, 0,    0, 0, 0, 6,
                              0x80, 0x08, 0, 0x09, 0, 1, 0, 0};
  const uint8_t ietf_m[] = {0x80, 0x08, 0, 0, 0, 0, 0, 6,
                            0x80, 0x08, 0, 0, 0, 99, 0, 0};
  const uint8_t reserved_bit[] = {0x80, 0x08, 0, 0, 0, 0, 0, 6,
                                  0x84, 0x08, 0, 0, 0, 9, 0, 1};
  l2tpsec__l2tp_msg msg;

  assert_int_equal(parse_hex(vendor_m, sizeof(vendor_m), &msg),
                   L2TPSEC_ERR_UNSUPPORTED);
  assert_int_equal(msg.fail_error_code, L2TP_ERR_UNKNOWN_MANDATORY);
  assert_int_equal(parse_hex(ietf_m, sizeof(ietf_m), &msg),
                   L2TPSEC_ERR_UNSUPPORTED);
  assert_int_equal(parse_hex(reserved_bit, sizeof(reserved_bit), &msg),
                   L2TPSEC_ERR_UNSUPPORTED);
}

static void avp_message_type_must_be_first(void **state) {
  const uint8_t late[] = {0x80, 0x08, 0, 0, 0, 9, 0, 1,
                          0x80, 0x08, 0, 0, 0, 0, 0, 6};
  l2tpsec__l2tp_msg msg;

  assert_int_equal(parse_hex(late, sizeof(late), &msg),
                   L2TPSEC_ERR_MALFORMED);
}

/* Each attribute with a fixed size rejects one byte more and one less. */
static void avp_length_rules_enforced(void **state) {
  static const struct {
    uint16_t attr;
    size_t len;
  } fixed[] = {{2, 2},  {3, 4},  {4, 4},  {5, 8},  {6, 2},  {9, 2},
               {10, 2}, {13, 16}, {14, 2}, {15, 4}, {16, 4}, {17, 4},
               {18, 4}, {19, 4},  {24, 4}, {25, 4}, {29, 2}, {32, 2},
               {34, 26}, {35, 10}, {38, 4}, {39, 0}};
  uint8_t buf[64];
  l2tpsec__l2tp_msg msg;

  for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
    for (int delta = -1; delta <= 1; delta++) {
      size_t vlen = fixed[i].len + (size_t)delta;
      const uint8_t mt[] = {0x80, 0x08, 0, 0, 0, 0, 0, 6};

      if (delta < 0 && fixed[i].len == 0)
        continue;
      memset(buf, 0, sizeof(buf));
      memcpy(buf, mt, sizeof(mt));
      buf[8] = 0x80;
      buf[9] = (uint8_t)(6 + vlen);
      buf[13] = (uint8_t)fixed[i].attr;
      assert_int_equal(parse_hex(buf, 8 + 6 + vlen, &msg),
                       delta == 0 ? 0 : L2TPSEC_ERR_MALFORMED);
    }
  }
}

static void avp_result_code_forms(void **state) {
  /* StopCCN with Result Code 1 and no Error Code (8-byte AVP). */
  const uint8_t short_form[] = {0x80, 0x08, 0, 0, 0, 0, 0, 4,
                                0x80, 0x08, 0, 0, 0, 1, 0, 1};
  /* Apple writes result and error little-endian. */
  const uint8_t apple[] = {0x80, 0x08, 0, 0, 0, 0, 0, 4, 0x80, 0x0a,
                           0,    0,    0, 1, 1, 0, 0, 0};
  const uint8_t seven[] = {0x80, 0x08, 0, 0, 0, 0, 0, 4,
                           0x80, 0x07, 0, 0, 0, 1, 0};
  const uint8_t full[] = {0x80, 0x08, 0, 0, 0, 0, 0, 14,  0x80, 0x0d, 0,
                          0,    0,    1, 0, 3, 0, 0, 'b', 'y', 'e'};
  l2tpsec__l2tp_msg msg;

  assert_int_equal(parse_hex(short_form, sizeof(short_form), &msg), 0);
  assert_int_equal(msg.result_code, 1);
  assert_false(msg.has_error_code);
  assert_int_equal(parse_hex(apple, sizeof(apple), &msg), 0);
  assert_int_equal(msg.result_code, 1);
  assert_true(msg.result_byte_swapped);
  assert_int_equal(parse_hex(seven, sizeof(seven), &msg),
                   L2TPSEC_ERR_MALFORMED);
  assert_int_equal(msg.fail_error_code, L2TP_ERR_BAD_LENGTH);
  assert_int_equal(parse_hex(full, sizeof(full), &msg), 0);
  assert_int_equal(msg.result_code, 3);
  assert_int_equal(msg.error_message.len, 3);
}

static void avp_writer_round_trips(void **state) {
  uint8_t buf[256];
  l2tpsec__l2tp_writer w;
  l2tpsec__l2tp_msg msg;
  uint8_t accm[10] = {0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff};

  l2tpsec__l2tp_writer_init(&w, buf, sizeof(buf));
  l2tpsec__l2tp_put_u16(&w, true, L2TP_AVP_MESSAGE_TYPE, L2TP_MSG_SLI);
  l2tpsec__l2tp_put(&w, true, L2TP_AVP_ACCM, accm, sizeof(accm));
  l2tpsec__l2tp_put(&w, true, L2TP_AVP_SEQUENCING_REQUIRED, NULL, 0);
  l2tpsec__l2tp_put_u32(&w, false, L2TP_AVP_RX_CONNECT_SPEED, 1234567);
  assert_false(w.overflow);
  assert_int_equal(l2tpsec__l2tp_msg_parse(buf, w.len, NULL, 0, &msg), 0);
  assert_int_equal(msg.type, L2TP_MSG_SLI);
  assert_int_equal(msg.accm_send, 1);
  assert_int_equal(msg.accm_recv, 0xffffffffu);
  assert_true(l2tpsec__l2tp_has(&msg, L2TP_AVP_SEQUENCING_REQUIRED));
  assert_int_equal(msg.rx_connect_speed, 1234567);

  l2tpsec__l2tp_writer_init(&w, buf, 10);
  l2tpsec__l2tp_put_u16(&w, true, L2TP_AVP_MESSAGE_TYPE, L2TP_MSG_SLI);
  l2tpsec__l2tp_put(&w, true, L2TP_AVP_ACCM, accm, sizeof(accm));
  assert_true(w.overflow);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(header_rejects_bad_versions),
      cmocka_unit_test(header_checks_control_flags),
      cmocka_unit_test(header_parses_data_options),
      cmocka_unit_test(avp_parses_sccrq),
      cmocka_unit_test(avp_unknown_mandatory_rejected),
      cmocka_unit_test(avp_message_type_must_be_first),
      cmocka_unit_test(avp_length_rules_enforced),
      cmocka_unit_test(avp_result_code_forms),
      cmocka_unit_test(avp_writer_round_trips),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
