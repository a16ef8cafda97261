# The crypto module. Backend-neutral code first, then the backend's files.
# mbedTLS always supplies the asymmetric part (random, DH, public keys,
# X.509); the symmetric part (hashes, HMAC, ciphers) comes from the
# backend chosen by L2TPSEC_CRYPTO_BACKEND, so a libcrypto backend under
# openssl/ replaces only that list.
set(_crypto ${CMAKE_CURRENT_LIST_DIR})

list(APPEND L2TPSEC_SOURCES
  ${_crypto}/hash_info.c
  ${_crypto}/md4.c
  ${_crypto}/des_key.c
  ${_crypto}/cipher.c
  ${_crypto}/modp_groups.c
  ${_crypto}/ikev1_kdf.c)

set(L2TPSEC_CRYPTO_MBEDTLS_SYMMETRIC
  ${_crypto}/mbedtls/backend.c
  ${_crypto}/mbedtls/hash.c
  ${_crypto}/mbedtls/hmac.c
  ${_crypto}/mbedtls/cipher.c
  ${_crypto}/mbedtls/gcm.c)

set(L2TPSEC_CRYPTO_MBEDTLS_ASYMMETRIC
  ${_crypto}/mbedtls/rand.c
  ${_crypto}/mbedtls/dh.c
  ${_crypto}/mbedtls/dh_modp.c
  ${_crypto}/mbedtls/dh_ecp.c
  ${_crypto}/mbedtls/pk.c
  ${_crypto}/mbedtls/x509.c)

if(L2TPSEC_CRYPTO_BACKEND STREQUAL "mbedtls")
  list(APPEND L2TPSEC_SOURCES ${L2TPSEC_CRYPTO_MBEDTLS_SYMMETRIC})
elseif(EXISTS ${_crypto}/openssl/sources.cmake)
  include(${_crypto}/openssl/sources.cmake)
else()
  message(FATAL_ERROR "crypto backend '${L2TPSEC_CRYPTO_BACKEND}' has no "
    "lib/crypto/${L2TPSEC_CRYPTO_BACKEND}/sources.cmake; use mbedtls")
endif()
list(APPEND L2TPSEC_SOURCES ${L2TPSEC_CRYPTO_MBEDTLS_ASYMMETRIC})
