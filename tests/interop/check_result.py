#!/usr/bin/python3
"""Check the JSON line printed by run-guest.sh against expectations.

Usage: check_result.py RESULT_FILE CHECK...

Each CHECK names a field of the guest's result ("ping") or of the runner's
wrapper ("/accel") and is one of:
  FIELD=VALUE   the field equals VALUE (compared as text)
  FIELD~REGEX   the field's text matches REGEX from its start
  FIELD>NUMBER  the field is a number greater than NUMBER
  FIELD<NUMBER  the field is a number less than NUMBER
Exits 1 and prints every failed check; exits 0 when all hold.
"""

import json
import re
import sys


def field_value(result, name):
    if name.startswith("/"):
        return result.get(name[1:])
    return result.get("guest", {}).get(name)


def check(result, spec):
    """Return an error message for SPEC, or None when it holds."""
    match = re.match(r"^(/?[a-z0-9_]+)([=~<>])(.*)$", spec)
    if not match:
        return (f"invalid check '{spec}' (expected FIELD=VALUE, FIELD~REGEX, "
                "FIELD>NUMBER or FIELD<NUMBER)")
    name, op, expected = match.groups()
    value = field_value(result, name)
    if value is None:
        return f"{name}: missing, expected {op}{expected}"
    if op == "=" and str(value) != expected:
        return f"{name}: got '{value}', expected '{expected}'"
    if op == "~" and not re.match(expected, str(value)):
        return f"{name}: got '{value}', expected a match for '{expected}'"
    if op == ">":
        if not isinstance(value, (int, float)) or value <= float(expected):
            return f"{name}: got '{value}', expected a number above {expected}"
    if op == "<":
        if not isinstance(value, (int, float)) or value >= float(expected):
            return f"{name}: got '{value}', expected a number below {expected}"
    return None


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        lines = [line for line in f if line.startswith("{")]
    if not lines:
        print(f"check_result: no result line in {sys.argv[1]}", file=sys.stderr)
        return 1
    result = json.loads(lines[-1])
    errors = [e for e in (check(result, s) for s in sys.argv[2:]) if e]
    for error in errors:
        print(f"check_result: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
