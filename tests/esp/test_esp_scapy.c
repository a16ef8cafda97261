/*
 * Known answers against scapy's independent ESP code: scapy encrypts
 * and we decrypt, we encrypt and scapy decrypts, for every transform,
 * transport and tunnel mode, IPv4 and IPv6, with and without UDP
 * encapsulation, and for the 96-bit HMAC-SHA2-256 ICV.
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

#include "esp_interop_util.h"
#include "hex.h"
#include "esp_test_util.h"
#include "l2tpsec/errors.h"

/* Debian's interpreter, which python3-scapy installs into. */
#define PYTHON "/usr/bin/python3"
#define SCRIPT L2TPSEC_SOURCE_DIR "/tests/esp/scapy_esp.py"

struct interop_case {
  const struct esp_suite *suite;
  bool icv96;
  enum l2tpsec_esp_mode mode;
  int family; /* 4 or 6 */
  bool natt;
  uint8_t payload[600];
  size_t len;
};

#define MAX_CASES 128
static struct interop_case cases[MAX_CASES];
static size_t ncases;

static const char *scapy_crypt(enum l2tpsec_esp_encr e) {
  switch (e) {
  case L2TPSEC_ESP_ENCR_AES_CBC:
    return "AES-CBC";
  case L2TPSEC_ESP_ENCR_3DES_CBC:
    return "3DES";
  case L2TPSEC_ESP_ENCR_NULL:
    return "NULL";
  default:
    return "AES-GCM";
  }
}

static int gcm_icv(enum l2tpsec_esp_encr e) {
  return e == L2TPSEC_ESP_ENCR_AES_GCM_8    ? 8
         : e == L2TPSEC_ESP_ENCR_AES_GCM_12 ? 12
         : e == L2TPSEC_ESP_ENCR_AES_GCM_16 ? 16
                                            : 0;
}

static const char *scapy_auth(const struct interop_case *c) {
  switch (c->suite->integ) {
  case L2TPSEC_ESP_INTEG_HMAC_MD5_96:
    return "HMAC-MD5-96";
  case L2TPSEC_ESP_INTEG_HMAC_SHA1_96:
    return "HMAC-SHA1-96";
  case L2TPSEC_ESP_INTEG_HMAC_SHA256_128:
    return c->icv96 ? "SHA2-256-96" : "SHA2-256-128";
  case L2TPSEC_ESP_INTEG_HMAC_SHA384_192:
    return "SHA2-384-192";
  case L2TPSEC_ESP_INTEG_HMAC_SHA512_256:
    return "SHA2-512-256";
  default:
    return "NULL";
  }
}

static void case_settings(const struct interop_case *c,
                          enum l2tpsec_esp_direction dir,
                          l2tpsec_esp_sa_settings *s) {
  esp_test_settings(s, c->suite, dir, 21);
  s->mode = c->mode;
  s->family = c->family == 4 ? L2TPSEC_ESP_IPV4 : L2TPSEC_ESP_IPV6;
  if (c->natt) {
    s->encap_local_port = 4500;
    s->encap_remote_port = 4500;
  }
  if (c->icv96)
    s->sha256_icv = L2TPSEC_ESP_SHA256_ICV_96;
}

static void make_payload(struct interop_case *c, size_t i) {
  if (c->mode == L2TPSEC_ESP_TRANSPORT) {
    c->len = 8 + (i * 37) % 500;
    esp_test_udp(c->payload, c->len);
    return;
  }
  c->len = 20 + (i * 41) % 500;
  memset(c->payload, 0, c->len);
  c->payload[0] = 0x45;
  c->payload[2] = (uint8_t)(c->len >> 8);
  c->payload[3] = (uint8_t)c->len;
  c->payload[8] = 64;
  c->payload[9] = 253; /* experimental protocol: scapy keeps it raw */
  memcpy(c->payload + 12, "\xc0\x00\x02\x0a\xc6\x33\x64\x0b", 8);
  for (size_t k = 20; k < c->len; k++)
    c->payload[k] = (uint8_t)(k * 13 + i);
}

static void build_cases(void) {
  ncases = 0;
  for (size_t s = 0; s <= esp_suite_count; s++) {
    for (int m = 0; m < 2; m++) {
      for (int f = 0; f < 2; f++) {
        for (int natt = 0; natt < 2; natt++) {
          struct interop_case *c = &cases[ncases];

          /* One extra pass: AES-CBC with the 96-bit SHA2-256 ICV. */
          c->suite = s < esp_suite_count ? &esp_suites[s] : &esp_suites[1];
          c->icv96 = s == esp_suite_count;
          c->mode = m ? L2TPSEC_ESP_TUNNEL : L2TPSEC_ESP_TRANSPORT;
          c->family = f ? 6 : 4;
          c->natt = natt;
          make_payload(c, ncases);
          ncases++;
        }
      }
    }
  }
  assert_true(ncases <= MAX_CASES);
}

/* Writes one request line for scapy_esp.py. */
static void write_request(FILE *f, const char *op, const struct interop_case *c,
                          const uint8_t *data, size_t len) {
  l2tpsec_esp_sa_settings s;
  char ckey[2 * L2TPSEC_ESP_KEY_MAX + 1], akey[2 * L2TPSEC_ESP_KEY_MAX + 1];
  char *hex = malloc(2 * len + 1);

  case_settings(c, L2TPSEC_ESP_OUTBOUND, &s);
  hex_encode(s.encr_key, s.encr_key_len, ckey);
  hex_encode(s.integ_key, s.integ_key_len, akey);
  hex_encode(data, len, hex);
  fprintf(f, "%s %s %s %d %s %s %u 1 %s %d %d %s\n", op,
          scapy_crypt(c->suite->encr), ckey[0] ? ckey : "-",
          gcm_icv(c->suite->encr), scapy_auth(c), akey[0] ? akey : "-", s.spi,
          c->mode == L2TPSEC_ESP_TUNNEL ? "tunnel" : "transport", c->family,
          c->natt ? 1 : 0, hex);
  free(hex);
}

/* Runs scapy over the request file and returns its response lines. */
static char *run_scapy(const char *requests) {
  char *out;

  require_program(PYTHON, "python3");
  out = run_with_input(PYTHON " " SCRIPT, requests);
  if (out == NULL || strncmp(out, "ok", 2) != 0)
    fail_msg("scapy_esp.py failed (is python3-scapy installed? "
             "scripts/install-deps.sh installs it): %s",
             out != NULL ? out : "(no output)");
  return out;
}

static char *next_answer(char **cursor, size_t i) {
  char *line = *cursor;
  char *end = strchr(line, '\n');

  if (end == NULL)
    fail_msg("scapy gave no answer for case %zu", i);
  *end = '\0';
  *cursor = end + 1;
  if (strncmp(line, "ok ", 3) != 0)
    fail_msg("scapy failed on case %zu: %s", i, line);
  return line + 3;
}

/* What our inbound SA must return for a case's payload. */
static void expected_plaintext(const struct interop_case *c, uint8_t *out) {
  memcpy(out, c->payload, c->len);
  if (c->natt && c->family == 4 && c->mode == L2TPSEC_ESP_TRANSPORT) {
    out[6] = 0;
    out[7] = 0;
  }
}

static void describe(const struct interop_case *c, char *buf, size_t cap) {
  snprintf(buf, cap, "%s%s %s IPv%d%s", c->suite->name,
           c->icv96 ? " (96-bit ICV)" : "",
           c->mode == L2TPSEC_ESP_TUNNEL ? "tunnel" : "transport", c->family,
           c->natt ? " UDP-encapsulated" : "");
}

static void scapy_encrypts_we_decrypt(void **state) {
  char path[] = "/tmp/esp-scapy-XXXXXX";
  int fd = mkstemp(path);
  FILE *f = fdopen(fd, "w");
  char *answers, *cursor;

  build_cases();
  for (size_t i = 0; i < ncases; i++)
    write_request(f, "enc", &cases[i], cases[i].payload, cases[i].len);
  fclose(f);
  answers = run_scapy(path);
  unlink(path);

  cursor = answers;
  for (size_t i = 0; i < ncases; i++) {
    const struct interop_case *c = &cases[i];
    l2tpsec_esp_sa_settings s;
    l2tpsec_esp_sa *in;
    struct esp_test_pkt p;
    uint8_t esp[1024], want[600], nh = 0;
    long len = hex_parse(next_answer(&cursor, i), esp, sizeof(esp), 1);
    char name[96];
    int rv;

    describe(c, name, sizeof(name));
    assert_true(len > 0);
    case_settings(c, L2TPSEC_ESP_INBOUND, &s);
    assert_int_equal(l2tpsec_esp_sa_new(&in, &s, NULL, NULL), 0);
    esp_test_pkt_fill(&p, esp, (size_t)len);
    rv = l2tpsec_esp_decrypt(in, &p.pkt, 0, &nh);
    if (rv != 0)
      fail_msg("%s: decrypting scapy's packet failed: %s", name,
               l2tpsec_strerror(rv));
    expected_plaintext(c, want);
    assert_int_equal(nh, c->mode == L2TPSEC_ESP_TUNNEL ? 4 : 17);
    assert_int_equal(p.pkt.len, c->len);
    if (memcmp(p.pkt.data, want, c->len) != 0)
      fail_msg("%s: plaintext differs from what scapy encrypted", name);
    l2tpsec_esp_sa_del(in);
  }
  free(answers);
}

static void we_encrypt_scapy_decrypts(void **state) {
  char path[] = "/tmp/esp-scapy-XXXXXX";
  int fd = mkstemp(path);
  FILE *f = fdopen(fd, "w");
  char *answers, *cursor;

  build_cases();
  for (size_t i = 0; i < ncases; i++) {
    const struct interop_case *c = &cases[i];
    l2tpsec_esp_sa_settings s;
    l2tpsec_esp_sa *out;
    struct esp_test_pkt p;

    case_settings(c, L2TPSEC_ESP_OUTBOUND, &s);
    assert_int_equal(l2tpsec_esp_sa_new(&out, &s, NULL, NULL), 0);
    esp_test_pkt_fill(&p, c->payload, c->len);
    assert_int_equal(l2tpsec_esp_encrypt(out, &p.pkt,
                                         c->mode == L2TPSEC_ESP_TUNNEL ? 4 : 17,
                                         0),
                     0);
    write_request(f, "dec", c, p.pkt.data, p.pkt.len);
    l2tpsec_esp_sa_del(out);
  }
  fclose(f);
  answers = run_scapy(path);
  unlink(path);

  cursor = answers;
  for (size_t i = 0; i < ncases; i++) {
    const struct interop_case *c = &cases[i];
    uint8_t plain[1024];
    char *answer = next_answer(&cursor, i);
    long len = hex_parse(answer, plain, sizeof(plain), 1);
    char name[96];

    describe(c, name, sizeof(name));
    if (len != (long)c->len || memcmp(plain, c->payload, c->len) != 0)
      fail_msg("%s: scapy decrypted our packet to other bytes: %s", name,
               answer);
    assert_int_equal(atoi(strchr(answer, ' ') + 1),
                     c->mode == L2TPSEC_ESP_TUNNEL ? 4 : 17);
  }
  free(answers);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(scapy_encrypts_we_decrypt),
      cmocka_unit_test(we_encrypt_scapy_decrypts),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
