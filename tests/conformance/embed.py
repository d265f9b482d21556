#!/usr/bin/env python3
# Embeds table.txt into the binary as a byte array: the static guest build carries no data files.
import sys

data = open(sys.argv[1], 'rb').read()
with open(sys.argv[2], 'w') as out:
    out.write('// Generated from table.txt by embed.py.\n#include <string_view>\n\n')
    out.write('namespace llh::conformance {\nnamespace {\nconstexpr char kTable[] = {\n')
    for i in range(0, len(data), 16):
        out.write('    ' + ', '.join(str(b) for b in data[i:i + 16]) + ',\n')
    out.write('    0};\n}  // namespace\n\n')
    out.write('std::string_view embedded_table() { return {kTable, sizeof kTable - 1}; }\n\n')
    out.write('}  // namespace llh::conformance\n')
