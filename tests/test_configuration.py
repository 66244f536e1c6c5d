"""Configuration that cannot drift: every environment variable the code reads is in the
README's configuration table, and every variable in the table is read (as Datasette checks
its settings against its docs)."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "dailypapers"
OURS = re.compile(r"^DAILYPAPERS_[A-Z0-9_]+$")
# Calls that read a variable: settings.env("X"), env_bool("X", …), os.environ.get("X"), getenv.
READERS = {"env", "env_bool", "get", "getenv"}


def variables_read(package: Path = PACKAGE) -> dict[str, str]:
    """Variable -> the first place that names it, over every module of the package."""
    found: dict[str, str] = {}
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                names += [node.value] if OURS.match(node.value) else []
            if isinstance(node, ast.Call) and node.args and _reads_environment(node):
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    names.append(first.value)
            for name in names:
                found.setdefault(name, f"{path.relative_to(package)}:{node.lineno}")
    return found


def _reads_environment(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in READERS - {"get"}
    if isinstance(func, ast.Attribute) and func.attr in READERS:
        owner = func.value
        return isinstance(owner, ast.Attribute | ast.Name) and "environ" in ast.unparse(owner)
    return False


def documented() -> set[str]:
    """The first column of the table under '## Configuration' in the README."""
    section = (ROOT / "README.md").read_text().split("\n## Configuration", 1)[1]
    section = section.split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", section, re.MULTILINE))


def test_every_variable_read_is_documented():
    missing = {name: where for name, where in variables_read().items() if name not in documented()}
    assert missing == {}, "add these to the README's configuration table"


def test_every_documented_variable_is_read():
    assert documented() - set(variables_read()) == set()


@pytest.mark.parametrize(
    "source",
    [
        'env("DAILYPAPERS_NEW", "1")',
        'os.environ.get("DAILYPAPERS_NEW")',
        'int(env_bool("DAILYPAPERS_NEW", False))',
    ],
)
def test_the_reader_sees_new_variables(tmp_path, source):
    (tmp_path / "probe.py").write_text(source + "\n")
    assert set(variables_read(tmp_path)) == {"DAILYPAPERS_NEW"}


def test_the_reader_sees_other_variables_read_by_settings():
    assert {"DATABASE_URL", "EMAIL_URL", "DEFAULT_FROM_EMAIL"} <= set(variables_read())
