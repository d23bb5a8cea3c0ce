"""The distribution: a built wheel holds every subpackage and imports on a clean path."""

from __future__ import annotations

import fcntl
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SUBPACKAGES = [
    "provider",
    "resources",
    "resources.modelarts",
    "resources.hilens",
    "resources.central",
    "stacks",
    "engine",
    "localcloud",
    "localcloud.modelarts",
    "localcloud.hilens",
    "localcloud.central",
]


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The wheel, built once per test run: two builds at once in one source tree (xdist's workers)
    trip over each other's build folder, so the workers share one, built under a lock."""
    base = tmp_path_factory.getbasetemp()
    out = (base if worker_id == "master" else base.parent) / "wheel"
    out.mkdir(exist_ok=True)
    with (out / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not list(out.glob("aicompute-*.whl")):
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "wheel",
                    "--no-deps",
                    "--no-build-isolation",
                    "-q",
                    "-w",
                    str(out),
                    str(REPO),
                ],
                check=True,
                capture_output=True,
                cwd=out,
            )
    (built,) = out.glob("aicompute-*.whl")
    return built


def test_wheel_installs_and_imports_without_the_source_tree(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    # Dependencies come from this venv's site-packages added as a plain path entry, so its .pth
    # files (among them the editable install's finder) are not processed: only the wheel serves
    # `aicompute`.
    deps = sysconfig.get_paths()["purelib"]
    modules = ", ".join(f"aicompute.{name}" for name in SUBPACKAGES)
    script = (
        f"import aicompute, {modules}\n"
        "from aicompute.resources.modelarts import Network, Workspace\n"
        "from aicompute.localcloud.app import create_app\n"
        "assert 'site' in aicompute.__file__, aicompute.__file__\n"
        "print(aicompute.__version__)"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", script],
        env={"PYTHONPATH": f"{target}:{deps}", "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0.1.0"


def test_wheel_declares_the_console_script(wheel: Path) -> None:
    import zipfile

    with zipfile.ZipFile(wheel) as archive:
        entry_points = next(n for n in archive.namelist() if n.endswith("entry_points.txt"))
        assert "aicompute = aicompute.engine.__main__:main" in archive.read(entry_points).decode()


def test_every_source_package_is_in_the_wheel(wheel: Path) -> None:
    import zipfile

    with zipfile.ZipFile(wheel) as archive:
        shipped = {name for name in archive.namelist() if name.endswith("/__init__.py")}
    for root in ("provider", "resources", "stacks", "engine", "localcloud"):
        for init in (REPO / root).rglob("__init__.py"):
            expected = "aicompute/" + str(init.relative_to(REPO))
            assert expected in shipped, f"{expected} is missing: add it to [tool.setuptools] packages"
