/* Digest and block sizes of the hash algorithms, independent of backend. */
#include "crypto/crypto.h"

size_t l2tpsec__hash_len(enum l2tpsec__hash_alg alg) {
  switch (alg) {
  case L2TPSEC_HASH_MD4:
  case L2TPSEC_HASH_MD5:
    return 16;
  case L2TPSEC_HASH_SHA1:
    return 20;
  case L2TPSEC_HASH_SHA256:
    return 32;
  case L2TPSEC_HASH_SHA384:
    return 48;
  case L2TPSEC_HASH_SHA512:
    return 64;
  }
  return 0;
}

size_t l2tpsec__hash_block_len(enum l2tpsec__hash_alg alg) {
  switch (alg) {
  case L2TPSEC_HASH_MD4:
  case L2TPSEC_HASH_MD5:
  case L2TPSEC_HASH_SHA1:
  case L2TPSEC_HASH_SHA256:
    return 64;
  case L2TPSEC_HASH_SHA384:
  case L2TPSEC_HASH_SHA512:
    return 128;
  }
  return 0;
}
