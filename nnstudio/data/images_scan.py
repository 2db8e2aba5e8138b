"""Finding the pictures of an image folder (one sub-folder per class) and wording what was left out.

Walking the folder is kept apart from decoding (:mod:`nnstudio.data.images`) so the rules of
what counts as a class, a picture or a file to leave out live in one place: hidden files
(``.DS_Store``, macOS ``._`` copies, ``Thumbs.db``), files of other kinds, files directly in the
top folder, links that lead back into a folder already read (a loop would never end) and
broken links. Nothing here is fatal except a folder that has no classes to learn.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from nnstudio.errors import DataError

#: File endings read as pictures (the formats Pillow is asked to decode, see images.FORMATS).
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif"})
#: Files an operating system leaves in folders; never pictures, left out like hidden files.
SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", "icon\r"})
#: Names listed per kind of skipped file before "and N more".
LISTED = 5

#: Why a file was left out -> (the words after "Skipped N file(s) that ...", singular, plural).
REASONS: dict[str, tuple[str, str]] = {
    "not_picture": ("is not a picture nnstudio reads (PNG, JPEG, BMP or GIF)",
                    "are not pictures nnstudio reads (PNG, JPEG, BMP or GIF)"),
    "unreadable": ("could not be read as a picture (damaged, cut short, or not really a picture)",
                   "could not be read as pictures (damaged, cut short, or not really pictures)"),
    "16bit": ("has 16 bits per channel (only 8-bit pictures are read: save it with 8 bits)",
              "have 16 bits per channel (only 8-bit pictures are read: save them with 8 bits)"),
    "cmyk": ("uses CMYK printing colours (save it as RGB)", "use CMYK printing colours (save them as RGB)"),
    "odd_mode": ("has a kind of pixel nnstudio does not read", "have a kind of pixel nnstudio does not read"),
    "tiny": ("is too small to be a picture (under 3 x 3 pixels)",
             "are too small to be pictures (under 3 x 3 pixels)"),
    "outside": ("lies directly in the top folder, not in a class folder",
                "lie directly in the top folder, not in a class folder"),
    "hidden": ("is hidden or a system file (such as .DS_Store or Thumbs.db)",
               "are hidden or system files (such as .DS_Store or Thumbs.db)"),
    "loop": ("is a folder link leading back into a folder already read (not followed)",
             "are folder links leading back into folders already read (not followed)"),
    "broken_link": ("is a link to something that does not exist", "are links to things that do not exist"),
}


@dataclass
class Skipped:
    """Files left out, by reason (keys of :data:`REASONS`), as paths relative to the top folder."""

    by_reason: dict[str, list[str]] = field(default_factory=dict)

    def add(self, reason: str, relpath: str) -> None:
        self.by_reason.setdefault(reason, []).append(relpath)

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.by_reason.values())

    def notes(self) -> list[str]:
        """One plain sentence per reason, naming the first few files."""
        out = []
        for reason, (one, many) in REASONS.items():
            paths = self.by_reason.get(reason)
            if not paths:
                continue
            n = len(paths)
            listed = ", ".join(paths[:LISTED]) + (f" and {n - LISTED} more" if n > LISTED else "")
            out.append(f"Skipped {n} file{'s' if n != 1 else ''} that {one if n == 1 else many}: {listed}.")
        return out


@dataclass
class FolderScan:
    """What :func:`scan_folder` found.

    Attributes
    ----------
    classes : list of str
        Class folder names in natural order ("2" before "10"), each holding at least one candidate.
    files : list of (str, str, int)
        ``(absolute path, path relative to the top folder, class index)`` of each candidate picture,
        class by class, names in natural order within a class.
    skipped : Skipped
    empty_classes : list of str
        Class folders without a single candidate picture (left out).
    """

    classes: list[str]
    files: list[tuple[str, str, int]]
    skipped: Skipped
    empty_classes: list[str]


def natural_key(name: str) -> list:
    """Sort key that puts "img2" before "img10" and "2" before "10" (case-insensitive)."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part.lower())
            for part in re.split(r"(\d+)", name) if part]


def _hidden(name: str) -> bool:
    return name.startswith(".") or name.lower() in SYSTEM_FILES


def scan_folder(root: str | os.PathLike) -> FolderScan:
    """Find the class folders of ``root`` and the candidate pictures in each (sub-folders too).

    Raises
    ------
    DataError
        When ``root`` is not a folder, has no class sub-folders, or fewer than two of them
        hold pictures.
    """
    top = Path(root).expanduser()
    if not top.is_dir():
        what = "does not exist" if not top.exists() else "is a file, not a folder"
        raise DataError(f"The image folder {str(top)!r} {what}. Choose a folder with one sub-folder "
                        "per class, e.g. pets/cat/*.jpg and pets/dog/*.jpg.")
    skipped = Skipped()
    class_dirs: list[os.DirEntry] = []
    loose = 0
    for entry in _entries(top):
        if _hidden(entry.name):
            skipped.add("hidden", entry.name)
        elif _is_dir(entry):
            class_dirs.append(entry)
        elif entry.is_symlink() and not os.path.exists(entry.path):
            skipped.add("broken_link", entry.name)
        else:
            loose += 1
            skipped.add("outside", entry.name)
    if not class_dirs:
        found = f" (it holds {loose} file{'s' if loose != 1 else ''} but no sub-folders)" if loose else ""
        raise DataError(f"The folder {str(top)!r} has no class folders{found}. Put each class's "
                        f"pictures in a sub-folder named after the class, e.g. {top.name}/cat/1.jpg "
                        f"and {top.name}/dog/1.jpg; the folder names become the class names.")
    class_dirs.sort(key=lambda e: natural_key(e.name))
    visited = {os.path.realpath(top)}
    classes: list[str] = []
    files: list[tuple[str, str, int]] = []
    empty: list[str] = []
    for entry in class_dirs:
        pictures = _walk_class(entry.path, entry.name, visited, skipped)
        if not pictures:
            empty.append(entry.name)
            continue
        index = len(classes)
        classes.append(entry.name)
        files.extend((path, rel, index) for path, rel in pictures)
    check_classes(top, classes, empty)
    return FolderScan(classes, files, skipped, empty)


def check_classes(top: Path, classes: list[str], empty: list[str]) -> None:
    """Refuse, in plain words, a folder with fewer than two classes that hold pictures."""
    if len(classes) >= 2:
        return
    if not classes:
        raise DataError(f"None of the class folders in {str(top)!r} holds a picture nnstudio can "
                        "read (PNG, JPEG, BMP or GIF).")
    others = f" (the other folder{'s' if len(empty) != 1 else ''}, {', '.join(map(repr, empty))}, " \
             "held no readable pictures)" if empty else ""
    raise DataError(f"The folder {str(top)!r} holds pictures of only one class, {classes[0]!r}"
                    f"{others}. A network learns to tell classes apart: add a sub-folder with the "
                    "pictures of at least one other class.")


def _entries(folder: str | Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as it:
            return list(it)
    except OSError as exc:
        raise DataError(f"The folder {str(folder)!r} cannot be read ({exc.strerror or exc}).") from None


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir(follow_symlinks=True)
    except OSError:
        return False


def _walk_class(folder: str, rel: str, visited: set[str], skipped: Skipped) -> list[tuple[str, str]]:
    """Candidate pictures under class folder ``folder`` (depth first, natural order)."""
    real = os.path.realpath(folder)
    if real in visited:
        skipped.add("loop", rel)
        return []
    visited.add(real)
    try:
        entries = sorted(_entries(folder), key=lambda e: natural_key(e.name))
    except DataError:
        skipped.add("unreadable", rel + "/")
        return []
    found: list[tuple[str, str]] = []
    for entry in entries:
        sub = f"{rel}/{entry.name}"
        if _hidden(entry.name):
            skipped.add("hidden", sub)
        elif _is_dir(entry):
            found.extend(_walk_class(entry.path, sub, visited, skipped))
        elif entry.is_symlink() and not os.path.exists(entry.path):
            skipped.add("broken_link", sub)
        elif os.path.splitext(entry.name)[1].lower() in IMAGE_SUFFIXES:
            found.append((entry.path, sub))
        else:
            skipped.add("not_picture", sub)
    return found
