# Finds mbedTLS. mbedTLS 3.x installs MbedTLSConfig.cmake and is used
# through it; Debian's 2.28 ships neither a CMake package nor a .pc file,
# so fall back to plain header and library look-ups.
#
# Result: imported target MbedTLS::mbedcrypto (and MbedTLS::mbedx509),
# MbedTLS_VERSION.
if(TARGET MbedTLS::mbedcrypto)
  return()
endif()

find_package(MbedTLS CONFIG QUIET)
if(TARGET MbedTLS::mbedcrypto)
  set(MbedTLS_FOUND TRUE)
  return()
endif()

find_path(MbedTLS_INCLUDE_DIR mbedtls/version.h)
find_library(MbedTLS_CRYPTO_LIBRARY mbedcrypto)
find_library(MbedTLS_X509_LIBRARY mbedx509)

if(MbedTLS_INCLUDE_DIR AND EXISTS "${MbedTLS_INCLUDE_DIR}/mbedtls/build_info.h")
  file(STRINGS "${MbedTLS_INCLUDE_DIR}/mbedtls/build_info.h" _v
       REGEX "#define MBEDTLS_VERSION_STRING +\"")
elseif(MbedTLS_INCLUDE_DIR)
  file(STRINGS "${MbedTLS_INCLUDE_DIR}/mbedtls/version.h" _v
       REGEX "#define MBEDTLS_VERSION_STRING +\"")
endif()
if(_v)
  string(REGEX REPLACE ".*\"([0-9.]+)\".*" "\\1" MbedTLS_VERSION "${_v}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(MbedTLS
  REQUIRED_VARS MbedTLS_CRYPTO_LIBRARY MbedTLS_X509_LIBRARY MbedTLS_INCLUDE_DIR
  VERSION_VAR MbedTLS_VERSION)

if(MbedTLS_FOUND)
  add_library(MbedTLS::mbedcrypto UNKNOWN IMPORTED)
  set_target_properties(MbedTLS::mbedcrypto PROPERTIES
    IMPORTED_LOCATION "${MbedTLS_CRYPTO_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${MbedTLS_INCLUDE_DIR}")
  add_library(MbedTLS::mbedx509 UNKNOWN IMPORTED)
  set_target_properties(MbedTLS::mbedx509 PROPERTIES
    IMPORTED_LOCATION "${MbedTLS_X509_LIBRARY}"
    INTERFACE_LINK_LIBRARIES MbedTLS::mbedcrypto)
endif()
