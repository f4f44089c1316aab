"""Every candidate sentence of the archive as a TF-IDF row, kept in `index/suggestions/`.

Like the index, it is derived from the records and rebuilt from them when it is missing,
from another version, or made with another vocabulary; between rebuilds only the records
whose files changed (compared by size and time, then by SHA-256) are read again. It holds
numbers, never text: each row's hashed features, where its sentence lies in its record,
the lowest audience that may read it, and its key; coded passages are rows too, with their motives.
Arrays are written with numpy's own format (read with `allow_pickle=False`: nothing in
them runs code) and opened memory-mapped, so that a server holds only what it reads.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InvalidTestimony
from ..records.coding import passages
from ..records.collection import (VOCABULARY_FILE, default_access_for, read_record,
                                  record_entries)
from ..records.redaction import AUDIENCES
from ..records.vocabulary import load_vocabulary
from ..records.writing import atomic_write
from .candidates import candidates
from .features import Rows, counted, document_frequencies, idf_weights, passage_key, weighted

FOLDER = "suggestions"
FORMAT = 3  # 3: each row's audience (0 public, 1 researchers, 2 archivists)
ANALYZER = "words"
META = np.dtype([("record", "<i4"), ("paragraph", "<i4"), ("start", "<i4"), ("end", "<i4"),
                 ("needs", "u1"), ("key", "<u8")])
CODED = np.dtype([("record", "<i4"), ("suggested", "u1")])
_ARRAYS = ("candidates.indptr", "candidates.indices", "candidates.data", "candidates.meta",
           "coded.indptr", "coded.indices", "coded.data", "coded.meta", "idf")


@dataclass
class Store:
    """The candidates and coded passages of every valid record, as rows."""

    records: list[dict]
    candidates: Rows
    meta: np.ndarray
    coded: Rows
    coded_meta: np.ndarray
    coded_motives: list[list[str]]
    idf: np.ndarray
    generation: int = 0

    def record_of(self, row: int) -> dict:
        """The record a candidate row belongs to."""
        return self.records[int(self.meta["record"][row])]


def key_number(key: str) -> int:
    """A passage key as the number the store keeps."""
    return int(key, 16)


def update_store(testimonies_dir: Path, index_dir: Path, only: list[Path] | None = None,
                 rebuild: bool = False) -> Store:
    """Bring the store up to date with the records (only the given files, when known)."""
    folder = Path(index_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        vocabulary_path = Path(testimonies_dir) / VOCABULARY_FILE
        default_access = default_access_for(testimonies_dir)
        fingerprint = f"{FORMAT}:{ANALYZER}:{default_access}:" + hashlib.sha256(
            vocabulary_path.read_bytes()).hexdigest()
        store = None if rebuild else load_store(index_dir, fingerprint)
        changes = _changes(Path(testimonies_dir), store, only, load_vocabulary(vocabulary_path),
                           default_access)
        if store is not None and changes is None:
            return store
        store = _assemble(store, *(changes or ({}, [])))
        _save(folder, store, fingerprint)
        return store


def _changes(root: Path, store: Store | None, only, vocabulary, default_access: str):
    """The records to keep `{rel: record}` and the records read anew, or None when nothing
    changed."""
    known = {record["rel"]: record for record in (store.records if store else [])}
    if only is None:
        entries = record_entries(root)
        listed = {rel for rel, _size, _mtime in entries}
        gone = [rel for rel in known if rel not in listed]
    else:
        entries, gone = [], []
        for path in only:
            rel = Path(path).absolute().relative_to(root.absolute()).as_posix()
            if Path(path).is_file():
                stat = Path(path).stat()
                entries.append((rel, stat.st_size, stat.st_mtime_ns))
            elif rel in known:
                gone.append(rel)
    kept, fresh, seen, changed = dict(known), [], {}, bool(gone) or store is None
    today = dt.date.today().isoformat()  # a lapsed embargo is read anew: its rows open
    for rel in gone:
        kept.pop(rel)
    for rel, size, mtime_ns in entries:
        old = known.get(rel)
        lapsed = old and old.get("embargo_until") and old["embargo_until"] <= today
        if old and old["size"] == size and old["mtime_ns"] == mtime_ns and not lapsed:
            continue
        raw = (root / rel).read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if old and old["sha256"] == digest and not lapsed:
            old.update(size=size, mtime_ns=mtime_ns)
            changed = True
            continue
        kept.pop(rel, None)
        changed = True
        try:
            testimony, _warnings = read_record(root / rel, vocabulary, seen, default_access)
        except InvalidTestimony:
            continue  # `archive validate` and `archive index` report it
        fresh.append(_record_rows(testimony, rel, size, mtime_ns, digest, vocabulary))
    return (kept, fresh) if changed else None


def _record_rows(testimony, rel: str, size: int, mtime_ns: int, digest: str, vocabulary):
    """One record's entry, its candidates and its coded passages (counts, unweighted)."""
    found = candidates(testimony)
    plain, coded = passages(testimony.body or "", vocabulary)
    record = {"id": testimony.id, "rel": rel, "size": size, "mtime_ns": mtime_ns,
              "sha256": digest, "language": testimony.language,
              "embargo_until": testimony.embargo_until}
    meta = np.array([(0, c.paragraph, c.start, c.end, AUDIENCES.index(c.needs),
                      key_number(passage_key(c.text))) for c in found], dtype=META)
    coded_meta = np.array([(0, p.suggested) for p in coded], dtype=CODED)
    return (record, counted([c.text for c in found], ANALYZER), meta,
            counted([p.text for p in coded], ANALYZER), coded_meta, [list(p.motives) for p in coded])


def _assemble(store: Store | None, kept: dict, fresh: list) -> Store:
    """The store of the kept records' rows and the fresh records' rows, in path order."""
    idf = store.idf if store is not None else None
    if idf is None or not len(idf):
        counts = Rows.stack([part[1] for part in fresh])
        idf = idf_weights(document_frequencies(counts), max(len(counts), 1))
    parts = []  # (rel, record, candidate rows, meta, coded rows, coded meta, motives)
    for rel, record in kept.items():
        a, b = record["rows"]
        c, d = record["coded"]
        parts.append((rel, record, _slice(store.candidates, a, b), store.meta[a:b],
                      _slice(store.coded, c, d), store.coded_meta[c:d],
                      store.coded_motives[c:d]))
    for record, rows, meta, coded, coded_meta, motives in fresh:
        parts.append((record["rel"], record, weighted(rows, idf), meta, weighted(coded, idf),
                      coded_meta, motives))
    parts.sort(key=lambda part: part[0])
    records, metas, coded_metas, motives, at, coded_at = [], [], [], [], 0, 0
    for number, (_rel, record, rows, meta, coded, coded_meta, names) in enumerate(parts):
        record = dict(record, rows=[at, at + len(rows)], coded=[coded_at, coded_at + len(coded)])
        at, coded_at = at + len(rows), coded_at + len(coded)
        records.append(record)
        meta = np.array(meta, dtype=META)
        meta["record"] = number
        metas.append(meta)
        coded_meta = np.array(coded_meta, dtype=CODED)
        coded_meta["record"] = number
        coded_metas.append(coded_meta)
        motives += names
    return Store(records, Rows.stack([p[2] for p in parts]),
                 np.concatenate(metas) if metas else np.zeros(0, META),
                 Rows.stack([p[4] for p in parts]),
                 np.concatenate(coded_metas) if coded_metas else np.zeros(0, CODED),
                 motives, idf, (store.generation + 1) if store else 1)


def _slice(rows: Rows, start: int, end: int) -> Rows:
    first, last = int(rows.indptr[start]), int(rows.indptr[end])
    return Rows(np.asarray(rows.indptr[start:end + 1]) - first,
                np.asarray(rows.indices[first:last]), np.asarray(rows.data[first:last]))


def _arrays(store: Store) -> dict:
    return {"candidates.indptr": store.candidates.indptr,
            "candidates.indices": store.candidates.indices,
            "candidates.data": store.candidates.data, "candidates.meta": store.meta,
            "coded.indptr": store.coded.indptr, "coded.indices": store.coded.indices,
            "coded.data": store.coded.data, "coded.meta": store.coded_meta, "idf": store.idf}


def _save(folder: Path, store: Store, fingerprint: str) -> None:
    """Write the store's arrays under a new generation, then the state that names it."""
    for name, array in _arrays(store).items():
        with open(folder / f"{store.generation}.{name}.npy", "wb") as out:
            np.save(out, np.ascontiguousarray(array), allow_pickle=False)
            out.flush()
            os.fsync(out.fileno())
    state = {"fingerprint": fingerprint, "generation": store.generation,
             "records": store.records, "coded_motives": store.coded_motives}
    atomic_write(folder / "state.json", json.dumps(state, ensure_ascii=False))
    for path in folder.glob("*.npy"):
        if not path.name.startswith(f"{store.generation}."):
            path.unlink(missing_ok=True)


def load_store(index_dir: Path, fingerprint: str | None = None) -> Store | None:
    """The store as last written, or None when there is none (or of another fingerprint)."""
    folder = Path(index_dir) / FOLDER
    try:
        state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
        if fingerprint is not None and state.get("fingerprint") != fingerprint:
            return None
        arrays = {name: np.load(folder / f"{state['generation']}.{name}.npy", mmap_mode="r",
                                allow_pickle=False) for name in _ARRAYS}
    except (OSError, ValueError, KeyError):
        return None
    return Store(state["records"],
                 Rows(arrays["candidates.indptr"], arrays["candidates.indices"],
                      arrays["candidates.data"]), arrays["candidates.meta"],
                 Rows(arrays["coded.indptr"], arrays["coded.indices"], arrays["coded.data"]),
                 arrays["coded.meta"], state["coded_motives"], np.asarray(arrays["idf"]),
                 state["generation"])
