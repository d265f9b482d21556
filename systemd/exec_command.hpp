// ExecStart=-style command lines, as systemd.service(5) "Command lines" defines them: optional
// prefix characters ("-", "@", ":", "+", "!", "!!") on the first word, words quoted with '' or ""
// and C escapes, several commands separated by a lone ";". We keep the text exactly as written
// and only insert words, so that systemd unquotes, expands $VARS and %specifiers as before.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "libpolicy/result.hpp"

namespace llh::sd {

struct Word {
    std::string_view raw;  // as written, quotes and escapes included
    std::string value;     // unquoted and unescaped, as systemd passes it to execve
};

// Splits a value into words. Fails on an unterminated quote or a trailing backslash.
Result<std::vector<Word>> split_words(std::string_view text);

struct ExecCommand {
    std::string prefixes;         // the prefix characters as written, e.g. "-@"
    std::vector<Word> words;      // the first word without its prefixes, then the arguments
};

// Splits one ExecStart= value into its commands (several only with a lone ";").
// Fails on what systemd refuses: an unknown prefix combination, "+" with "!", a command with
// no executable.
Result<std::vector<ExecCommand>> parse_exec_value(std::string_view value);

// systemd's C-style quoting of one word: unchanged when it needs none, else in double quotes
// with \\ \" and \xNN for control bytes; '%' is doubled so that no specifier is expanded.
// With `expands_variables` false (a ":" command line) '$' is written as is.
std::string quote_word(std::string_view word, bool expands_variables = true);

struct LaunchWords {
    std::string launcher;  // absolute path of landlock-launch
    // The launcher's options, written before "--", quoted for systemd; the argument says whether
    // systemd expands variables in this command line (no ":" prefix), which changes "$" quoting.
    std::function<std::string(bool expands_variables)> options;
};

// Doubles every '%' so that systemd expands no specifier in the text.
std::string escape_percent(std::string_view text);

// systemd's quoting of one word whose %specifiers systemd is meant to expand (a LandlockPolicy=
// value handed to the launcher): '%' is kept; '$' is doubled unless the command line has the ":"
// prefix, which turns systemd's variable expansion (and so the "$$" escape) off.
std::string quote_keeping_specifiers(std::string_view word, bool expands_variables = true);

// Rewrites one ExecStart=/ExecReload= value so that every command runs through the launcher:
//   "-/usr/bin/foo --x 'a b'"        → "-/…/landlock-launch OPTIONS -- /usr/bin/foo --x 'a b'"
//   "@/usr/bin/foo foo-name --x"     → "/…/landlock-launch --argv0 foo-name OPTIONS -- /usr/bin/foo --x"
// The prefixes stay in front (they are the service manager's business, not the command's),
// except "@": systemd would give its argv[0] to the launcher, so the launcher takes it as
// --argv0 and execs the command with it.
Result<std::string> route_through_launcher(std::string_view value, const LaunchWords& launch);

// Is this command (already unquoted, as systemd reports it over D-Bus) run through the launcher?
// `launcher` is compared by file name.
bool runs_through_launcher(const std::string& path, const std::vector<std::string>& argv, const std::string& launcher);

}  // namespace llh::sd
