"""The layers of the package, read from the imports of every module (function-level imports included)."""
import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "talkbalance"

# what each layer must never import (top-level package names, and talkbalance's own layers)
FORBIDDEN = {
    "core": {"sounddevice", "matplotlib", "soundfile", "tqdm", "av", "talkbalance.io", "talkbalance.pipeline",
             "talkbalance.live", "talkbalance.report", "talkbalance.cli", "talkbalance.api", "talkbalance.progress"},
    "io": {"sounddevice", "tqdm", "talkbalance.pipeline", "talkbalance.live", "talkbalance.cli", "talkbalance.progress"},
    "report": {"sounddevice", "soundfile", "av", "tqdm", "talkbalance.io", "talkbalance.pipeline", "talkbalance.live",
               "talkbalance.cli", "talkbalance.progress"},
    "pipeline": {"sounddevice", "matplotlib", "av", "tqdm", "talkbalance.report", "talkbalance.live",
                 "talkbalance.batch", "talkbalance.cli", "talkbalance.api", "talkbalance.progress"},
    "live": {"tqdm", "av", "talkbalance.cli", "talkbalance.progress"},
    "batch": {"sounddevice", "matplotlib", "av", "tqdm", "talkbalance.live", "talkbalance.report", "talkbalance.cli",
              "talkbalance.progress"},
    "progress": {"sounddevice", "soundfile", "tqdm", "av", "talkbalance.pipeline", "talkbalance.live",
                 "talkbalance.batch", "talkbalance.api", "talkbalance.cli"},
}


def modules(layer: str | None = None):
    """The modules of a layer: a subpackage, or a single module (``pipeline``)."""
    root = PACKAGE / layer if layer else PACKAGE
    if layer and (PACKAGE / f"{layer}.py").is_file():
        return [PACKAGE / f"{layer}.py"]
    return sorted(root.rglob("*.py"))


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return names


def breaks(name: str, rule: set[str]) -> bool:
    return any(name == r or name.startswith(r + ".") for r in rule)


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_each_layer_imports_only_what_it_may(layer):
    found = {f"{path.relative_to(PACKAGE)}: {name}" for path in modules(layer) for name in imported(path)
             if breaks(name, FORBIDDEN[layer])}
    assert not found, found


def test_the_rule_reader_sees_a_forbidden_import(tmp_path):
    """The reader itself: an import inside a function counts as much as one at the top."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from talkbalance.live.capture import DeviceInput\n    import matplotlib.pyplot\n")
    assert {n for n in imported(bad) if breaks(n, FORBIDDEN["core"])} == {
        "talkbalance.live.capture", "talkbalance.live.capture.DeviceInput", "matplotlib.pyplot"}


BENCHMARKS = PACKAGE.parent / "benchmarks"


def private(name: str) -> bool:
    """An underscore name that is not a dunder (``__version__`` is public)."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(path: Path) -> set[str]:
    """The underscore-private names ``path`` imports from talkbalance modules (function-level imports included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names if breaks(a.name, {"talkbalance"}) and any(map(private, a.name.split(".")))}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level and breaks(node.module, {"talkbalance"}):
            names |= {f"{node.module}.{a.name}" for a in node.names
                      if private(a.name) or any(map(private, node.module.split(".")))}
    return names


def test_no_module_imports_a_private_name_of_another():
    """What a module shares has a public name: nothing under talkbalance/ or benchmarks/ imports a talkbalance
    module's underscore names."""
    found = {f"{path.relative_to(PACKAGE.parent)}: {name}" for path in [*modules(), *sorted(BENCHMARKS.rglob("*.py"))]
             for name in private_imports(path)}
    assert not found, found


def test_the_private_import_reader_sees_underscore_names(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from talkbalance import __version__\nfrom talkbalance.report.png import _colour, INK\n"
                   "def f():\n    from talkbalance.live.display.plot import _text\n    import talkbalance.io._hidden\n")
    assert private_imports(bad) == {"talkbalance.report.png._colour", "talkbalance.live.display.plot._text",
                                    "talkbalance.io._hidden"}


FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


def strings(path: Path) -> list[str]:
    """Every string constant of a module, f-string parts included (docstrings too)."""
    return [node.value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_only_the_command_line_knows_flag_names():
    found = {f"{path.relative_to(PACKAGE)}: {flag}" for path in modules() if "cli" not in path.parts
             for text in strings(path) for flag in FLAG.findall(text)}
    assert not found, found


def test_library_messages_name_parameters_the_cli_turns_into_flags():
    from talkbalance.cli.main import for_command_line

    message = "`channels` picks channel 1 of a.wav twice; choose another `out_dir` folder (run `talkbalance devices`)."
    assert for_command_line(message) == ("--channels picks channel 1 of a.wav twice; choose another --out folder "
                                         "(run `talkbalance devices`).")


def test_importing_talkbalance_loads_nothing_heavy_and_sets_nothing():
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    code = ("import os, sys; import talkbalance; "
            "print(sorted(m for m in ('numpy', 'matplotlib', 'soundfile', 'sounddevice', 'webrtcvad') if m in sys.modules)); "
            "print(os.environ.get('OPENBLAS_NUM_THREADS'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.split("\n")[:2] == ["[]", "None"]


def test_the_commands_load_matplotlib_only_to_draw_and_pyav_only_to_decode(tmp_path):
    """`analyze` and `batch` start without matplotlib (half a second of imports) or PyAV (0.1 s), a run that
    draws no report.png (report.html included) never loads matplotlib, and a file libsndfile reads never
    loads PyAV."""
    code = ("import sys; import talkbalance.cli.main, talkbalance.cli.analyze, talkbalance.cli.batch; "
            "from talkbalance.cli.analyze import analyze_to_folder; "
            "before = [m in sys.modules for m in ('matplotlib', 'av')]; "
            f"analyze_to_folder([{str(ROOT / 'recordings' / 'demo' / 'practice_session.flac')!r}], "
            f"__import__('pathlib').Path({str(tmp_path)!r}), None, quiet=True, formats=('json', 'csv', 'html')); "
            "print(*before, *(m in sys.modules for m in ('matplotlib', 'av')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False"] * 4
    assert (tmp_path / "report.html").is_file()


def test_every_subpackage_says_what_lives_there():
    for init in PACKAGE.rglob("__init__.py"):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), init


def test_every_layer_says_what_it_may_import():
    """Each layer's docstring (a subpackage's ``__init__``, or the module itself) states its import rule."""
    for layer in FORBIDDEN:
        path = PACKAGE / f"{layer}.py" if (PACKAGE / f"{layer}.py").is_file() else PACKAGE / layer / "__init__.py"
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert "may import" in doc.lower(), path


def test_the_two_speaker_limit_lives_in_one_place():
    """Speakers are sequences everywhere; only config.require_supported_speakers says there must be two."""
    import talkbalance
    from talkbalance.config import SUPPORTED_SPEAKERS

    assert SUPPORTED_SPEAKERS == 2
    with pytest.raises(talkbalance.ConfigError, match="exactly 2 people for now"):
        talkbalance.Config().with_speakers(names=["a", "b", "c"])
    pair_checks = re.compile(r"len\([^)]*\) [!=]= 2\b|\[1 - \w+\]")
    pair_logic = {PACKAGE / "core" / "events.py", *modules("core/crosstalk")}      # built for a pair, for now
    found = [f"{path.relative_to(PACKAGE)}:{n}" for path in sorted(set(modules()) - pair_logic) for n, line in
             enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if pair_checks.search(line)]
    assert found == [], found
