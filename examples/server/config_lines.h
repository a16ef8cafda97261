/*
 * Checks on configuration lines that libinih accepts without a word: a
 * key given twice in one section (libinih calls the handler twice and
 * the last value wins) and an inline comment that cuts a secret short.
 */
#ifndef L2TPSEC_EXAMPLES_SERVER_CONFIG_LINES_H
#define L2TPSEC_EXAMPLES_SERVER_CONFIG_LINES_H

#include <stdbool.h>
#include <stddef.h>

/* Keys remembered per file; beyond this, repeats go unreported. */
#define CONFIG_MAX_KEYS 256

/* The keys of one file with the line that first set each. */
struct config_key_lines {
  struct {
    char section[72];
    char key[48];
    unsigned line;
  } items[CONFIG_MAX_KEYS];
  size_t count;
};

/*
 * Records that `line` sets `key` in `section`. Returns the line that set
 * it before, or 0 for a first setting and for list keys (such as listen
 * or range), where a second line adds to the list.
 */
unsigned config_key_repeated(struct config_key_lines *lines,
                             const char *section, const char *key,
                             unsigned line);

/*
 * Returns whether a raw "key = value" line has a ';' after a blank inside
 * its value. libinih (built with INI_ALLOW_INLINE_COMMENTS, as Debian
 * ships it) takes that as the start of a comment and cuts the value.
 */
bool config_line_has_inline_comment(const char *line);

/* Returns whether `key` in `section` is a secret, never to be shown. */
bool config_key_is_secret(const char *section, const char *key);

#endif
