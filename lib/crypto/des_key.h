/* DES key helpers shared by every backend. */
#ifndef L2TPSEC_CRYPTO_DES_KEY_H
#define L2TPSEC_CRYPTO_DES_KEY_H

#include <stdint.h>

/*
 * Spreads a 56-bit key over 8 bytes, 7 key bits in the high bits of each
 * byte and an odd-parity bit in the low bit, as MS-CHAP's DesEncrypt
 * expects (RFC 2759 section 8.6, RFC 2433 Appendix A).
 */
void l2tpsec__des_key_from_7(const uint8_t key7[7], uint8_t key8[8]);

#endif
