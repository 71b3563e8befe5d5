"""bin/flowdeck: manage.py from another terminal, with the demo's settings and the same services."""
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run([str(ROOT / "bin" / "flowdeck"), *args], cwd="/", env=env, capture_output=True, text=True,
                          timeout=120)


def test_it_runs_manage_py_with_the_demo_overlay_from_any_directory():
    done = _run("help", "shop_demo")   # a command only the overlay (flowdeck.settings_shop) installs
    assert done.returncode == 0, done.stderr
    assert "shop_demo" in done.stdout


def test_its_arguments_reach_manage_py_unsplit():
    done = _run("shell", "-c", "from django.conf import settings; print('two words', settings.SETTINGS_MODULE)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "two words flowdeck.settings_shop"
