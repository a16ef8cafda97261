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
