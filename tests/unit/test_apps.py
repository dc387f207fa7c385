"""Apps' manifests and their folder: checked names, installed whole, never outside HOME/apps."""

from __future__ import annotations

import sys

import pytest

from llmos.assistant.apps import app_of, install, installed, remove
from llmos.errors import InvalidRequest, NotFound

MANIFEST = """
name = "notes"
description = "Notes"
capabilities = ["search"]

[[mcp]]
name = "store"
command = "python"
args = ["store.py", "--quiet"]
env = {MODE = "test"}
"""


def app_folder(tmp_path, text=MANIFEST):
    folder = tmp_path / "source"
    folder.mkdir(exist_ok=True)
    (folder / "llmos-app.toml").write_text(text)
    (folder / "store.py").write_text("print('hi')\n")
    return folder


def test_an_app_is_installed_listed_found_and_removed(tmp_path):
    apps = tmp_path / "apps"
    app = install(app_folder(tmp_path), apps)
    assert app.model_id == "app:notes" and (apps / "notes" / "store.py").is_file()
    [server] = app.servers()
    assert server.command == sys.executable  # "python" is llmos's own interpreter
    assert server.args == ("store.py", "--quiet") and server.env == {"MODE": "test"}
    assert server.cwd == apps / "notes" and server.log == apps / "notes" / "store.log"
    assert [a.model_id for a in installed(apps)] == ["app:notes"]
    assert app_of("app:notes", apps).manifest.capabilities == ["search"]
    remove("notes", apps)
    assert installed(apps) == []


@pytest.mark.parametrize("name", ["../etc", ".hidden", "", "a/b", "UPPER"])
def test_names_that_leave_the_apps_folder_are_refused(tmp_path, name):
    apps = tmp_path / "apps"
    install(app_folder(tmp_path), apps)
    (tmp_path / "etc").mkdir()
    with pytest.raises(NotFound):
        app_of(f"app:{name}", apps)
    with pytest.raises(NotFound):
        remove(name, apps)
    with pytest.raises(InvalidRequest, match="name"):
        install(app_folder(tmp_path, f'name = "{name}"\n'), apps)


def test_a_folder_without_a_manifest_or_with_unknown_tools_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidRequest, match="not an llmos app"):
        install(tmp_path / "empty", tmp_path / "apps")
    with pytest.raises(InvalidRequest, match="capabilities"):
        install(app_folder(tmp_path, 'name = "x"\ncapabilities = ["rm"]\n'), tmp_path / "apps")
