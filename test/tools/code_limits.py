#!/usr/bin/env python3
# code_limits.py - checks the size rules of the code: no source file in the given folders over 400
# lines, no function over 80. Functions are found by their braces: a definition line at the file's
# top level (namespaces do not indent) that ends with '{', up to its matching '}'. Prints one line per
# breach and exits 1 when there is any.
import os
import re
import sys

MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 80
DEFINITION = re.compile(r'^[A-Za-z].*\)\s*(const)?\s*(override)?\s*(noexcept)?\s*(->.*)?\{\s*$')
NOT_A_FUNCTION = re.compile(r'^(namespace|struct|class|enum|extern|union)\b')


def code_only(line):
    """The line without comments and string or character literals, whose braces do not count."""
    line = re.sub(r'//.*', '', line)
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    return re.sub(r"'(\\.|[^'\\])*'", "''", line)


def breaches(path):
    lines = open(path, errors='replace').read().split('\n')
    if len(lines) - 1 > MAX_FILE_LINES:
        yield f'{path}: {len(lines) - 1} lines (at most {MAX_FILE_LINES})'
    depth, start, start_depth = 0, None, 0
    for number, line in enumerate(lines, 1):
        code = code_only(line)
        if start is None and DEFINITION.match(code) and not NOT_A_FUNCTION.match(code):
            start, start_depth = number, depth
        depth += code.count('{') - code.count('}')
        if start is not None and depth <= start_depth:
            if number - start + 1 > MAX_FUNCTION_LINES:
                yield f'{path}:{start}: function of {number - start + 1} lines (at most {MAX_FUNCTION_LINES}): {lines[start - 1].strip()}'
            start = None


found = [b for root in sys.argv[1:] for folder, _, files in sorted(os.walk(root))
         for name in sorted(files) if name.endswith(('.cpp', '.h'))
         for b in breaches(os.path.join(folder, name))]
print('\n'.join(found) if found else 'code limits hold')
sys.exit(1 if found else 0)
