/* See config_values.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_values.h"

#define LIST_SEPARATORS ", \t"

int config_parse_bool(struct config_errors *errors, unsigned line,
                      const char *value, bool *out) {
  static const char *const yes[] = {"yes", "true", "on", "1"};
  static const char *const no[] = {"no", "false", "off", "0"};

  for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
    if (strcasecmp(value, yes[i]) == 0) {
      *out = true;
      return 0;
    }
    if (strcasecmp(value, no[i]) == 0) {
      *out = false;
      return 0;
    }
  }
  config_add_error(errors, line, "invalid boolean '%s': expected yes or no",
                   value);
  return -1;
}

int config_parse_number(struct config_errors *errors, unsigned line,
                        const char *value, unsigned long min,
                        unsigned long max, unsigned long *out) {
  char *end;
  unsigned long v;

  errno = 0;
  v = strtoul(value, &end, 10);
  if (*value == '\0' || *end != '\0' || errno != 0 || v < min || v > max) {
    config_add_error(errors, line, "invalid number '%s': expected %lu to %lu",
                     value, min, max);
    return -1;
  }
  *out = v;
  return 0;
}

char *config_first_item(struct config_items *items, const char *value) {
  snprintf(items->buf, sizeof(items->buf), "%s", value);
  items->save = NULL;
  return strtok_r(items->buf, LIST_SEPARATORS, &items->save);
}

char *config_next_item(struct config_items *items) {
  return strtok_r(NULL, LIST_SEPARATORS, &items->save);
}
