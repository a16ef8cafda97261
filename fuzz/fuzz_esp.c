/*
 * libFuzzer harness for ESP input: each input is a sequence of packets,
 * each fed to a table of inbound SAs (one per transform) and to the
 * RFC 3948 classifier. In the L2TPSEC_FUZZ_NULL_CRYPTO build the
 * ciphers copy and every ICV passes, so the fuzzer reaches the padding,
 * next-header and inner-length checks after decryption.
 *
 * Input format: repeated [1-byte SA selector][2-byte length][packet].
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "l2tpsec/esp.h"

struct fuzz_sa {
  enum l2tpsec_esp_encr encr;
  size_t encr_key_len;
  enum l2tpsec_esp_integ integ;
  size_t integ_key_len;
  enum l2tpsec_esp_mode mode;
  enum l2tpsec_esp_sha256_icv sha256_icv;
  uint16_t encap_port;
};

static const struct fuzz_sa fuzz_sas[] = {
    {L2TPSEC_ESP_ENCR_AES_CBC, 16, L2TPSEC_ESP_INTEG_HMAC_SHA1_96, 20,
     L2TPSEC_ESP_TRANSPORT, L2TPSEC_ESP_SHA256_ICV_128, 4500},
    {L2TPSEC_ESP_ENCR_AES_CBC, 32, L2TPSEC_ESP_INTEG_HMAC_SHA256_128, 32,
     L2TPSEC_ESP_TUNNEL, L2TPSEC_ESP_SHA256_ICV_DETECT, 0},
    {L2TPSEC_ESP_ENCR_AES_GCM_16, 20, L2TPSEC_ESP_INTEG_NONE, 0,
     L2TPSEC_ESP_TRANSPORT, L2TPSEC_ESP_SHA256_ICV_128, 0},
    {L2TPSEC_ESP_ENCR_AES_GCM_8, 36, L2TPSEC_ESP_INTEG_NONE, 0,
     L2TPSEC_ESP_TUNNEL, L2TPSEC_ESP_SHA256_ICV_128, 0},
    {L2TPSEC_ESP_ENCR_3DES_CBC, 24, L2TPSEC_ESP_INTEG_HMAC_MD5_96, 16,
     L2TPSEC_ESP_TUNNEL, L2TPSEC_ESP_SHA256_ICV_128, 0},
    {L2TPSEC_ESP_ENCR_NULL, 0, L2TPSEC_ESP_INTEG_HMAC_SHA512_256, 64,
     L2TPSEC_ESP_TRANSPORT, L2TPSEC_ESP_SHA256_ICV_128, 4500},
};

#define SA_COUNT (sizeof(fuzz_sas) / sizeof(fuzz_sas[0]))

/* SPIs of the SAs: 0x100 + index, so a selector byte picks one. */
static l2tpsec_esp_table *new_table(void) {
  l2tpsec_esp_table_settings ts;
  l2tpsec_esp_table *t;

  l2tpsec_esp_table_settings_default(&ts);
  ts.max_sas = 16;
  if (l2tpsec_esp_table_new(&t, &ts) != 0)
    __builtin_trap();
  for (size_t i = 0; i < SA_COUNT; i++) {
    const struct fuzz_sa *f = &fuzz_sas[i];
    l2tpsec_esp_sa_settings s;
    l2tpsec_esp_sa *sa;

    l2tpsec_esp_sa_settings_default(&s);
    s.spi = 0x100 + (uint32_t)i;
    s.encr = f->encr;
    s.encr_key_len = f->encr_key_len;
    s.integ = f->integ;
    s.integ_key_len = f->integ_key_len;
    s.mode = f->mode;
    s.sha256_icv = f->sha256_icv;
    s.encap_local_port = f->encap_port;
    s.encap_remote_port = f->encap_port;
    s.allow_legacy = true;
    s.replay_window = 64;
    s.hard.packets = 1000;
    memset(s.encr_key, 0x11 * (int)(i + 1), sizeof(s.encr_key));
    memset(s.integ_key, 0x22 * (int)(i + 1), sizeof(s.integ_key));
    if (l2tpsec_esp_sa_new(&sa, &s, NULL, NULL) != 0 ||
        l2tpsec_esp_table_add(t, sa) != 0)
      __builtin_trap();
  }
  return t;
}

/* Gives the packet the SPI of the selected SA so it is found. */
static void feed(l2tpsec_esp_table *t, uint8_t selector, const uint8_t *data,
                 size_t len, l2tpsec_tstamp now) {
  static uint8_t storage[70000];
  l2tpsec_pkt pkt;
  uint8_t nh;

  l2tpsec_esp_udp_classify(data, len);
  l2tpsec_pkt_init(&pkt, storage, len, 0);
  memcpy(storage, data, len);
  pkt.len = len;
  if (len >= 4 && (selector & 0x80) == 0) {
    storage[0] = 0;
    storage[1] = 0;
    storage[2] = 1;
    storage[3] = (uint8_t)(selector % SA_COUNT);
  }
  l2tpsec_esp_table_decrypt(t, &pkt, now, NULL, &nh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  l2tpsec_esp_table *t = new_table();
  l2tpsec_tstamp now = 0;

  while (size >= 3) {
    uint8_t selector = data[0];
    size_t len = (size_t)data[1] << 8 | data[2];

    data += 3;
    size -= 3;
    if (len > size)
      len = size;
    feed(t, selector, data, len, now);
    now += 1000;
    data += len;
    size -= len;
  }
  l2tpsec_esp_table_handle_timeout(t, now);
  l2tpsec_esp_table_del(t);
  return 0;
}
