// The conformance table (table.txt): one row per line,
//   ID | SETUP | POLICY | OPERATION | EXPECTED [| UNSANDBOXED]
// parsed into rows that runner.cpp turns into one GoogleTest case each. See table.txt's header
// for the little languages of each column.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace llh::conformance {

struct Row {
    int line = 0;
    std::string id;        // a C identifier: the test's name
    std::string setup;     // ';'-separated steps, "-" for none
    std::string policy;    // "||"-separated layers of policy items, "-" for no sandbox
    std::string op;        // ';'-separated operation steps
    std::string expected;  // OK, an errno name (EACCES), EXIT:n
    std::string baseline;  // the same operation without any sandbox (mode none); default OK
    std::string category;  // the "## name" section the row is in
};

struct Table {
    std::vector<Row> rows;
    std::vector<std::string> errors;  // "table.txt:12: ..."
};

Table parse_table(std::string_view text);

// The table compiled into the binary (the static guest build carries no data files).
std::string_view embedded_table();

// "$R" -> root; "{TEXT*N}" -> TEXT repeated N times.
std::string expand(std::string_view text, const std::string& root);

std::vector<std::string> split_on(std::string_view text, std::string_view separator);
std::vector<std::string> words(std::string_view text);
std::string trim(std::string_view text);

}  // namespace llh::conformance
