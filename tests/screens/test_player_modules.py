"""The player's ES modules reach the screen: the service worker keeps every module the entry
imports (a module missing from its list breaks starting offline), the page loads the entry as a
module, and the production storage rewrites the imports to the hashed copies of the same release."""

import re
from pathlib import Path

from django.core.files.storage import FileSystemStorage

from kepuqingcheng.staticfiles import StaticFilesStorage
from screens.player import PLAYER_MODULES, SHELL_ASSETS

SCREEN = Path(__file__).resolve().parents[2] / "static" / "screen"
IMPORT = re.compile(r'\bfrom\s*"\./([\w-]+\.js)"')


def imported_modules(entry="player.js"):
    """Every module reachable from ``entry`` through its static imports, ``entry`` included."""
    seen, todo = set(), [entry]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += IMPORT.findall((SCREEN / name).read_text(encoding="utf-8"))
    return seen


def test_the_shell_lists_every_module_the_player_imports():
    assert set(PLAYER_MODULES) == imported_modules()
    assert len(PLAYER_MODULES) > 5
    assert {f"screen/{name}" for name in PLAYER_MODULES} <= set(SHELL_ASSETS)


def test_the_service_worker_precaches_every_module(client):
    worker = client.get("/screen/sw.js").content.decode()
    shell = re.search(r"^const SHELL = (.*);$", worker, re.MULTILINE).group(1)

    for name in PLAYER_MODULES:
        assert f'"/static/screen/{name}"' in shell


def test_the_page_loads_the_player_as_a_module_allowed_by_the_policy(client, site_tree):
    response = client.get("/screen/")

    assert b'<script type="module" src="/static/screen/player.js">' in response.content
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy


def test_production_storage_points_the_imports_at_the_hashed_modules(tmp_path):
    source = FileSystemStorage(location=SCREEN)
    storage = StaticFilesStorage(location=tmp_path, base_url="/static/")
    paths = {}
    for name in PLAYER_MODULES:
        with source.open(name) as handle:
            storage.save(f"screen/{name}", handle)
        paths[f"screen/{name}"] = (storage, f"screen/{name}")

    errors = [result for result in storage.post_process(paths) if isinstance(result[2], Exception)]

    assert errors == []
    hashed = {name: storage.stored_name(f"screen/{name}") for name in PLAYER_MODULES}
    basenames = {stored.split("/")[-1] for stored in hashed.values()}
    assert "network.js" not in basenames
    for name, stored in hashed.items():
        with storage.open(stored) as handle:
            targets = set(re.findall(r'\bfrom\s*"\./([^"]+)"', handle.read().decode()))
        assert targets <= basenames, name
    with storage.open(hashed["player.js"]) as handle:
        entry = handle.read().decode()
    assert f'from "./{hashed["network.js"].split("/")[-1]}"' in entry
