/*
 * Definitions shared by every public header: export marker, time and
 * version.
 */
#ifndef L2TPSEC_COMMON_H
#define L2TPSEC_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(L2TPSEC_BUILDING) && defined(__GNUC__)
#define L2TPSEC_API __attribute__((visibility("default")))
#else
#define L2TPSEC_API
#endif

#define L2TPSEC_VERSION_MAJOR 0
#define L2TPSEC_VERSION_MINOR 1
#define L2TPSEC_VERSION_PATCH 0
#define L2TPSEC_VERSION_STRING "0.1.0"

/*
 * A point on a monotonic clock in nanoseconds. Protocol layers never read
 * a clock: the caller passes the current value into every call that needs
 * it, so tests and fuzzers control time completely. The origin is the
 * caller's choice (uv_hrtime() is a natural one).
 */
typedef uint64_t l2tpsec_tstamp;

/* A duration in nanoseconds. */
typedef uint64_t l2tpsec_duration;

#define L2TPSEC_NANOSECONDS ((l2tpsec_duration)1ULL)
#define L2TPSEC_MICROSECONDS ((l2tpsec_duration)1000ULL)
#define L2TPSEC_MILLISECONDS ((l2tpsec_duration)1000000ULL)
#define L2TPSEC_SECONDS ((l2tpsec_duration)1000000000ULL)

/* A deadline that never comes: returned when nothing is scheduled. */
#define L2TPSEC_TSTAMP_NEVER UINT64_MAX

/* Returns the library version as "major.minor.patch". */
L2TPSEC_API const char *l2tpsec_version(void);

#ifdef __cplusplus
}
#endif

#endif
