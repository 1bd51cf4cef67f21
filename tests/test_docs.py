"""The documentation tells the truth: its walk-through and examples run, and it covers the tool.

The README's five steps run on a copy of docs/examples/ through the real command, and what the
README shows is what the command printed. docs/cli.md names every command and option (read from
the click commands), docs/api.md every public name (and its examples run), the troubleshooting
and verify pages every error message and problem code. Each check is a function of the text, and
a test feeds it a text with something removed, so none of them can pass on an empty page.
"""
from __future__ import annotations

import ast
import csv
import re
import shutil
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import click
import pytest

import preserve
from preserve.cli import cli
from preserve.intake.config import KNOWN_KEYS
from preserve.verify.checks import verify_bag
from preserve.problems import CODES

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
README = REPO / "README.md"
EXAMPLES = DOCS / "examples"
USER_DOCS = [README, *sorted(DOCS.glob("*.md"))]
ALL_DOCS = [*USER_DOCS, REPO / "CHANGELOG.md", *sorted((REPO / "benchmarks").glob("*.md"))]

#: how a work diary speaks ("the fifth pass", "session 8", "run N"): the docs describe the tool
DIARY = re.compile(r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth) pass(es)?\b"
                   r"|\bsessions? \d|\bissue \d", re.IGNORECASE)
DIARY_RUNS = re.compile(r"\bruns? [A-Z]\b")  # case-sensitive: "run N", not "run a command"

#: error classes whose messages reach a user; err() is the CLI's one-line printer
USER_ERRORS = {"InputError", "LockedError", "PreserveError", "PackageError", "SchemaError"}
#: messages that only a bug in preserve can produce (reported as "internal error ... please report")
INTERNAL_MESSAGES = {"internal error: bad or repeated payload path", "no canonical URL for",
                     "is not a shipped schema"}
#: shorter message fragments say too little to look for ("error:", "package")
MIN_FRAGMENT = 12


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def preserve_cmd(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "preserve", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, check=False)


# --- the README and the walk-through ------------------------------------------------------------

def test_readme_is_short() -> None:
    assert len(read(README).splitlines()) <= 150


def diary_phrases(text: str) -> list[str]:
    return [m.group(0) for m in DIARY.finditer(text)] + [m.group(0) for m in DIARY_RUNS.finditer(text)]


def test_diary_phrases_are_found() -> None:
    text = "Measured in the fifth pass (session 8, runs N and O); see issue 7. Run the tests; run a bag."
    assert diary_phrases(text) == ["fifth pass", "session 8", "issue 7", "runs N"]


@pytest.mark.parametrize("doc", ALL_DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_docs_describe_the_tool_not_the_work_diary(doc: Path) -> None:
    assert not diary_phrases(read(doc))


def example_collection(tmp_path: Path) -> Path:
    """docs/examples/collection copied to tmp_path/millbrook, as the README's reader does."""
    source = tmp_path / "millbrook"
    shutil.copytree(EXAMPLES / "collection", source)
    return source


def sheet_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def uncommented_keys(toml: str) -> list[str]:
    """The config keys that are not set in toml right below a comment explaining them."""
    lines = [line for line in toml.splitlines() if line.strip()]
    explained = {line.split("=")[0].strip() for before, line in pairwise(lines)
                 if before.startswith("#") and "=" in line and not line.startswith("#")}
    return [key for key in KNOWN_KEYS if key not in explained]


def test_example_is_three_releases_with_every_config_key_explained() -> None:
    found = preserve.discover(EXAMPLES / "collection")
    assert [r.name for r in found.releases] == ["ferry-timetable.md", "library-reopens.txt", "tram-extension"]
    assert not found.warnings
    toml = read(EXAMPLES / "collection" / "preserve.toml")
    assert uncommented_keys(toml) == []
    assert uncommented_keys(toml.replace('rights = "', '# rights = "')) == ["rights"]
    config = preserve.load_config(EXAMPLES / "collection")
    assert set(config.as_dict()) == set(KNOWN_KEYS)
    assert "[bag-info]" in toml and '[tag-files."aptrust-info.txt"]' in toml  # the tables, shown commented
    rows = sheet_rows(EXAMPLES / "metadata.csv")
    assert [r[0] for r in rows[1:]] == [r.name for r in found.releases]


def test_the_readme_s_repository_line_makes_bags_that_follow_the_profile(tmp_path: Path) -> None:
    source = example_collection(tmp_path)
    shutil.copyfile(EXAMPLES / "metadata.csv", source / "metadata.csv")
    line = next(line for line in read(README).splitlines() if line.startswith("preserve bag millbrook --out deposit"))
    args = line.split()[1:]
    made = preserve_cmd(*args, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    profile = args[args.index("--profile") + 1]
    checked = preserve_cmd("verify", "deposit", "--profile", profile, cwd=tmp_path)
    assert checked.returncode == 0 and "3 intact" in checked.stdout and "0 damaged" in checked.stdout, checked.stdout
    assert sorted(p.name for p in (tmp_path / "deposit").iterdir()) == [
        "ferry-timetable.tar", "library-reopens.tar", "tram-extension.tar"]


def shown_in_readme(stdout: str) -> None:
    readme = read(README)
    for line in stdout.splitlines():
        assert line in readme, line


def test_the_five_steps_of_the_readme(tmp_path: Path) -> None:
    source = example_collection(tmp_path)

    described = preserve_cmd("describe", "millbrook", cwd=tmp_path)
    assert described.returncode == 0, described.stderr
    shown_in_readme(described.stdout)
    drafted = sheet_rows(source / "metadata.csv")
    edited = sheet_rows(EXAMPLES / "metadata.csv")
    assert drafted[0] == edited[0]  # the example is an edit of what describe writes
    assert [r[0] for r in drafted[1:]] == [r[0] for r in edited[1:]]
    assert drafted != edited

    shutil.copyfile(EXAMPLES / "metadata.csv", source / "metadata.csv")
    validated = preserve_cmd("validate", "millbrook", cwd=tmp_path)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    shown_in_readme(validated.stdout)

    bagged = preserve_cmd("bag", "millbrook", "--out", "bags", cwd=tmp_path)
    assert bagged.returncode == 0, bagged.stderr
    shown_in_readme(bagged.stdout)
    bags = sorted(p.name for p in (tmp_path / "bags").iterdir() if not p.name.startswith("."))
    assert bags == ["ferry-timetable", "library-reopens", "tram-extension"]
    assert all(verify_bag(tmp_path / "bags" / name).ok for name in bags)
    dc = read(tmp_path / "bags" / "library-reopens" / "data" / "library-reopens" / "metadata" / "descriptive" / "dc.xml")
    assert "<dc:subject>floods</dc:subject>" in dc  # the curator's edit reached the bag

    verified = preserve_cmd("verify", "bags", cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    shown_in_readme(verified.stdout)

    again = preserve_cmd("bag", "millbrook", "--out", "bags", cwd=tmp_path)
    assert again.returncode == 0 and "0 bagged, 3 unchanged" in again.stdout
    assert again.stdout in read(DOCS / "getting-started.md")


def test_a_mistake_and_damage_look_as_getting_started_shows(tmp_path: Path) -> None:
    source = example_collection(tmp_path)
    sheet = read(EXAMPLES / "metadata.csv").replace("2025-02-03", "2025-02-30")
    (source / "metadata.csv").write_text(sheet, encoding="utf-8")
    guide = read(DOCS / "getting-started.md")

    invalid = preserve_cmd("validate", "millbrook", cwd=tmp_path)
    assert invalid.returncode == 1
    assert invalid.stdout in guide
    bagged = preserve_cmd("bag", "millbrook", "--out", "bags", "--identify", "builtin", cwd=tmp_path)
    assert bagged.returncode == 1
    refusal = "preserve: tram-extension: not bagged: invalid metadata: date: '2025-02-30': an ISO 8601 / EDTF date"
    assert bagged.stderr.startswith(refusal) and len(bagged.stderr.splitlines()) == 1 and refusal in guide
    assert "invalid  bags/tram-extension\n" in bagged.stdout and "2025-02-30" not in bagged.stdout  # said once
    for line in bagged.stdout.splitlines():
        assert line in guide

    story = tmp_path / "bags" / "library-reopens" / "data" / "library-reopens" / "representations" / "rep1" / "data" / "library-reopens.txt"
    with story.open("a", encoding="utf-8") as handle:
        handle.write("extra line\n")
    damaged = preserve_cmd("verify", "bags", cwd=tmp_path)
    assert damaged.returncode == 1
    assert "FAILED bags/library-reopens" in damaged.stdout and "FAILED bags/library-reopens" in guide
    for line in damaged.stdout.splitlines():
        if line.startswith("    mets-size-mismatch"):
            assert line in guide


def test_no_rights_bags_everything_with_the_warning_the_readme_and_guide_show(tmp_path: Path) -> None:
    source = example_collection(tmp_path)
    shutil.copyfile(EXAMPLES / "metadata.csv", source / "metadata.csv")
    config = read(source / "preserve.toml")
    (source / "preserve.toml").write_text(re.sub(r"(?m)^rights = .*\n", "", config), encoding="utf-8")
    guide, readme = read(DOCS / "getting-started.md"), read(README)

    bagged = preserve_cmd("bag", "millbrook", "--out", "bags", "--identify", "builtin", cwd=tmp_path)
    assert bagged.returncode == 0, bagged.stderr
    for line in bagged.stdout.splitlines() + bagged.stderr.splitlines():
        assert line in guide, line
    warning = next(line for line in bagged.stderr.splitlines() if "library-reopens.txt" in line)
    assert warning in readme and "no rights (set rights in preserve.toml or dc.rights" in warning
    assert len(bagged.stderr.splitlines()) == 3  # once per release
    assert sorted(p.name for p in (tmp_path / "bags").iterdir()) == ["ferry-timetable", "library-reopens",
                                                                   "tram-extension"]  # only bags
    assert preserve_cmd("verify", "bags", cwd=tmp_path).returncode == 0

    strict = preserve_cmd("bag", "millbrook", "--out", "strict", "--strict", "--identify", "builtin", cwd=tmp_path)
    assert strict.returncode == 1 and "0 bagged, 0 unchanged, 3 not bagged" in strict.stdout
    assert strict.stderr.count("not bagged: incomplete for deposit: no rights") == 3

    (source / "preserve.toml").write_text(config, encoding="utf-8")  # the line added back, as the guide says
    again = preserve_cmd("bag", "millbrook", "--out", "bags", "--force", "--identify", "builtin", cwd=tmp_path)
    assert (again.returncode, again.stderr) == (0, "") and "3 bagged, 0 unchanged" in again.stdout


# --- docs/cli.md against the click commands ------------------------------------------------------

def spellings(command: click.Command) -> list[str]:
    """Every flag of a command (each --long and -s form), its help option's included."""
    found: list[str] = []
    group = click.Context(cli, **cli.context_settings)  # -h comes from the group's settings
    context = group if command is cli else click.Context(command, parent=group)
    params = [*command.params, command.get_help_option(context)]
    for param in params:
        if isinstance(param, click.Option):
            found += [*param.opts, *param.secondary_opts]
    return found


def documented_defaults(command: click.Command) -> list[str]:
    """The defaults a reader must be told: the value of every parameter with a real default."""
    return [str(p.default) for p in command.params
            if isinstance(p.default, (str, int, float)) and not isinstance(p.default, bool)]


def argument_labels(command: click.Command) -> list[str]:
    """How the docs name each argument: SOURCE; PATH for the repeated PATHS (written PATH ...)."""
    return [p.name.upper().removesuffix("S") if p.nargs == -1 else p.name.upper()
            for p in command.params if isinstance(p, click.Argument)]


def section(doc: str, name: str) -> str:
    """The part of docs/cli.md under '## preserve NAME', up to the next '## ' heading."""
    match = re.search(rf"^## preserve {name}\n(.*?)(?=^## |\Z)", doc, re.MULTILINE | re.DOTALL)
    return match.group(1) if match else ""


def mentions(text: str, flag: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text) is not None


def undocumented(doc: str) -> list[tuple[str, str]]:
    """(command, what) for every command, flag and default of the CLI that docs/cli.md lacks."""
    missing = [("preserve", flag) for flag in spellings(cli) if not mentions(doc, flag)]
    for name, command in sorted(cli.commands.items()):
        part = section(doc, name)
        if not part:
            missing.append((name, "section"))
            continue
        missing += [(name, flag) for flag in spellings(command) if not mentions(part, flag)]
        missing += [(name, label) for label in argument_labels(command) if label not in part]
        missing += [(name, f"default {d}") for d in documented_defaults(command) if f"`{d}`" not in part]
    return missing


def test_cli_reference_documents_every_command_option_and_default() -> None:
    assert undocumented(read(DOCS / "cli.md")) == []


def test_cli_check_fails_on_a_missing_option_default_or_command() -> None:
    doc = read(DOCS / "cli.md")
    bag = section(doc, "bag")
    assert ("bag", "--force") in undocumented(doc.replace(bag, bag.replace("--force", "--forge")))
    verify = section(doc, "verify")
    assert ("verify", "-q") in undocumented(doc.replace(verify, re.sub(r"(?<![\w-])-q(?![\w-])", "", verify)))
    assert ("verify", "PATH") in undocumented(doc.replace(verify, verify.replace("PATH", "P")))
    assert ("bag", "default siegfried") in undocumented(doc.replace(bag, bag.replace("`siegfried`", "")))
    assert ("validate", "section") in undocumented(doc.replace("## preserve validate", "## validating"))
    assert ("preserve", "--version") in undocumented(doc.replace("--version", ""))
    assert ("describe", "-h") in undocumented(doc.replace(section(doc, "describe"),
                                                          section(doc, "describe").replace("`-h`", "")))


def test_commands_are_in_the_readme_and_in_the_cli_reference() -> None:
    readme, doc = read(README), read(DOCS / "cli.md")
    assert set(cli.commands) == {"bag", "verify", "describe", "validate", "deposit"}
    for name in cli.commands:
        assert f"preserve {name}" in readme
        assert f"`preserve {name}`" in doc


# --- docs/api.md against preserve._EXPORTS ------------------------------------------------------

def missing_api_names(doc: str) -> list[str]:
    return [name for name in preserve._EXPORTS if f"preserve.{name}" not in doc]


def test_api_page_documents_every_public_name() -> None:
    assert missing_api_names(read(DOCS / "api.md")) == []
    assert missing_api_names("preserve.bag_collection") != []
    for name in preserve._EXPORTS:
        assert getattr(preserve, name) is not None


def test_api_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = example_collection(tmp_path)
    shutil.copyfile(EXAMPLES / "metadata.csv", source / "metadata.csv")
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", read(DOCS / "api.md"), re.DOTALL)
    assert len(blocks) >= 4
    for number, block in enumerate(blocks):
        code = compile(block, f"docs/api.md block {number + 1}", "exec")
        exec(code, {"__name__": "__main__"})  # noqa: S102 - this repository's own documentation
    assert preserve.verify_bag(tmp_path / "single" / "tram-extension").ok


# --- troubleshooting and verify codes -----------------------------------------------------------

def undocumented_codes(text: str) -> list[str]:
    return [code for code in CODES if f"`{code}`" not in text]


def test_every_problem_code_is_documented() -> None:
    text = read(DOCS / "troubleshooting.md") + read(DOCS / "verify.md")
    assert undocumented_codes(text) == []
    assert undocumented_codes(text.replace("`payload-renamed`", "")) == ["payload-renamed"]


def message_fragments(node: ast.expr) -> list[str]:
    """The literal runs of a message: 'x' -> ['x']; f'{a}: no such {b}' -> [': no such ']."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        runs, current = [], ""
        for value in node.values:
            if isinstance(value, ast.Constant):
                current += value.value
            else:
                runs.append(current)
                current = ""
        return [*runs, current]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return message_fragments(node.left) + message_fragments(node.right)
    return []


def user_messages() -> dict[str, str]:
    """The most telling literal part of each message a user can meet -> where it is raised."""
    found = {}
    for path in sorted((REPO / "preserve").rglob("*.py")):
        for node in ast.walk(ast.parse(read(path))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in USER_ERRORS or (path.name == "cli.py" and name == "err"):
                fragment = max(message_fragments(node.args[0]), key=len, default="").strip(" :;,()")
                if len(fragment) >= MIN_FRAGMENT and fragment not in INTERNAL_MESSAGES:
                    found[fragment] = f"{path.relative_to(REPO)}:{node.lineno}"
    return found


def unexplained(doc: str) -> dict[str, str]:
    return {fragment: where for fragment, where in user_messages().items() if fragment not in doc}


def test_troubleshooting_explains_every_error_message() -> None:
    doc = read(DOCS / "troubleshooting.md")
    assert len(user_messages()) >= 40
    assert unexplained(doc) == {}
    assert "no such bag or folder" in unexplained(doc.replace("no such bag or folder", "no bag"))


# --- paths and module names the docs mention ----------------------------------------------------

REPO_PATH = re.compile(r"`((?:preserve|tests|benchmarks|schemas|docs)/[\w./-]*)`")
MODULE_PATH = re.compile(r"`(preserve(?:\.[A-Za-z_]\w*)+)")
#: dotted names in the docs that are not Python: a file, a sheet column, the installed schemas
NOT_PYTHON = ("preserve.toml", "preserve.main_document", "preserve.schemas")


def broken_references(text: str) -> list[str]:
    """Repository paths that do not exist and dotted preserve names that do not resolve."""
    broken = [p for p in REPO_PATH.findall(text) if not (REPO / p.rstrip("/")).exists()]
    for dotted in MODULE_PATH.findall(text):
        if dotted.startswith(NOT_PYTHON):
            continue
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                target = __import__(".".join(parts[:cut]), fromlist=["_"])
            except ImportError:
                continue
            try:
                for attr in parts[cut:]:
                    target = getattr(target, attr)
            except AttributeError:
                broken.append(dotted)
            break
        else:
            broken.append(dotted)
    return broken


@pytest.mark.parametrize("doc", USER_DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_paths_and_module_names_in_the_docs_exist(doc: Path) -> None:
    assert broken_references(read(doc)) == []


def test_broken_references_are_found() -> None:
    assert broken_references("`tests/test_nothing.py` and `preserve.bagging.bag_collection`") == [
        "tests/test_nothing.py", "preserve.bagging.bag_collection"]
    assert broken_references("`preserve.pipeline.bag_collection`, `preserve/verify/`") == []


def anchors(doc: Path) -> set[str]:
    """GitHub's anchors for the headings of a Markdown file."""
    headings = re.findall(r"^#+ (.+)$", read(doc), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_links_between_docs_resolve() -> None:
    for doc in ALL_DOCS:
        for target, anchor in re.findall(r"\]\(([^)#:]*)(?:#([^)]*))?\)", read(doc)):
            linked = (doc.parent / target) if target else doc
            assert linked.exists(), f"{doc.name}: {target}"
            assert not anchor or anchor in anchors(linked), f"{doc.name}: {target}#{anchor}"


def unnamed_modules(text: str) -> list[str]:
    """The rooms (as 'name/') and modules (as 'name.py') of preserve/ that text does not name."""
    package = REPO / "preserve"
    rooms = [f"{p.name}/" for p in package.iterdir() if (p / "__init__.py").is_file()]
    modules = {p.name for p in package.rglob("*.py") if p.name != "__init__.py"} - {"__main__.py"}
    return [name for name in [*sorted(rooms), *sorted(modules)] if not re.search(rf"(?<![\w.]){re.escape(name)}", text)]


def test_architecture_names_every_room_and_module() -> None:
    text = read(DOCS / "architecture.md")
    assert unnamed_modules(text) == []
    assert unnamed_modules(text.replace("lanes.py", "lanes")) == ["lanes.py"]
