# The symmetric half of crypto.h over OpenSSL's libcrypto (EVP): hashes,
# HMAC, CBC, GCM and DES. mbedTLS still supplies the asymmetric half.
list(APPEND L2TPSEC_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/backend.c
  ${CMAKE_CURRENT_LIST_DIR}/libctx.c
  ${CMAKE_CURRENT_LIST_DIR}/hash.c
  ${CMAKE_CURRENT_LIST_DIR}/hmac.c
  ${CMAKE_CURRENT_LIST_DIR}/cipher.c
  ${CMAKE_CURRENT_LIST_DIR}/gcm.c)
