/*
 * Value parsers that config.c and config_auth.c share: booleans, numbers
 * in a range, and the items of a list value. The parsers add their
 * errors to a config_errors list at the line being parsed.
 */
#ifndef L2TPSEC_EXAMPLE_SERVER_CONFIG_VALUES_H
#define L2TPSEC_EXAMPLE_SERVER_CONFIG_VALUES_H

#include <stdbool.h>

#include "config.h"

/*
 * Parses yes, true, on or 1 as true and no, false, off or 0 as false,
 * in any case. Returns 0, or -1 after adding an error for `line`.
 */
int config_parse_bool(struct config_errors *errors, unsigned line,
                      const char *value, bool *out);

/*
 * Parses a decimal number from min to max. Returns 0, or -1 after adding
 * an error for `line` that names the range.
 */
int config_parse_number(struct config_errors *errors, unsigned line,
                        const char *value, unsigned long min,
                        unsigned long max, unsigned long *out);

/*
 * The items of a list value such as "a, b c", split at commas and
 * blanks. A value longer than CONFIG_MAX_VALUE - 1 bytes is cut there.
 */
struct config_items {
  char buf[CONFIG_MAX_VALUE];
  char *save;
};

/* Copies `value` into `items` and returns its first item, or NULL. */
char *config_first_item(struct config_items *items, const char *value);

/* Returns the next item of `items`, or NULL after the last. */
char *config_next_item(struct config_items *items);

#endif
