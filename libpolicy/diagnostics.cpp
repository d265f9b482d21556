#include "libpolicy/diagnostics.hpp"

#include <algorithm>

namespace llh {

std::string Diagnostic::format() const {
    std::string out;
    if (!where.empty()) {
        out += where;
        out += ": ";
    }
    out += severity == Severity::error ? "error: " : "warning: ";
    out += message;
    if (!hint.empty()) {
        out += " (hint: ";
        out += hint;
        out += ")";
    }
    return out;
}

void Diagnostics::error(std::string where, std::string message, std::string hint) {
    items_.push_back({Severity::error, std::move(where), std::move(message), std::move(hint)});
}

void Diagnostics::warning(std::string where, std::string message, std::string hint) {
    items_.push_back({Severity::warning, std::move(where), std::move(message), std::move(hint)});
}

void Diagnostics::append(const Diagnostics& other) {
    if (&other == this) {
        const std::vector<Diagnostic> copy = items_;  // inserting a vector's own range is undefined
        items_.insert(items_.end(), copy.begin(), copy.end());
        return;
    }
    items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::has_errors() const {
    return std::any_of(items_.begin(), items_.end(), [](const Diagnostic& d) { return d.severity == Severity::error; });
}

std::string Diagnostics::format() const {
    std::string out;
    for (const auto& item : items_) {
        out += item.format();
        out += '\n';
    }
    return out;
}

}  // namespace llh
