#include "tests/conformance/table.hpp"

#include <charconv>
#include <set>

namespace llh::conformance {

std::string trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t\r");
    return std::string(text.substr(first, last - first + 1));
}

std::vector<std::string> split_on(std::string_view text, std::string_view separator) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t at = text.find(separator, start);
        parts.push_back(trim(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start)));
        if (at == std::string_view::npos) break;
        start = at + separator.size();
    }
    return parts;
}

std::vector<std::string> words(std::string_view text) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
        const std::size_t start = i;
        while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
        if (i > start) out.emplace_back(text.substr(start, i - start));
    }
    return out;
}

std::string expand(std::string_view text, const std::string& root) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text.compare(i, 2, "$R") == 0) {
            out += root;
            i += 2;
            continue;
        }
        if (text[i] == '{') {
            const std::size_t close = text.find('}', i);
            const std::size_t star = text.rfind('*', close);
            if (close != std::string_view::npos && star != std::string_view::npos && star > i) {
                const std::string_view unit = text.substr(i + 1, star - i - 1);
                int count = 0;
                const auto [end, ec] = std::from_chars(text.data() + star + 1, text.data() + close, count);
                if (ec == std::errc{} && end == text.data() + close) {
                    for (int k = 0; k < count; ++k) out += unit;
                    i = close + 1;
                    continue;
                }
            }
        }
        out += text[i++];
    }
    return out;
}

Table parse_table(std::string_view text) {
    Table table;
    std::set<std::string> ids;
    std::string category = "misc";
    int line_number = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = text.find('\n', start);
        const std::string_view raw =
            text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        start = end == std::string_view::npos ? text.size() + 1 : end + 1;
        ++line_number;
        const std::string line = trim(raw);
        const std::string at = "table.txt:" + std::to_string(line_number) + ": ";
        if (line.rfind("## ", 0) == 0) {
            category = trim(std::string_view(line).substr(3));
            continue;
        }
        if (line.empty() || line[0] == '#') continue;
        const std::vector<std::string> cells = split_on(line, " | ");
        if (cells.size() != 5 && cells.size() != 6) {
            table.errors.push_back(at + "expected 5 or 6 cells separated by \" | \", found " +
                                   std::to_string(cells.size()));
            continue;
        }
        Row row{line_number, cells[0], cells[1], cells[2], cells[3], cells[4], cells.size() == 6 ? cells[5] : "OK",
                category};
        bool identifier = !row.id.empty() && !(row.id[0] >= '0' && row.id[0] <= '9');
        for (char c : row.id) {
            identifier =
                identifier && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
        }
        if (!identifier) {
            table.errors.push_back(at + "the id \"" + row.id + "\" is not a C identifier");
            continue;
        }
        if (!ids.insert(row.id).second) {
            table.errors.push_back(at + "duplicate id \"" + row.id + "\"");
            continue;
        }
        for (const std::string* cell : {&row.setup, &row.policy, &row.op, &row.expected, &row.baseline}) {
            if (cell->empty()) table.errors.push_back(at + "an empty cell (write - for none)");
        }
        table.rows.push_back(std::move(row));
    }
    return table;
}

}  // namespace llh::conformance
