# Selects the crypto backend. mbedTLS is always required: it supplies the
# public-key, X.509 and DH code for every backend. The OpenSSL backend
# only takes over the data-path ciphers and HMACs, where libcrypto is much
# faster on CPUs with AES-NI/VAES.
find_package(MbedTLS REQUIRED)
set(L2TPSEC_CRYPTO_LIBS MbedTLS::mbedx509 MbedTLS::mbedcrypto)
set(L2TPSEC_PC_REQUIRES_PRIVATE "")
set(L2TPSEC_PC_LIBS_PRIVATE "-lmbedx509 -lmbedcrypto")

if(L2TPSEC_CRYPTO_BACKEND STREQUAL "openssl")
  find_package(OpenSSL 1.1.1 REQUIRED COMPONENTS Crypto)
  list(APPEND L2TPSEC_CRYPTO_LIBS OpenSSL::Crypto)
  set(L2TPSEC_PC_REQUIRES_PRIVATE "libcrypto")
elseif(NOT L2TPSEC_CRYPTO_BACKEND STREQUAL "mbedtls")
  message(FATAL_ERROR "L2TPSEC_CRYPTO_BACKEND must be mbedtls or openssl, not '${L2TPSEC_CRYPTO_BACKEND}'")
endif()
message(STATUS "l2tpsec crypto backend: ${L2TPSEC_CRYPTO_BACKEND} (mbedTLS ${MbedTLS_VERSION})")
