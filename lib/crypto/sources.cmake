# Backend-neutral code first, then the selected backend.
list(APPEND L2TPSEC_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/stub.c)
