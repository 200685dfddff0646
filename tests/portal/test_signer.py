"""The portal's vendored browser-signer libraries are the registry's files, unchanged: each file
under api/portal/static/vendor/ equals the one in node_modules when the installed package is the
version package.json pins (`npm ci` installs exactly that in CI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "api" / "portal" / "static" / "vendor"
PACKAGES = {"noble-secp256k1": "@noble/secp256k1", "noble-hashes": "@noble/hashes"}


def _pinned(package: str) -> str:
    return str(json.loads((ROOT / "package.json").read_text())["devDependencies"][package])


@pytest.mark.parametrize("folder", sorted(PACKAGES))
def test_each_vendored_file_is_the_pinned_packages_own(folder: str) -> None:
    package = PACKAGES[folder]
    installed = ROOT / "node_modules" / package
    if not (installed / "package.json").exists():
        pytest.skip(f"{package} is not installed (run `npm ci`)")
    version = json.loads((installed / "package.json").read_text())["version"]
    assert version == _pinned(package), f"node_modules holds {package} {version}, package.json pins {_pinned(package)}"
    files = sorted(p for p in (VENDOR / folder).iterdir() if p.is_file())
    assert any(p.suffix == ".js" for p in files)
    for path in files:
        assert path.read_bytes() == (installed / path.name).read_bytes(), f"{path.relative_to(ROOT)} was changed"


def test_the_vendor_readme_names_the_pinned_versions() -> None:
    readme = (VENDOR / "README.md").read_text()
    for package in PACKAGES.values():
        assert f"`{package}` | {_pinned(package)} |" in readme
