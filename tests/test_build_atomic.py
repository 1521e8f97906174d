"""The build is all-or-nothing: a complete set is published by one atomic link switch, a killed build
leaves the previous set served intact, leftovers are removed by the next build, OS errors are clear."""
from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from spbe_research import SPBEError, datapackage, datasets

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def blobs() -> dict[str, bytes]:
    """The bytes of the served set (built by `make data`; the loader validates it first)."""
    datasets.build_manifest()
    served = datasets.processed_dir()
    return {p.name: p.read_bytes() for p in served.iterdir()}


def variant(blobs: dict[str, bytes], tag: str) -> dict[str, bytes]:
    """Another complete, valid set (only the manifest's package version differs, so the build id does)."""
    m = json.loads(blobs[datasets.BUILD_MANIFEST])
    m.pop("build_id")
    m["package_version"] = tag
    bid = hashlib.sha256(json.dumps(m, sort_keys=True).encode()).hexdigest()[:16]
    return {**blobs, datasets.BUILD_MANIFEST: datasets._json_bytes({"build_id": bid, **m})}


def build_id(blobs) -> str:
    return json.loads(blobs[datasets.BUILD_MANIFEST])["build_id"]


def served(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir()}


def siblings(out: Path) -> set[str]:
    return {p.name for p in out.parent.iterdir()}


# --- publishing ----------------------------------------------------------------------------------------------

def test_publish_links_a_complete_build_directory(blobs, tmp_path):
    out = tmp_path / "processed"
    final = datasets.publish(out, blobs)
    assert out.is_symlink() and os.readlink(out) == f"processed.{build_id(blobs)}"  # relative: the folder can move
    assert final == tmp_path / f"processed.{build_id(blobs)}"
    assert served(out) == blobs
    assert siblings(out) == {"processed", f"processed.{build_id(blobs)}"}
    manifest = json.loads(blobs[datasets.BUILD_MANIFEST])
    for name, entry in manifest["files"].items():
        assert hashlib.sha256(blobs[name]).hexdigest() == entry["sha256"] and len(blobs[name]) == entry["bytes"]
    assert manifest["files"]["results.csv"]["rows"] == 1538
    assert set(manifest) >= {"build_id", "package_version", "raw_manifest_sha256", "schema_sha256", "files"}


def test_the_served_manifest_as_a_tidy_frame():
    m = datasets.build_manifest()
    table = m.to_frame().set_index("file")
    assert set(table.index) == {t.schema.file for t in datasets.TABLES} | {"datapackage.json"}
    assert table.loc["results.csv", "rows"] == len(datasets.load_results())
    assert pd.isna(table.loc["datapackage.json", "rows"]) and (table["build_id"] == m.build_id).all()
    assert m.schema_sha256 == datapackage.schema_hash(t.schema for t in datasets.TABLES)


def test_republishing_the_same_set_changes_nothing(blobs, tmp_path):
    out = tmp_path / "processed"
    datasets.publish(out, blobs)
    link = os.readlink(out)
    mtime = (out / "results.csv").stat().st_mtime_ns
    datasets.publish(out, blobs)
    assert os.readlink(out) == link and (out / "results.csv").stat().st_mtime_ns == mtime


def test_a_new_set_replaces_the_old_one_and_the_old_directory_goes(blobs, tmp_path):
    out = tmp_path / "processed"
    datasets.publish(out, blobs)
    new = variant(blobs, "next")
    datasets.publish(out, new)
    assert served(out) == new
    assert siblings(out) == {"processed", f"processed.{build_id(new)}"}


def test_a_damaged_served_set_is_replaced_by_a_rebuild(blobs, tmp_path):
    out = tmp_path / "processed"
    datasets.publish(out, blobs)
    (out / "national.csv").write_bytes(b"year\n")
    datasets.publish(out, blobs)
    assert served(out) == blobs
    assert len(siblings(out)) == 2


def test_a_legacy_folder_becomes_the_link(blobs, tmp_path):
    out = tmp_path / "processed"
    out.mkdir()
    (out / ".gitkeep").write_text("")
    (out / "results.csv").write_text("old\n")
    datasets.publish(out, blobs)
    assert out.is_symlink() and served(out) == blobs
    assert siblings(out) == {"processed", f"processed.{build_id(blobs)}"}


def test_a_folder_holding_foreign_files_is_left_alone(blobs, tmp_path):
    out = tmp_path / "processed"
    out.mkdir()
    (out / "my_notes.txt").write_text("mine")
    with pytest.raises(SPBEError, match=r"did not make \('my_notes.txt'\)"):
        datasets.publish(out, blobs)
    assert (out / "my_notes.txt").read_text() == "mine" and not out.is_symlink()
    assert siblings(out) == {"processed"}  # the staged set was removed again


# --- operating-system errors -----------------------------------------------------------------------------

def test_a_file_where_the_folder_should_be(blobs, tmp_path):
    out = tmp_path / "processed"
    out.write_text("not a folder")
    with pytest.raises(SPBEError, match=r"a file is where the processed-data folder should be.*processed"):
        datasets.publish(out, blobs)
    assert out.read_text() == "not a folder"
    (tmp_path / "data").write_text("a file")
    with pytest.raises(SPBEError, match=r"a file is where the data folder should be"):
        datasets.publish(tmp_path / "data" / "processed", blobs)


def test_permission_errors_become_clear_messages(blobs, tmp_path, monkeypatch):
    out = tmp_path / "processed"
    datasets.publish(out, blobs)

    def denied(parent, *a, **k):
        raise PermissionError(errno.EACCES, "Permission denied", str(parent))

    monkeypatch.setattr(datasets, "_stage", denied)
    with pytest.raises(SPBEError, match=r"cannot publish the processed data.*permission denied.*file") as e:
        datasets.publish(out, variant(blobs, "x"))
    assert e.value.file == str(tmp_path)
    assert served(out) == blobs

    monkeypatch.setattr(datasets, "assemble", lambda raw=None, progress=False: variant(blobs, "y"))
    assert datasets.main(["build", "--out", str(out)]) == 1  # the command line prints "error: ..." and exits 1


def test_read_only_file_system_message(blobs, tmp_path, monkeypatch):
    def rofs(*a, **k):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path))

    monkeypatch.setattr(datasets, "_locked", rofs)
    with pytest.raises(SPBEError, match="read-only file system"):
        datasets.publish(tmp_path / "processed", blobs)


# --- killed builds --------------------------------------------------------------------------------------------

DRIVER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from spbe_research import datasets
    out, src, point, nth = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    blobs = {p.name: p.read_bytes() for p in src.iterdir()}
    owner = os if point.startswith("os.") else datasets
    name = point.removeprefix("os.")
    real, calls = getattr(owner, name), [0]
    def hook(*a, **k):
        calls[0] += 1
        if calls[0] == nth:
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup of any kind: as a power cut or kill -9
        return real(*a, **k)
    setattr(owner, name, hook)
    datasets.publish(out, blobs)
    sys.exit(3)  # never reached when the kill point is hit
""")


def kill_publish(out: Path, new: dict[str, bytes], point: str, nth: int, tmp_path: Path) -> None:
    src = tmp_path / "new_set"
    src.mkdir(exist_ok=True)
    for name, data in new.items():
        (src / name).write_bytes(data)
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    proc = subprocess.run([sys.executable, str(script), str(out), str(src), point, str(nth)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr


@pytest.mark.parametrize("point, nth, new_served", [
    ("_write_synced", 3, False),    # staging half written
    ("_promote", 1, False),         # staging complete and synced, not yet renamed
    ("os.replace", 1, False),       # build directory in place, new link made, not yet switched
    ("_clean_leftovers", 2, True),  # switched; the old directory not yet removed
])
def test_a_killed_build_leaves_a_complete_set_served(blobs, tmp_path, monkeypatch, point, nth, new_served):
    out = tmp_path / "processed"
    datasets.publish(out, blobs)
    new = variant(blobs, f"killed-{point}")
    kill_publish(out, new, point, nth, tmp_path)
    expected = new if new_served else blobs
    assert served(out) == expected  # never a mixture
    monkeypatch.setenv("SPBE_RESEARCH_DATA", str(out))
    assert datasets.build_manifest().build_id == build_id(expected)
    assert len(datasets.load_results()) == 1538  # the loaders serve it, validated
    leftovers = siblings(out) - {"processed", f"processed.{build_id(expected)}", "new_set", "driver.py"}
    assert leftovers  # the kill left something behind ...
    datasets.publish(out, blobs)  # ... which the next build removes
    assert siblings(out) - {"new_set", "driver.py"} == {"processed", f"processed.{build_id(blobs)}"}
    assert served(out) == blobs
