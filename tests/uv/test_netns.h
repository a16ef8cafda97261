/*
 * Group setup for the uv tests that open sockets, TUN devices and routes.
 * Each test program runs in a network namespace of its own, so it needs
 * root but no lock against other tests.
 */
#ifndef L2TPSEC_TESTS_UV_TEST_NETNS_H
#define L2TPSEC_TESTS_UV_TEST_NETNS_H

/*
 * Moves the process into a new network namespace and brings its loopback
 * up. Returns 0, or -1 after printing what failed, as a cmocka group
 * setup does. The namespace ends with the process, so it needs no
 * teardown.
 */
int test_netns_enter(void **state);

#endif
