/* A private network namespace for one test program. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "test_netns.h"
#include "uv/tun.h"

int test_netns_enter(void **state) {
  if (unshare(CLONE_NEWNET) != 0) {
    fprintf(stderr,
            "%s needs root: unshare(CLONE_NEWNET) failed: %s; run the "
            "suite as root (sudo scripts/test.sh)\n",
            program_invocation_short_name, strerror(errno));
    return -1;
  }
  if (l2tpsec__tun_up("lo") != 0) {
    fprintf(stderr, "%s: setting lo up in the test namespace failed: %s\n",
            program_invocation_short_name, strerror(errno));
    return -1;
  }
  return 0;
}
