/*
 * Real ESP captures made by FreeS/WAN-Openswan KLIPS and others, with
 * their keys in Wireshark's esp_sa format: they must decrypt to the ICMP
 * echo series the capture notes describe, and the malformed ones must be
 * dropped and counted. The captures are read from ../shared/captures
 * next to the repository and never copied into it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "esp_interop_util.h"
#include "hex.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/esp.h"
#include "pcap_reader.h"

#define DIR L2TPSEC_CAPTURES_DIR "/esp/"

static struct esp_frame frames[256];

static long read_capture(const char *name) {
  char path[512];
  long n;

  snprintf(path, sizeof(path), "%s%s", DIR, name);
  n = pcap_read_esp(path, frames, sizeof(frames) / sizeof(frames[0]));
  if (n < 0)
    fail_msg("cannot read capture %s: the shared captures must be at "
             "../shared/captures next to the repository",
             path);
  return n;
}

static enum l2tpsec_esp_encr encr_of(const char *name) {
  if (strncmp(name, "TripleDES-CBC", 13) == 0)
    return L2TPSEC_ESP_ENCR_3DES_CBC;
  if (strncmp(name, "AES-CBC", 7) == 0)
    return L2TPSEC_ESP_ENCR_AES_CBC;
  fail_msg("unknown encryption algorithm %s in an esp_sa file", name);
  return L2TPSEC_ESP_ENCR_NULL;
}

static enum l2tpsec_esp_integ integ_of(const char *name) {
  if (strncmp(name, "HMAC-MD5-96", 11) == 0)
    return L2TPSEC_ESP_INTEG_HMAC_MD5_96;
  if (strncmp(name, "HMAC-SHA-1-96", 13) == 0)
    return L2TPSEC_ESP_INTEG_HMAC_SHA1_96;
  if (strcmp(name, "NULL") == 0)
    return L2TPSEC_ESP_INTEG_NONE;
  fail_msg("unknown integrity algorithm %s in an esp_sa file", name);
  return L2TPSEC_ESP_INTEG_NONE;
}

/*
 * Fills settings from line `index` (0-based) of an esp_sa file: quoted
 * fields protocol, source, destination, SPI, cipher, key, integrity, key.
 */
static void read_sa(const char *name, int index, l2tpsec_esp_sa_settings *s) {
  char path[512], line[1024], *field[8];
  FILE *f;
  int seen = -1;

  snprintf(path, sizeof(path), "%s%s", DIR, name);
  f = fopen(path, "r");
  if (f == NULL)
    fail_msg("cannot read key file %s", path);
  while (seen < index && fgets(line, sizeof(line), f) != NULL)
    if (line[0] == '"')
      seen++;
  fclose(f);
  assert_int_equal(seen, index);

  char *p = line;
  for (int i = 0; i < 8; i++) {
    char *end;

    p = strchr(p, '"') + 1;
    end = strchr(p, '"');
    *end = '\0';
    field[i] = p;
    p = end + 1;
  }

  l2tpsec_esp_sa_settings_default(s);
  s->mode = L2TPSEC_ESP_TUNNEL;
  s->allow_legacy = true;
  s->spi = (uint32_t)strtoul(field[3], NULL, 16);
  s->encr = encr_of(field[4]);
  s->encr_key_len =
      (size_t)hex_parse(field[5] + 2, s->encr_key, sizeof(s->encr_key), 1);
  s->integ = integ_of(field[6]);
  s->integ_key_len = field[7][0] != '\0'
                         ? (size_t)hex_parse(field[7] + 2, s->integ_key,
                                             sizeof(s->integ_key), 1)
                         : 0;
}

static l2tpsec_esp_sa *sa_from_file(const char *name, int index) {
  l2tpsec_esp_sa_settings s;
  l2tpsec_esp_sa *sa = NULL;

  read_sa(name, index, &s);
  assert_int_equal(l2tpsec_esp_sa_new(&sa, &s, NULL, NULL), 0);
  return sa;
}

/*
 * Checks an inner IPv4 ICMP echo request with id 0x6f00 and seq. The
 * pinging host wrote the sequence number in little-endian byte order.
 */
static void assert_icmp_echo(const uint8_t *ip, size_t len, unsigned seq) {
  assert_true(len >= 28);
  assert_int_equal(ip[0], 0x45);
  assert_int_equal(ip[9], 1);
  assert_int_equal(ip[20], 8);
  assert_int_equal(ip[24] << 8 | ip[25], 0x6f00);
  assert_int_equal(ip[27] << 8 | ip[26], seq);
}

/*
 * Decrypts frame i with sa and returns the pad length, from the sizes:
 * everything between the IV and the ICV that is neither payload nor the
 * two trailer bytes.
 */
static size_t decrypt_frame(l2tpsec_esp_sa *sa, const struct esp_frame *fr,
                            size_t iv_len, uint8_t *out, size_t *out_len,
                            uint8_t *nh) {
  static uint8_t storage[4096];
  l2tpsec_pkt pkt;
  int rv;

  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 64);
  memcpy(l2tpsec_pkt_put(&pkt, fr->len), fr->data, fr->len);
  rv = l2tpsec_esp_decrypt(sa, &pkt, 0, nh);
  if (rv != 0)
    fail_msg("decrypting a captured packet failed: %s", l2tpsec_strerror(rv));
  memcpy(out, pkt.data, pkt.len);
  *out_len = pkt.len;
  return fr->len - 8 - iv_len - l2tpsec_esp_sa_icv_len(sa) - pkt.len - 2;
}

static void echo_series(const char *pcap, const char *keys, size_t iv_len,
                        size_t pad_len) {
  l2tpsec_esp_sa *sa = sa_from_file(keys, 0);
  l2tpsec_esp_sa_stats st;
  long n = read_capture(pcap);

  assert_int_equal(n, 8);
  for (long i = 0; i < n; i++) {
    uint8_t plain[2048], nh;
    size_t len;

    assert_int_equal(decrypt_frame(sa, &frames[i], iv_len, plain, &len, &nh),
                     pad_len);
    assert_int_equal(nh, 4);
    assert_icmp_echo(plain, len, 5 + (unsigned)i);
  }
  l2tpsec_esp_sa_stats_get(sa, &st);
  assert_int_equal(st.packets, 8);
  assert_int_equal(st.icv_failures, 0);
  l2tpsec_esp_sa_del(sa);
}

static void capture_3des_md5(void **state) {
  uint8_t plain[2048], nh;
  size_t len;
  l2tpsec_esp_sa *sa;

  echo_series("02-sunrise-sunset-esp.pcap", "02-sunrise-sunset-esp.esp_sa", 8,
              2);

  /* Source 192.0.2.1, destination 192.0.1.1; ICV of frame 1. */
  sa = sa_from_file("02-sunrise-sunset-esp.esp_sa", 0);
  read_capture("02-sunrise-sunset-esp.pcap");
  assert_memory_equal(frames[0].data + frames[0].len - 12,
                      "\x6f\xd3\xff\xdd\x00\xb0\xbc\x11\xf8\x10\x30\x97", 12);
  decrypt_frame(sa, &frames[0], 8, plain, &len, &nh);
  assert_memory_equal(plain + 12, "\xc0\x00\x02\x01\xc0\x00\x01\x01", 8);
  l2tpsec_esp_sa_del(sa);
}

static void capture_aes256_sha1(void **state) {
  echo_series("08-sunrise-sunset-aes.pcap", "08-sunrise-sunset-aes.esp_sa", 16,
              10);
}

static void capture_3des_sha1(void **state) {
  echo_series("08-sunrise-sunset-esp-sha1.pcap",
              "08-sunrise-sunset-esp-sha1.esp_sa", 8, 2);
}

static void capture_udp_encapsulated(void **state) {
  long n = read_capture("espudp1.pcap");

  assert_int_equal(n, 8);
  for (long i = 0; i < n; i++) {
    assert_true(frames[i].udp);
    assert_int_equal(l2tpsec_esp_udp_classify(frames[i].data, frames[i].len),
                     L2TPSEC_ESP_UDP_ESP);
  }
  echo_series("espudp1.pcap", "espudp1.esp_sa", 8, 2);
}

/* ESP inside ESP: the outer SA yields an IPv4 packet carrying ESP. */
static void capture_nested(void **state) {
  l2tpsec_esp_table_settings ts;
  l2tpsec_esp_table *outer_only, *both;
  l2tpsec_esp_table_stats tst;
  long n = read_capture("08-sunrise-sunset-esp2.pcap");

  l2tpsec_esp_table_settings_default(&ts);
  assert_int_equal(l2tpsec_esp_table_new(&outer_only, &ts), 0);
  assert_int_equal(l2tpsec_esp_table_new(&both, &ts), 0);
  assert_int_equal(
      l2tpsec_esp_table_add(outer_only,
                            sa_from_file("08-sunrise-sunset-esp2.esp_sa", 0)),
      0);
  assert_int_equal(l2tpsec_esp_table_add(
                       both, sa_from_file("08-sunrise-sunset-esp2.esp_sa", 0)),
                   0);
  assert_int_equal(l2tpsec_esp_table_add(
                       both, sa_from_file("08-sunrise-sunset-esp2.esp_sa", 1)),
                   0);
  assert_int_equal(n, 8);

  for (long i = 0; i < n; i++) {
    static uint8_t storage[4096];
    l2tpsec_pkt pkt;
    uint8_t nh, copy[2048];
    size_t outer_len;
    l2tpsec_esp_sa *sa;

    for (int t = 0; t < 2; t++) {
      l2tpsec_esp_table *table = t == 0 ? outer_only : both;

      l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 64);
      memcpy(l2tpsec_pkt_put(&pkt, frames[i].len), frames[i].data,
             frames[i].len);
      assert_int_equal(l2tpsec_esp_table_decrypt(table, &pkt, 0, &sa, &nh), 0);
      assert_int_equal(nh, 4);
      assert_int_equal(frames[i].len - 8 - 8 - 12 - pkt.len - 2, 6);
      assert_int_equal(pkt.data[9], 50);

      /* The inner ESP packet follows the inner IPv4 header. */
      outer_len = pkt.len;
      memcpy(copy, pkt.data, outer_len);
      l2tpsec_pkt_pull(&pkt, 20);
      if (t == 0) {
        assert_int_equal(l2tpsec_esp_table_decrypt(table, &pkt, 0, &sa, &nh),
                         L2TPSEC_ERR_NOT_FOUND);
        continue;
      }
      size_t inner_esp_len = pkt.len;
      assert_int_equal(l2tpsec_esp_table_decrypt(table, &pkt, 0, &sa, &nh), 0);
      assert_int_equal(inner_esp_len - 8 - 8 - 12 - pkt.len - 2, 2);
      assert_icmp_echo(pkt.data, pkt.len, 5 + (unsigned)i);
    }
  }
  l2tpsec_esp_table_stats_get(outer_only, &tst);
  assert_int_equal(tst.unknown_spi, 8);
  l2tpsec_esp_table_del(outer_only);
  l2tpsec_esp_table_del(both);
}

static void capture_encryption_only(void **state) {
  l2tpsec_esp_sa_settings s;
  l2tpsec_esp_sa *sa = NULL, *md5;
  long n = read_capture("08-sunrise-sunset-esp-noauth.pcap");

  read_sa("08-sunrise-sunset-esp-noauth.esp_sa", 0, &s);
  s.allow_legacy = false;
  assert_int_equal(l2tpsec_esp_sa_new(&sa, &s, NULL, NULL), L2TPSEC_ERR_CONFIG);
  echo_series("08-sunrise-sunset-esp-noauth.pcap",
              "08-sunrise-sunset-esp-noauth.esp_sa", 8, 2);

  /* The same key with HMAC-MD5-96 must not accept them. */
  read_sa("08-sunrise-sunset-esp-noauth.esp_sa", 0, &s);
  s.integ = L2TPSEC_ESP_INTEG_HMAC_MD5_96;
  s.integ_key_len = 16;
  assert_int_equal(l2tpsec_esp_sa_new(&md5, &s, NULL, NULL), 0);
  for (long i = 0; i < n; i++) {
    static uint8_t storage[4096];
    l2tpsec_pkt pkt;
    uint8_t nh;

    l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 64);
    memcpy(l2tpsec_pkt_put(&pkt, frames[i].len), frames[i].data, frames[i].len);
    assert_int_not_equal(l2tpsec_esp_decrypt(md5, &pkt, 0, &nh), 0);
  }
  l2tpsec_esp_sa_del(md5);
}

static void capture_ipcomp_rejected(void **state) {
  l2tpsec_esp_sa *sa = sa_from_file("08-east-west-esp-ipcomp.esp_sa", 0);
  l2tpsec_esp_sa_stats st;
  long n = read_capture("08-east-west-esp-ipcomp.pcap");

  assert_int_equal(n, 8);
  for (long i = 0; i < n; i++) {
    static uint8_t storage[4096];
    l2tpsec_pkt pkt;
    uint8_t nh;

    l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 64);
    memcpy(l2tpsec_pkt_put(&pkt, frames[i].len), frames[i].data, frames[i].len);
    assert_int_equal(l2tpsec_esp_decrypt(sa, &pkt, 0, &nh),
                     L2TPSEC_ERR_UNSUPPORTED);
  }
  l2tpsec_esp_sa_stats_get(sa, &st);
  assert_int_equal(st.next_header_errors, 8);
  assert_int_equal(st.icv_failures, 0);
  assert_int_equal(st.packets, 0);
  l2tpsec_esp_sa_del(sa);
}

static void capture_short_packet(void **state) {
  l2tpsec_esp_sa *sa = sa_from_file("01-sunrise-sunset-esp-short.esp_sa", 0);
  l2tpsec_esp_sa_stats st;
  l2tpsec_pkt pkt;
  uint8_t *copy, nh;
  long n = read_capture("01-sunrise-sunset-esp-short.pcap");

  assert_int_equal(n, 1);
  /* The frame contains the ESP header (SPI and sequence number) only. */
  assert_int_equal(frames[0].len, 8);
  copy = malloc(frames[0].len);
  memcpy(copy, frames[0].data, frames[0].len);
  l2tpsec_pkt_init(&pkt, copy, frames[0].len, 0);
  pkt.len = frames[0].len;
  assert_int_equal(l2tpsec_esp_decrypt(sa, &pkt, 0, &nh),
                   L2TPSEC_ERR_TRUNCATED);
  l2tpsec_esp_sa_stats_get(sa, &st);
  assert_int_equal(st.malformed, 1);
  free(copy);
  l2tpsec_esp_sa_del(sa);
}

static void capture_truncated_udp(void **state) {
  long n = read_capture("esp_truncated.pcap");

  assert_int_equal(n, 1);
  assert_true(frames[0].udp);
  assert_true(frames[0].truncated);
}

/* 240 packets of 18 SAs we have no keys for: all dropped and counted. */
static void capture_unknown_spis(void **state) {
  l2tpsec_esp_table_settings ts;
  l2tpsec_esp_table_stats tst;
  l2tpsec_esp_table *t;
  long n = read_capture("wireshark-esp.pcap");

  l2tpsec_esp_table_settings_default(&ts);
  assert_int_equal(l2tpsec_esp_table_new(&t, &ts), 0);
  for (long i = 0; i < n; i++) {
    static uint8_t storage[4096];
    l2tpsec_pkt pkt;
    uint8_t nh;

    l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 64);
    memcpy(l2tpsec_pkt_put(&pkt, frames[i].len), frames[i].data, frames[i].len);
    assert_int_equal(l2tpsec_esp_table_decrypt(t, &pkt, 0, NULL, &nh),
                     L2TPSEC_ERR_NOT_FOUND);
  }
  l2tpsec_esp_table_stats_get(t, &tst);
  /* NOTE: the reader takes IPv4 frames only, so the IPv6 SAs are skipped. */
  assert_int_equal(tst.unknown_spi, (uint64_t)n);
  assert_true(n >= 100);
  l2tpsec_esp_table_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(capture_3des_md5),
      cmocka_unit_test(capture_aes256_sha1),
      cmocka_unit_test(capture_3des_sha1),
      cmocka_unit_test(capture_udp_encapsulated),
      cmocka_unit_test(capture_nested),
      cmocka_unit_test(capture_encryption_only),
      cmocka_unit_test(capture_ipcomp_rejected),
      cmocka_unit_test(capture_short_packet),
      cmocka_unit_test(capture_truncated_udp),
      cmocka_unit_test(capture_unknown_spis),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
