# RADIUS client (I/O-free) and the authenticators built on it.
list(APPEND L2TPSEC_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/radius_wire.c
  ${CMAKE_CURRENT_LIST_DIR}/radius_client.c
  ${CMAKE_CURRENT_LIST_DIR}/radius_auth.c
  ${CMAKE_CURRENT_LIST_DIR}/radius_acct.c
  ${CMAKE_CURRENT_LIST_DIR}/radius_dae.c)
# The request interface, CHAP/MS-CHAPv2 and TOTP computations.
list(APPEND L2TPSEC_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/chap.c
  ${CMAKE_CURRENT_LIST_DIR}/request.c
  ${CMAKE_CURRENT_LIST_DIR}/totp.c)
# The local authenticator: chap-secrets, users.oath and
# google-authenticator files; crypt(3) from libcrypt checks hashed
# passwords.
list(APPEND L2TPSEC_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/failures.c
  ${CMAKE_CURRENT_LIST_DIR}/files.c
  ${CMAKE_CURRENT_LIST_DIR}/google_auth.c
  ${CMAKE_CURRENT_LIST_DIR}/local.c
  ${CMAKE_CURRENT_LIST_DIR}/local_decide.c)
list(APPEND L2TPSEC_EXTRA_LIBS crypt)
# The static library's users link libcrypt too (l2tpsec.pc is written at
# the top level, one scope up).
set(L2TPSEC_PC_LIBS_PRIVATE "${L2TPSEC_PC_LIBS_PRIVATE} -lcrypt")
set(L2TPSEC_PC_LIBS_PRIVATE "${L2TPSEC_PC_LIBS_PRIVATE}" PARENT_SCOPE)

# The libuv binding of the RADIUS client. lib/uv links libuv too; asking
# pkg-config here keeps lib/auth buildable on its own.
pkg_check_modules(LIBUV REQUIRED libuv>=1.44)
list(APPEND L2TPSEC_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/radius_uv.c
  ${CMAKE_CURRENT_LIST_DIR}/radius_authenticator.c)
list(APPEND L2TPSEC_EXTRA_LIBS ${LIBUV_LIBRARIES})

# PAM on libuv worker threads (PAP only).
list(APPEND L2TPSEC_SOURCES ${CMAKE_CURRENT_LIST_DIR}/pam_authenticator.c)
list(APPEND L2TPSEC_EXTRA_LIBS pam)
set(L2TPSEC_PC_LIBS_PRIVATE "${L2TPSEC_PC_LIBS_PRIVATE} -lpam")
set(L2TPSEC_PC_LIBS_PRIVATE "${L2TPSEC_PC_LIBS_PRIVATE}" PARENT_SCOPE)
