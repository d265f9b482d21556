#include "systemd/exec_command.hpp"

namespace llh::sd {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// One C escape after a backslash at text[i]; appends the byte(s) and returns the escape's length.
std::size_t unescape_at(std::string_view text, std::size_t i, std::string& out) {
    const char c = text[i + 1];
    switch (c) {
        case 'a': out += '\a'; return 2;
        case 'b': out += '\b'; return 2;
        case 'f': out += '\f'; return 2;
        case 'n': out += '\n'; return 2;
        case 'r': out += '\r'; return 2;
        case 't': out += '\t'; return 2;
        case 'v': out += '\v'; return 2;
        case 's': out += ' '; return 2;
        case 'x':
            if (i + 3 < text.size() && hex_value(text[i + 2]) >= 0 && hex_value(text[i + 3]) >= 0) {
                out += static_cast<char>(hex_value(text[i + 2]) * 16 + hex_value(text[i + 3]));
                return 4;
            }
            break;
        default: break;
    }
    out += c;  // \\ \" \' \; and, relaxed as systemd is for arguments, anything else
    return 2;
}

std::string hex_escape(unsigned char byte) {
    static constexpr char digits[] = "0123456789abcdef";
    return std::string{'\\', 'x', digits[byte >> 4], digits[byte & 0xF]};
}

// The prefix characters systemd 252 knows, each at most once; "+" excludes "!" and "!!".
Result<std::string> take_prefixes(std::string_view& first) {
    std::string prefixes;
    bool dash = false, at = false, colon = false, plus = false;
    int bangs = 0;
    std::size_t i = 0;
    for (; i < first.size(); ++i) {
        const char c = first[i];
        if (c == '-' && !dash) {
            dash = true;
        } else if (c == '@' && !at) {
            at = true;
        } else if (c == ':' && !colon) {
            colon = true;
        } else if (c == '+' && !plus && bangs == 0) {
            plus = true;
        } else if (c == '!' && !plus && bangs < 2) {
            ++bangs;
        } else {
            break;
        }
        prefixes += c;
    }
    first.remove_prefix(i);
    return prefixes;
}

}  // namespace

Result<std::vector<Word>> split_words(std::string_view text) {
    std::vector<Word> words;
    std::size_t i = 0;
    while (true) {
        while (i < text.size() && is_space(text[i])) ++i;
        if (i == text.size()) break;
        const std::size_t start = i;
        Word word;
        char quote = 0;
        while (i < text.size()) {
            const char c = text[i];
            if (quote == 0 && is_space(c)) break;
            if (c == '\\') {
                if (i + 1 == text.size()) {
                    return fail("a backslash at the end of the command line", "write \\\\ for a backslash");
                }
                i += unescape_at(text, i, word.value);
                continue;
            }
            if (quote != 0 && c == quote) {
                quote = 0;
            } else if (quote == 0 && (c == '"' || c == '\'')) {
                quote = c;
            } else {
                word.value += c;
            }
            ++i;
        }
        if (quote != 0) {
            return fail(std::string("an unterminated ") + (quote == '"' ? "double" : "single") + " quote",
                        "close the quote, or escape it with a backslash");
        }
        word.raw = text.substr(start, i - start);
        words.push_back(std::move(word));
    }
    return words;
}

Result<std::vector<ExecCommand>> parse_exec_value(std::string_view value) {
    auto words = split_words(value);
    if (!words) return tl::unexpected(std::move(words.error()));
    std::vector<ExecCommand> commands;
    ExecCommand current;
    bool started = false;
    auto finish = [&]() -> Result<void> {
        if (!started) return fail("an empty command before or after \";\"", "remove the extra \";\"");
        if (current.words.empty() || current.words.front().value.empty()) {
            return fail("the command \"" + current.prefixes + "\" has no executable", "write a path after the prefix characters");
        }
        commands.push_back(std::move(current));
        current = ExecCommand{};
        started = false;
        return {};
    };
    for (Word& word : *words) {
        if (word.raw == ";") {  // a lone unquoted semicolon separates commands ("\;" is a literal ";")
            if (auto done = finish(); !done) return tl::unexpected(std::move(done.error()));
            continue;
        }
        if (!started) {
            started = true;
            std::string_view raw = word.raw;
            auto prefixes = take_prefixes(raw);
            if (!prefixes) return tl::unexpected(std::move(prefixes.error()));
            current.prefixes = *prefixes;
            if (!current.prefixes.empty() && raw.empty()) {
                // "- /bin/foo": systemd reads the prefix word alone as a command without a path.
                return fail("the prefix \"" + current.prefixes + "\" stands alone", "write the path right after it: " +
                                                                                      current.prefixes + "/usr/bin/…");
            }
            if (!raw.empty() && (raw.front() == '"' || raw.front() == '\'') && word.value.find_first_of("-@:+!") == 0) {
                return fail("prefix characters inside quotes", "write the prefixes before the opening quote");
            }
            word.value.erase(0, current.prefixes.size());
            word.raw = raw;
        }
        current.words.push_back(std::move(word));
    }
    if (started || commands.empty()) {
        if (auto done = finish(); !done) return tl::unexpected(std::move(done.error()));
    }
    return commands;
}

namespace {

// One double-quoted word for an Exec*= line: quotes and backslashes escaped, control bytes as \xNN,
// "$" doubled where systemd expands variables, and "%" doubled unless specifiers are meant.
std::string double_quoted(std::string_view word, bool expands_variables, bool keep_specifiers) {
    std::string out = "\"";
    for (char c : word) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '$') {
            // systemd's escape for a literal dollar; with ":" nothing is expanded, nor unescaped
            out += expands_variables ? "$$" : "$";
        } else if (c == '%' && !keep_specifiers) {
            out += "%%";
        } else if (byte < 0x20 || byte == 0x7f) {
            out += hex_escape(byte);
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

}  // namespace

std::string quote_word(std::string_view word, bool expands_variables) {
    bool plain = !word.empty();
    for (char c : word) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte == 0x7f || c == '"' || c == '\'' || c == '\\' || c == ';' || c == '$') plain = false;
    }
    if (plain) return escape_percent(word);
    return double_quoted(word, expands_variables, false);
}

std::string escape_percent(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        out += c;
        if (c == '%') out += '%';
    }
    return out;
}

std::string quote_keeping_specifiers(std::string_view word, bool expands_variables) {
    return double_quoted(word, expands_variables, true);
}

Result<std::string> route_through_launcher(std::string_view value, const LaunchWords& launch) {
    auto commands = parse_exec_value(value);
    if (!commands) return tl::unexpected(std::move(commands.error()));
    std::string out;
    for (const ExecCommand& command : *commands) {
        if (!out.empty()) out += " ; ";
        const bool at = command.prefixes.find('@') != std::string::npos;
        for (char c : command.prefixes) {
            if (c != '@') out += c;
        }
        out += quote_word(launch.launcher);
        std::size_t next = 1;  // the first word after the path that is still to be written
        if (at) {
            // "@/usr/bin/foo NAME": NAME is argv[0] of /usr/bin/foo. Without "@" systemd gives
            // the launcher its own path as argv[0], and the launcher execs foo with NAME.
            if (command.words.size() < 2) {
                return fail("\"@\" needs a second word to use as argv[0]", "write @/usr/bin/foo foo …, or drop the \"@\"");
            }
            out += " --argv0 ";
            out += command.words[1].raw;
            next = 2;
        }
        const std::string options = launch.options ? launch.options(command.prefixes.find(':') == std::string::npos) : "";
        if (!options.empty()) {
            out += ' ';
            out += options;
        }
        out += " -- ";
        out += command.words[0].raw;
        for (std::size_t i = next; i < command.words.size(); ++i) {
            out += ' ';
            out += command.words[i].raw;
        }
    }
    return out;
}

bool runs_through_launcher(const std::string& path, const std::vector<std::string>& argv, const std::string& launcher) {
    // By file name: the guard protects against a missing or outdated generator drop-in, not
    // against the unit's author, who could as well delete LandlockPolicy=.
    const auto base = [](const std::string& p) { return p.substr(p.rfind('/') + 1); };
    if (base(path) != base(launcher)) return false;
    // The command proper follows "--"; a launcher line without one would run nothing.
    for (std::size_t i = 1; i + 1 < argv.size(); ++i) {
        if (argv[i] == "--") return true;
    }
    return false;
}

}  // namespace llh::sd
