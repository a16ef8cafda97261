/* Duplicate keys and inline comments in the configuration's lines. */
#include <ctype.h>
#include <string.h>

#include "config_lines.h"

/* Keys documented to add to a list when given again. */
static bool adds_to_list(const char *section, const char *key) {
  if (strcmp(section, "server") == 0)
    return strcmp(key, "listen") == 0;
  if (strcmp(section, "pool") == 0)
    return strcmp(key, "range") == 0 || strcmp(key, "dns") == 0 ||
           strcmp(key, "nbns") == 0;
  if (strncmp(section, "pool ", 5) == 0)
    return strcmp(key, "range") == 0;
  if (strcmp(section, "radius") == 0)
    return strcmp(key, "server") == 0;
  return false;
}

unsigned config_key_repeated(struct config_key_lines *lines,
                             const char *section, const char *key,
                             unsigned line) {
  size_t cap = sizeof(lines->items) / sizeof(lines->items[0]);

  if (adds_to_list(section, key))
    return 0;
  for (size_t i = 0; i < lines->count; i++) {
    if (strcmp(lines->items[i].section, section) == 0 &&
        strcmp(lines->items[i].key, key) == 0)
      return lines->items[i].line;
  }
  /* A name too long to store is invalid anyway and reported as such. */
  if (lines->count == cap ||
      strlen(section) >= sizeof(lines->items[0].section) ||
      strlen(key) >= sizeof(lines->items[0].key))
    return 0;

  strcpy(lines->items[lines->count].section, section);
  strcpy(lines->items[lines->count].key, key);
  lines->items[lines->count].line = line;
  lines->count++;
  return 0;
}

/*
 * Follows libinih's reading of a line. Comment lines and section headers
 * have no value. The value starts after the first '=' or ':' and its
 * leading blanks, and a ';' after a blank within it starts a comment.
 */
bool config_line_has_inline_comment(const char *line) {
  const char *start = line + strspn(line, " \t");
  const char *value;
  bool after_blank = false;

  if (*start == ';' || *start == '#' || *start == '[')
    return false;
  value = strpbrk(start, "=:");
  if (value == NULL)
    return false;
  value++;
  value += strspn(value, " \t");

  for (const char *c = value; *c != '\0'; c++) {
    if (after_blank && *c == ';')
      return true;
    after_blank = isspace((unsigned char)*c);
  }
  return false;
}

bool config_key_is_secret(const char *section, const char *key) {
  if (strcmp(section, "ipsec") == 0)
    return strcmp(key, "psk") == 0;
  if (strcmp(section, "radius") == 0)
    return strcmp(key, "secret") == 0;
  if (strncmp(section, "user ", 5) == 0)
    return strcmp(key, "password") == 0 || strcmp(key, "totp_secret") == 0;
  return false;
}
