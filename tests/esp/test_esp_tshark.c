/*
 * Wireshark's ESP dissector, given our keys, decrypts what our outbound
 * SAs send and verifies their ICVs: every transform Wireshark supports, in
 * transport and tunnel mode, with and without UDP encapsulation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "esp/esp_internal.h"
#include "esp_interop_util.h"
#include "hex.h"
#include "esp_test_util.h"

#define TSHARK "/usr/bin/tshark"
#define LINKTYPE_RAW 101

struct tshark_case {
  const struct esp_suite *suite;
  bool icv96;
  bool tunnel;
  bool natt;
  uint32_t spi;
  size_t pad_len;
};

static const char *wireshark_encr(const struct esp_suite *su) {
  switch (su->encr) {
  case L2TPSEC_ESP_ENCR_3DES_CBC:
    return "TripleDES-CBC [RFC2451]";
  case L2TPSEC_ESP_ENCR_NULL:
    return "NULL";
  case L2TPSEC_ESP_ENCR_AES_CBC:
    return "AES-CBC [RFC3602]";
  case L2TPSEC_ESP_ENCR_AES_GCM_8:
    return "AES-GCM with 8 octet ICV [RFC4106]";
  case L2TPSEC_ESP_ENCR_AES_GCM_12:
    return "AES-GCM with 12 octet ICV [RFC4106]";
  default:
    return "AES-GCM with 16 octet ICV [RFC4106]";
  }
}

static const char *wireshark_integ(const struct tshark_case *c) {
  switch (c->suite->integ) {
  case L2TPSEC_ESP_INTEG_HMAC_MD5_96:
    return "HMAC-MD5-96 [RFC2403]";
  case L2TPSEC_ESP_INTEG_HMAC_SHA1_96:
    return "HMAC-SHA-1-96 [RFC2404]";
  case L2TPSEC_ESP_INTEG_HMAC_SHA256_128:
    return c->icv96 ? "HMAC-SHA-256-96 [draft-ietf-ipsec-ciph-sha-256-00]"
                    : "HMAC-SHA-256-128 [RFC4868]";
  case L2TPSEC_ESP_INTEG_HMAC_SHA384_192:
    return "HMAC-SHA-384-192 [RFC4868]";
  case L2TPSEC_ESP_INTEG_HMAC_SHA512_256:
    return "HMAC-SHA-512-256 [RFC4868]";
  default:
    return "NULL";
  }
}

static void put_le32(FILE *f, uint32_t v) {
  uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                  (uint8_t)(v >> 24)};

  fwrite(b, 1, 4, f);
}

/* Writes one raw IPv4 packet record: 192.0.2.1 to 198.51.100.2. */
static void write_record(FILE *f, const uint8_t *esp, size_t len, bool natt) {
  uint8_t ip[28] = {0x45, 0, 0,   0, 0, 0, 0x40, 0,  64,  50,
                    0,    0, 192, 0, 2, 1, 198,  51, 100, 2};
  size_t hdr = natt ? 28 : 20;
  uint32_t sum = 0;

  l2tpsec__put16(ip + 2, (uint16_t)(hdr + len));
  if (natt) {
    ip[9] = 17;
    l2tpsec__put16(ip + 20, 4500);
    l2tpsec__put16(ip + 22, 4500);
    l2tpsec__put16(ip + 24, (uint16_t)(8 + len));
  }
  for (int i = 0; i < 20; i += 2)
    sum += l2tpsec__get16(ip + i);
  sum = (sum & 0xffff) + (sum >> 16);
  l2tpsec__put16(ip + 10, (uint16_t)~sum);

  put_le32(f, 0);
  put_le32(f, 0);
  put_le32(f, (uint32_t)(hdr + len));
  put_le32(f, (uint32_t)(hdr + len));
  fwrite(ip, 1, hdr, f);
  fwrite(esp, 1, len, f);
}

static void case_settings(const struct tshark_case *c,
                          l2tpsec_esp_sa_settings *s) {
  esp_test_settings(s, c->suite, L2TPSEC_ESP_OUTBOUND, 33);
  s->spi = c->spi;
  s->mode = c->tunnel ? L2TPSEC_ESP_TUNNEL : L2TPSEC_ESP_TRANSPORT;
  if (c->icv96)
    s->sha256_icv = L2TPSEC_ESP_SHA256_ICV_96;
}

/* Encrypts one packet for case c and writes it to the capture. */
static void emit(FILE *f, struct tshark_case *c, size_t index) {
  l2tpsec_esp_sa_settings s;
  l2tpsec_esp_sa *sa;
  struct esp_test_pkt p;
  uint8_t payload[300];
  size_t len = 28 + index * 7 % 200;

  case_settings(c, &s);
  assert_int_equal(l2tpsec_esp_sa_new(&sa, &s, NULL, NULL), 0);
  if (c->tunnel) {
    memset(payload, 0, len);
    payload[0] = 0x45;
    l2tpsec__put16(payload + 2, (uint16_t)len);
    payload[8] = 64;
    payload[9] = 253;
    memcpy(payload + 12, "\xc0\x00\x02\x0a\xc6\x33\x64\x0b", 8);
  } else {
    esp_test_udp(payload, len);
  }
  esp_test_pkt_fill(&p, payload, len);
  assert_int_equal(l2tpsec_esp_encrypt(sa, &p.pkt, c->tunnel ? 4 : 17, 0), 0);
  c->pad_len = (sa->align - (len + 2) % sa->align) % sa->align;
  write_record(f, p.pkt.data, p.pkt.len, c->natt);
  l2tpsec_esp_sa_del(sa);
}

/* Appends the -o option with Wireshark's esp_sa UAT line for case c. */
static void append_uat(char *cmd, size_t cap, const struct tshark_case *c) {
  l2tpsec_esp_sa_settings s;
  char ekey[2 * L2TPSEC_ESP_KEY_MAX + 1], akey[2 * L2TPSEC_ESP_KEY_MAX + 1];
  size_t used = strlen(cmd);

  case_settings(c, &s);
  hex_encode(s.encr_key, s.encr_key_len, ekey);
  hex_encode(s.integ_key, s.integ_key_len, akey);
  snprintf(cmd + used, cap - used,
           " -o 'uat:esp_sa:\"IPv4\",\"192.0.2.1\",\"198.51.100.2\","
           "\"0x%08x\",\"%s\",\"%s%s\",\"%s\",\"%s%s\"'",
           c->spi, wireshark_encr(c->suite), ekey[0] ? "0x" : "", ekey,
           wireshark_integ(c), akey[0] ? "0x" : "", akey);
}

static void tshark_decodes_our_packets(void **state) {
  static struct tshark_case cases[64];
  static char cmd[65536];
  char path[] = "/tmp/esp-tshark-XXXXXX";
  size_t n = 0;
  FILE *f;
  char *out, *line;

  require_program(TSHARK, "tshark");
  f = fdopen(mkstemp(path), "wb");
  put_le32(f, 0xa1b2c3d4);
  fwrite("\x02\x00\x04\x00", 1, 4, f);
  put_le32(f, 0);
  put_le32(f, 0);
  put_le32(f, 65535);
  put_le32(f, LINKTYPE_RAW);

  snprintf(cmd, sizeof(cmd),
           TSHARK " -n -r %s -o esp.enable_encryption_decode:TRUE"
                  " -o esp.enable_authentication_check:TRUE -T fields"
                  " -E separator=, -e esp.spi -e esp.icv_good"
                  " -e esp.pad_len -e esp.protocol",
           path);
  for (size_t s = 0; s <= esp_suite_count; s++) {
    for (int mode = 0; mode < 2; mode++) {
      for (int natt = 0; natt < 2; natt++) {
        struct tshark_case *c = &cases[n];

        c->suite = s < esp_suite_count ? &esp_suites[s] : &esp_suites[1];
        c->icv96 = s == esp_suite_count;
        c->tunnel = mode;
        c->natt = natt;
        c->spi = 0x5000 + (uint32_t)n;
        emit(f, c, n);
        append_uat(cmd, sizeof(cmd), c);
        n++;
      }
    }
  }
  fclose(f);
  strncat(cmd, " 2>/dev/null", sizeof(cmd) - strlen(cmd) - 1);
  out = run_with_input(cmd, "/dev/null");
  if (getenv("ESP_TSHARK_KEEP") != NULL)
    fprintf(stderr, "%s\n", cmd);
  else
    unlink(path);
  assert_non_null(out);

  line = out;
  for (size_t i = 0; i < n; i++) {
    const struct tshark_case *c = &cases[i];
    char want[64], *end = strchr(line, '\n');

    if (end == NULL)
      fail_msg("tshark printed %zu lines for %zu packets", i, n);
    *end = '\0';
    snprintf(want, sizeof(want), "0x%08x,1,%zu,0x%02x", c->spi, c->pad_len,
             c->tunnel ? 4 : 17);
    if (strcmp(line, want) != 0)
      fail_msg("%s%s %s%s: tshark printed '%s', expected '%s'", c->suite->name,
               c->icv96 ? " (96-bit ICV)" : "",
               c->tunnel ? "tunnel" : "transport", c->natt ? " NAT-T" : "",
               line, want);
    line = end + 1;
  }
  free(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(tshark_decodes_our_packets),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
