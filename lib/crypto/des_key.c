/* Expansion of 7-byte MS-CHAP keys into 8-byte DES keys. */
#include "crypto/des_key.h"

static uint8_t with_odd_parity(uint8_t b) {
  int ones = 0;

  for (int i = 1; i < 8; i++)
    ones += (b >> i) & 1;
  return (uint8_t)(b | ((ones & 1) == 0));
}

void l2tpsec__des_key_from_7(const uint8_t key7[7], uint8_t key8[8]) {
  uint64_t bits = 0;

  for (int i = 0; i < 7; i++)
    bits = (bits << 8) | key7[i];

  /* Byte i takes key bits 7*i .. 7*i+6, counted from the most significant. */
  for (int i = 0; i < 8; i++) {
    uint8_t seven = (uint8_t)((bits >> (49 - 7 * i)) & 0x7f);

    key8[i] = with_odd_parity((uint8_t)(seven << 1));
  }
}
