#include "launch/audit_records.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace llh::audit {
namespace {

// Fields the kernel logs with audit_log_untrustedstring(): quoted, or hex when unsafe to quote.
constexpr std::array<std::string_view, 5> kUntrustedFields = {"path", "name", "comm", "exe", "ocomm"};

template <class Number>
std::optional<Number> to_number(std::string_view text, int base = 10) {
    Number value{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::optional<std::string> hex_decode(std::string_view text) {
    if (text.empty() || text.size() % 2 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int high = hex_digit(text[i]);
        const int low = hex_digit(text[i + 1]);
        if (high < 0 || low < 0) return std::nullopt;
        out.push_back(static_cast<char>(high * 16 + low));
    }
    return out;
}

// "audit(1795944162.248:427): " -> time and serial; the rest of the text after it.
bool parse_header(std::string_view& text, Record& record) {
    constexpr std::string_view kOpen = "audit(";
    if (text.substr(0, kOpen.size()) != kOpen) return false;
    const auto close = text.find("):");
    if (close == std::string_view::npos) return false;
    const std::string_view stamp = text.substr(kOpen.size(), close - kOpen.size());
    const auto dot = stamp.find('.');
    const auto colon = stamp.find(':');
    if (dot == std::string_view::npos || colon == std::string_view::npos || colon < dot) return false;
    const auto seconds = to_number<std::int64_t>(stamp.substr(0, dot));
    const auto millis = to_number<std::int64_t>(stamp.substr(dot + 1, colon - dot - 1));
    const auto serial = to_number<std::uint64_t>(stamp.substr(colon + 1));
    if (!seconds || !millis || !serial) return false;
    record.time_ms = *seconds * 1000 + *millis;
    record.serial = *serial;
    text.remove_prefix(close + 2);
    return true;
}

// One `key=value` token from the front of `text`; false at the end.
bool next_field(std::string_view& text, std::string& key, std::string& value) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    if (text.empty()) return false;
    const auto equals = text.find('=');
    const auto blank = text.find(' ');
    if (equals == std::string_view::npos || (blank != std::string_view::npos && blank < equals)) {
        // A bare word: skipped, as the records Landlock cares about have none.
        text.remove_prefix(blank == std::string_view::npos ? text.size() : blank);
        key.clear();
        return true;
    }
    key.assign(text.substr(0, equals));
    text.remove_prefix(equals + 1);
    if (!text.empty() && (text.front() == '"' || text.front() == '\'')) {
        const char quote = text.front();
        const auto end = text.find(quote, 1);
        const auto length = end == std::string_view::npos ? text.size() - 1 : end - 1;
        value.assign(text.substr(1, length));
        text.remove_prefix(std::min(text.size(), length + 2));
        return true;
    }
    const auto end = text.find(' ');
    value.assign(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end);
    const bool untrusted = std::find(kUntrustedFields.begin(), kUntrustedFields.end(), key) != kUntrustedFields.end();
    if (untrusted) {
        if (auto decoded = hex_decode(value)) value = std::move(*decoded);
    }
    return true;
}

std::vector<std::string> split_commas(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        const auto comma = text.find(',');
        if (comma != 0) out.emplace_back(text.substr(0, comma));
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return out;
}

LandlockDenial denial_from(const Record& record) {
    LandlockDenial denial;
    denial.time_ms = record.time_ms;
    denial.serial = record.serial;
    denial.domain = std::string(record.field("domain").value_or(""));
    denial.blockers = split_commas(record.field("blockers").value_or(""));
    denial.path = std::string(record.field("path").value_or(record.field("name").value_or("")));
    // lsm_audit's network data: the local port of a bind (src=), the remote one of a connect (dest=).
    for (const std::string_view key : {"src", "dest", "lport", "dport"}) {
        if (const auto value = record.field(key)) {
            if (const auto port = to_number<std::uint32_t>(*value)) {
                denial.port = *port;
                break;
            }
        }
    }
    return denial;
}

// The denied task, from the event's AUDIT_SYSCALL record.
void add_task(const Record& syscall, std::vector<LandlockDenial>& denials) {
    const auto pid = to_number<std::int64_t>(syscall.field("pid").value_or(""));
    const auto exit = to_number<std::int64_t>(syscall.field("exit").value_or(""));
    const bool failed = syscall.field("success") == std::optional<std::string_view>("no");
    for (auto& denial : denials) {
        denial.pid = pid.value_or(0);
        denial.comm = std::string(syscall.field("comm").value_or(""));
        if (failed && exit && *exit < 0 && *exit > -4096) denial.error = static_cast<int>(-*exit);
    }
}

}  // namespace

std::optional<std::string_view> Record::field(std::string_view key) const {
    for (const auto& [name, value] : fields) {
        if (name == key) return std::string_view(value);
    }
    return std::nullopt;
}

std::optional<Record> parse_record(int type, std::string_view text) {
    Record record;
    record.type = type;
    // Netlink payloads may carry the terminating NUL and a newline.
    while (!text.empty() && (text.back() == '\0' || text.back() == '\n')) text.remove_suffix(1);
    if (!parse_header(text, record)) return std::nullopt;
    std::string key;
    std::string value;
    while (next_field(text, key, value)) {
        if (!key.empty()) record.fields.emplace_back(key, value);
    }
    return record;
}

std::optional<std::size_t> Assembler::index_of(std::uint64_t serial) const {
    for (std::size_t i = 0; i < pending_.size(); ++i) {
        if (pending_[i].serial == serial) return i;
    }
    return std::nullopt;
}

void Assembler::hand_out(std::size_t index, std::vector<LandlockDenial>& out) {
    auto& denials = pending_[index].denials;
    std::move(denials.begin(), denials.end(), std::back_inserter(out));
    pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(index));
}

void Assembler::add(const Record& record, std::int64_t now_ms, std::vector<LandlockDenial>& out) {
    auto index = index_of(record.serial);
    if (record.type == kLandlockAccess) {
        if (!index) {
            if (max_events_ == 0) {
                ++dropped_;
                return;
            }
            if (pending_.size() >= max_events_) hand_out(0, out);
            pending_.push_back(Pending{record.serial, now_ms, {}});
            index = pending_.size() - 1;
        }
        auto& denials = pending_[*index].denials;
        if (denials.size() >= max_denials_) {
            ++dropped_;
            return;
        }
        denials.push_back(denial_from(record));
        return;
    }
    if (!index) return;  // not an event with a Landlock denial
    if (record.type == kSyscall) add_task(record, pending_[*index].denials);
    if (record.type == kEndOfEvent) hand_out(*index, out);
}

void Assembler::expire(std::int64_t now_ms, std::int64_t max_age_ms, std::vector<LandlockDenial>& out) {
    while (!pending_.empty() && now_ms - pending_.front().first_seen_ms >= max_age_ms) hand_out(0, out);
}

void Assembler::flush(std::vector<LandlockDenial>& out) {
    while (!pending_.empty()) hand_out(0, out);
}

}  // namespace llh::audit
