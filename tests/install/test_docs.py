"""The documentation cannot drift from the code.

The option tables (core/options.c and each plugin's) are the truth; the
built cctrial prints them with `--print-config --no-config`, one plugin at a
time.  Three hand-written references must list exactly the same sections,
keys and defaults: docs/configuration.md, conf/cctrialrc.example (which
must also be accepted by cctrial once every key is uncommented) and
cctrialrc(5).  Every flag of `--help` must be in cctrial(1) and in both
completions, and they must name no flag that `--help` does not know.  The
man pages must render without a groff warning, and the relative links of
the Markdown documents must lead somewhere.
"""

import os
import re
import shlex
import shutil
import tempfile

from common import (BUILD, SOURCE, check, clean_env, exit_with, main, run)

TMP = tempfile.mkdtemp(prefix="cct-docs-")
CCTRIAL = os.path.join(BUILD, "cctrial")
KIND_FLAG = {"reporter": "--reporters", "notifier": "--notifier",
             "selector": "--selector"}
UNSET = None


def source(*parts):
    return os.path.join(SOURCE, *parts)


def read(*parts):
    with open(source(*parts), encoding="utf-8") as f:
        return f.read()


def cctrial(*args):
    return run([CCTRIAL] + list(args), "cctrial " + " ".join(args), cwd=TMP)


# ---- the truth: what the program declares -----------------------------------

def parse_print_config(text):
    """{section: {key: default or UNSET}} from --print-config output."""
    sections, current = {}, None
    for line in text.splitlines():
        header = re.match(r"^\[(.+)\]$", line)
        if header:
            current = sections.setdefault(header.group(1), {})
            continue
        setting = re.match(r"^([a-z0-9_]+) = (.*) ; ([^;]*)$", line)
        if setting and current is not None:
            key, value, origin = setting.groups()
            current[key] = UNSET if origin == "unset" else value
    return sections


def declared_tables():
    tables = {"cctrial": parse_print_config(
        cctrial("--no-config", "--print-config").out)["cctrial"]}
    for line in cctrial("--list-plugins").out.splitlines():
        fields = line.split()
        if len(fields) < 2 or fields[0] not in KIND_FLAG:
            continue
        kind, name = fields[:2]
        out = cctrial("--no-config", "--print-config",
                      "%s=%s" % (KIND_FLAG[kind], name)).out
        section = "%s.%s" % (kind, name)
        parsed = parse_print_config(out)
        check(section in parsed, "--print-config does not show [%s]:\n%s"
              % (section, out))
        tables[section] = parsed[section]
    check(len(tables) > 1, "no plugins found in the build tree")
    return tables


# ---- what each document says ------------------------------------------------

def parse_markdown(text):
    """Sections are headings naming `[section]`; keys are table rows
    | `key` | type | default | meaning |, the default `value` or unset."""
    sections, current = {}, None
    for line in text.splitlines():
        heading = re.match(r"^#{2,4} `\[([a-z0-9_.-]+)\]`\s*$", line)
        if heading:
            current = sections.setdefault(heading.group(1), {})
            continue
        if line.startswith("#"):
            current = None
            continue
        row = re.match(r"^\| `([a-z0-9_]+)` \|[^|]*\| ([^|]*) \|", line)
        if row and current is not None:
            cell = row.group(2).strip()
            value = re.fullmatch(r"`(.*)`", cell)
            check(value or cell == "unset",
                  "configuration.md: the default of %s is %r: write `value` "
                  "or unset" % (row.group(1), cell))
            current[row.group(1)] = value.group(1) if value else UNSET
    return sections


def parse_example(text):
    """Sections are [headers]; keys are commented-out settings ';key = v'
    (an empty value: unset)."""
    sections, current = {}, None
    for line in text.splitlines():
        header = re.match(r"^\[(.+)\]$", line)
        if header:
            current = sections.setdefault(header.group(1), {})
            continue
        setting = re.match(r"^;([a-z0-9_]+) =(?: (.*))?$", line)
        if setting and current is not None:
            value = setting.group(2) or ""
            current[setting.group(1)] = value if value else UNSET
    return sections


def roff_text(text):
    return text.replace("\\-", "-").replace("\\&", "")


def parse_man5(text):
    """Sections are `.SH "THE [cctrial] SECTION"` and `.SS [kind.name]`;
    keys are the .BR lines after .TP: key[, key] " (type, default " value )
    or " (type, unset)"."""
    sections, current = {}, None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        header = re.match(r'^\.S[HS] "?(?:THE )?\[([^\]]+)\]', line)
        if header:
            current = sections.setdefault(roff_text(header.group(1)), {})
            continue
        if line.startswith(".SH"):
            current = None
            continue
        if current is None or i == 0 or lines[i - 1] != ".TP" \
                or not line.startswith(".BR "):
            continue
        words = shlex.split(roff_text(line[4:]))
        keys, default = [], UNSET
        for j, word in enumerate(words):
            if "(" in word:
                if "default " in word:
                    default = words[j + 1]
                break
            if re.fullmatch(r"[a-z0-9_]+", word):
                keys.append(word)
        for key in keys:
            current[key] = default
    return sections


def compare(document, documented, declared):
    problems = []
    for section in sorted(set(declared) | set(documented)):
        if section not in documented:
            problems.append("[%s] is not documented" % section)
            continue
        if section not in declared:
            problems.append("[%s] is documented but no plugin declares it"
                            % section)
            continue
        want, have = declared[section], documented[section]
        for key in sorted(set(want) | set(have)):
            if key not in have:
                problems.append("[%s] %s is missing (default %r)"
                                % (section, key, want[key]))
            elif key not in want:
                problems.append("[%s] %s does not exist" % (section, key))
            elif have[key] != want[key]:
                problems.append("[%s] %s: the default is %r, not %r"
                                % (section, key, want[key], have[key]))
    check(not problems, "%s does not match the option tables:\n  %s"
          % (document, "\n  ".join(problems)))


TABLES = {}


def read_the_option_tables():
    TABLES.update(declared_tables())


def configuration_md_lists_every_key():
    compare("docs/configuration.md",
            parse_markdown(read("docs", "configuration.md")), TABLES)


def the_example_configuration_lists_every_key():
    compare("conf/cctrialrc.example",
            parse_example(read("conf", "cctrialrc.example")), TABLES)


def the_example_configuration_is_accepted():
    # As shipped (everything commented out), then with every key set.
    cctrial("--config", source("conf", "cctrialrc.example"),
            "--print-config")
    uncommented = os.path.join(TMP, "uncommented")
    with open(uncommented, "w", encoding="utf-8") as f:
        f.write(re.sub(r"(?m)^;([a-z0-9_]+ =)", r"\1",
                       read("conf", "cctrialrc.example")))
    out = cctrial("--config", uncommented, "--print-config").out
    for key, value in parse_print_config(out)["cctrial"].items():
        want = TABLES["cctrial"][key]
        check(value == (want or ""), "the uncommented example sets %s = %r, "
              "the default is %r" % (key, value, want))


def cctrialrc_5_lists_every_key():
    compare("man/cctrialrc.5", parse_man5(read("man", "cctrialrc.5")),
            TABLES)


def the_default_worker_is_the_same_everywhere():
    """cctrialrc(5), configuration.md and the example are compared above;
    --help and cctrial(1) describe --worker in prose (issue 18: the man
    page once said stock)."""
    default = TABLES["cctrial"]["worker"]
    line = re.search(r"^\s+--worker=KIND\s+(.*)$", cctrial("--help").out,
                     re.M)
    check(line and re.search(r"\b%s \(the default\)" % default,
                             line.group(1)),
          "--help's --worker does not say %s is the default: %r"
          % (default, line and line.group(1)))
    man = roff_text(read("man", "cctrial.1"))
    paragraph = re.search(r"^\.BR --worker =.*?(?=^\.TP)", man, re.M | re.S)
    check(paragraph, "cctrial(1) has no --worker paragraph")
    said = re.findall(r"^\.B (\w+)\n\([^)]*\bthe default\b",
                      paragraph.group(0), re.M)
    check(said == [default], "cctrial(1)'s --worker names %s as the "
          "default, not %s:\n%s" % (said, default, paragraph.group(0)))
    how = read("docs", "how-it-works.md")
    check("By default the workers run cctrial's bootstrap (`worker = %s`)"
          % default in how, "docs/how-it-works.md does not say the "
          "default worker is %s" % default)


# ---- flags ------------------------------------------------------------------

def help_flags():
    text = cctrial("--help").out
    longs = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", text))
    shorts = set(re.findall(r"^\s+(-[a-zA-Z]), --", text, re.M))
    check("--jobs" in longs and "-j" in shorts,
          "cannot read the flags of --help:\n" + text)
    return longs, shorts


def every_flag_is_documented_and_completed():
    longs, shorts = help_flags()
    documents = {
        "man/cctrial.1": roff_text(read("man", "cctrial.1")),
        "completion/cctrial.bash": read("completion", "cctrial.bash"),
        "completion/_cctrial": read("completion", "_cctrial"),
    }
    # Flags of other programs these files run, and trial's that cctrial
    # refuses (cctrial(1) says which and why; --help only sums them up).
    foreign = {"completion/cctrial.bash": {"--format"},
               "man/cctrial.1": {"--debug", "--debug-stacktraces",
                                 "--profile", "--nopm", "--debugger",
                                 "--reporter"}}
    problems = []
    for name, text in documents.items():
        named = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", text))
        named -= foreign.get(name, set())
        for flag in sorted(longs - named):
            problems.append("%s does not mention %s" % (name, flag))
        for flag in sorted(named - longs):
            problems.append("%s names %s, which --help does not know"
                            % (name, flag))
        for flag in sorted(shorts):
            if not re.search(r"(?<![\w-])%s(?![\w-])" % flag, text):
                problems.append("%s does not mention %s" % (name, flag))
    check(not problems, "\n  ".join([""] + problems))


# ---- rendering and links ----------------------------------------------------

def man_pages_render_without_warnings():
    if not shutil.which("groff"):
        print("     (no groff here: rendering not checked)")
        return
    for page in ("cctrial.1", "cctrialrc.5"):
        proc = run(["groff", "-man", "-ww", "-z", "-Tutf8",
                    source("man", page)], "groff " + page,
                   env=clean_env(LC_ALL="C.UTF-8"))
        check(proc.err == "", "groff warns about %s:\n%s" % (page, proc.err))


def markdown_links_lead_somewhere():
    documents = [source("README.md")] + [
        source("docs", n) for n in sorted(os.listdir(source("docs")))
        if n.endswith(".md")]
    broken = []
    for path in documents:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if re.match(r"^[a-z]+:", target):
                continue  # a URL
            if not os.path.exists(os.path.join(os.path.dirname(path),
                                               target)):
                broken.append("%s -> %s" % (os.path.relpath(path, SOURCE),
                                            target))
    check(not broken, "broken links:\n  " + "\n  ".join(broken))


if __name__ == "__main__":
    try:
        status = main([read_the_option_tables])
        status = status or main([
            configuration_md_lists_every_key,
            the_example_configuration_lists_every_key,
            the_example_configuration_is_accepted,
            cctrialrc_5_lists_every_key,
            the_default_worker_is_the_same_everywhere,
            every_flag_is_documented_and_completed,
            man_pages_render_without_warnings,
            markdown_links_lead_somewhere,
        ], keep_going=True)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    exit_with(status)
