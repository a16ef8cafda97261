# lib/uv: the libuv binding, the only code that does I/O, and the pure
# helpers it uses (address pool, MTU handling, NAT-T demultiplexing).
pkg_check_modules(LIBUV REQUIRED libuv>=1.44)

list(APPEND L2TPSEC_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/addr_pool.c
  ${CMAKE_CURRENT_LIST_DIR}/ip_header.c
  ${CMAKE_CURRENT_LIST_DIR}/mss_clamp.c
  ${CMAKE_CURRENT_LIST_DIR}/icmp_too_big.c
  ${CMAKE_CURRENT_LIST_DIR}/ipv4_fragment.c
  ${CMAKE_CURRENT_LIST_DIR}/timer_heap.c
  ${CMAKE_CURRENT_LIST_DIR}/loop_timer.c
  ${CMAKE_CURRENT_LIST_DIR}/transport.c
  ${CMAKE_CURRENT_LIST_DIR}/send_queue.c
  ${CMAKE_CURRENT_LIST_DIR}/tun.c
  ${CMAKE_CURRENT_LIST_DIR}/server.c
  ${CMAKE_CURRENT_LIST_DIR}/server_rx.c
  ${CMAKE_CURRENT_LIST_DIR}/server_conn.c
  ${CMAKE_CURRENT_LIST_DIR}/server_pairs.c
  ${CMAKE_CURRENT_LIST_DIR}/server_session.c
  ${CMAKE_CURRENT_LIST_DIR}/server_limits.c
  ${CMAKE_CURRENT_LIST_DIR}/server_pools.c
  ${CMAKE_CURRENT_LIST_DIR}/server_ike.c
  ${CMAKE_CURRENT_LIST_DIR}/server_dead_peer.c
  ${CMAKE_CURRENT_LIST_DIR}/server_plain_limit.c
  ${CMAKE_CURRENT_LIST_DIR}/server_shutdown.c
  ${CMAKE_CURRENT_LIST_DIR}/client.c
  ${CMAKE_CURRENT_LIST_DIR}/keymap.c)
list(APPEND L2TPSEC_EXTRA_LIBS ${LIBUV_LIBRARIES})
# The pkg-config file is written by the top-level CMakeLists.txt.
set(L2TPSEC_PC_LIBS_PRIVATE "${L2TPSEC_PC_LIBS_PRIVATE} -luv" PARENT_SCOPE)
