"""Helpers shared by the tests: where things are, and writing a record file."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "testimonies"
BROKEN = Path(__file__).resolve().parent / "broken"


def write_record(folder: Path, testimony_id: str, body: str = "A short account.\n",
                 **fields) -> Path:
    """Write a record file with sensible defaults for the required fields."""
    meta = {"title": f"Testimony {testimony_id}", "year": 2016, "post": "Clerk",
            "sector": "civilian", "motives": []}
    meta.update(fields)
    path = folder / f"{testimony_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    path.write_text(f"---\n{text}---\n\n{body}", encoding="utf-8")
    return path
