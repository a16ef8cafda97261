# IKEv1: the ISAKMP codec, policy and proposal selection, vendor IDs, NAT
# discovery, and the main mode and quick mode state machines.
list(APPEND L2TPSEC_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/isakmp_parse.c
  ${CMAKE_CURRENT_LIST_DIR}/writer.c
  ${CMAKE_CURRENT_LIST_DIR}/sa_payload.c
  ${CMAKE_CURRENT_LIST_DIR}/policy_parse.c
  ${CMAKE_CURRENT_LIST_DIR}/policy_select.c
  ${CMAKE_CURRENT_LIST_DIR}/vendor.c
  ${CMAKE_CURRENT_LIST_DIR}/natd.c
  ${CMAKE_CURRENT_LIST_DIR}/identity.c
  ${CMAKE_CURRENT_LIST_DIR}/peer_error.c
  ${CMAKE_CURRENT_LIST_DIR}/ike.c
  ${CMAKE_CURRENT_LIST_DIR}/ike_crypt.c
  ${CMAKE_CURRENT_LIST_DIR}/main_mode.c
  ${CMAKE_CURRENT_LIST_DIR}/quick_mode.c
  ${CMAKE_CURRENT_LIST_DIR}/selector.c
  ${CMAKE_CURRENT_LIST_DIR}/info.c
  ${CMAKE_CURRENT_LIST_DIR}/rekey.c
  ${CMAKE_CURRENT_LIST_DIR}/resend.c
  ${CMAKE_CURRENT_LIST_DIR}/half_open.c
  ${CMAKE_CURRENT_LIST_DIR}/keepalive.c
  ${CMAKE_CURRENT_LIST_DIR}/aggressive_mode.c
  ${CMAKE_CURRENT_LIST_DIR}/notify.c
  ${CMAKE_CURRENT_LIST_DIR}/cert_auth.c
  ${CMAKE_CURRENT_LIST_DIR}/cert_verify.c
  ${CMAKE_CURRENT_LIST_DIR}/fragment.c
  ${CMAKE_CURRENT_LIST_DIR}/sa_text.c)
