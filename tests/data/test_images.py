"""Reading an image folder: odd files skipped and named, sizes, grey and colour, memory, progress."""
from __future__ import annotations

import os
import tracemalloc

import numpy as np
import pytest
from PIL import Image

from nnstudio.data import load_dataset_source
from nnstudio.data.dataset import PixelNames
from nnstudio.data.images import read_image_folder
from nnstudio.errors import Cancelled, DataError


def _picture(path, size=(12, 10), colour=(200, 30, 30), mode="RGB", fmt=None):
    """A picture of ``size`` (width, height): ``colour`` on the left half, black on the right."""
    w, h = size
    img = Image.new(mode, size, 0)
    img.paste(colour if mode != "L" else colour[0], (0, 0, w // 2, h))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    img.save(path, fmt)


@pytest.fixture
def pets(tmp_path):
    """Two classes of 3 good pictures each (PNG, JPEG, BMP, GIF) plus every kind of odd file."""
    root = tmp_path / "pets"
    for name, fmt in (("1.png", None), ("2.jpg", None), ("3.bmp", None)):
        _picture(str(root / "cat" / name), fmt=fmt)
    for name in ("a.gif", "b.png", "c.PNG"):
        _picture(str(root / "dog" / name), colour=(30, 30, 200))
    (root / "cat" / "notes.txt").write_text("not a picture")                  # other kind of file
    (root / "cat" / "fake.png").write_text("a text file with a picture's name")   # unreadable header
    good = (root / "cat" / "1.png").read_bytes()
    (root / "cat" / "cut.png").write_bytes(good[: len(good) // 2])            # truncated: decoding fails
    Image.fromarray(np.full((8, 8), 40000, dtype=np.uint16)).save(root / "dog" / "deep.png")  # 16-bit
    Image.new("CMYK", (8, 8), (0, 50, 50, 0)).save(root / "dog" / "print.jpg")  # CMYK
    Image.new("RGB", (1, 1)).save(root / "dog" / "pixel.png")                  # 1x1
    (root / "empty").mkdir()                                                   # empty class
    (root / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")                          # hidden files
    (root / "cat" / "._1.png").write_bytes(b"\0\5\26\7")
    (root / "readme.txt").write_text("about these pictures")                   # not in a class
    os.symlink(root, root / "dog" / "loop")                                    # a link loop
    return root


def test_each_odd_file_is_skipped_and_named_in_plain_words(pets):
    ds = read_image_folder(pets, size=8)
    assert ds.class_names == ["cat", "dog"]
    assert ds.n_samples == 6 and ds.class_counts() == {"cat": 3, "dog": 3}
    text = "\n".join(ds.notes)
    expected = {
        "not a picture nnstudio reads (PNG, JPEG, BMP or GIF): cat/notes.txt": 1,
        "could not be read as pictures (damaged, cut short, or not really pictures): "
        "cat/fake.png, cat/cut.png": 1,
        "16 bits per channel (only 8-bit pictures are read: save it with 8 bits): dog/deep.png": 1,
        "CMYK printing colours (save it as RGB): dog/print.jpg": 1,
        "too small to be a picture (under 3 x 3 pixels): dog/pixel.png": 1,
        "hidden or system files (such as .DS_Store or Thumbs.db): .DS_Store, cat/._1.png": 1,
        "directly in the top folder, not in a class folder: readme.txt": 1,
        "leading back into a folder already read (not followed): dog/loop": 1,
        "The class folder 'empty' holds no picture that could be read; it is left out.": 1,
    }
    for words, count in expected.items():
        assert text.count(words) == count, (words, text)


def test_pictures_are_resized_and_read_in_grey_or_colour(pets):
    colour = read_image_folder(pets, size=(6, 10), colour="colour")
    assert colour.X.shape == (6, 6, 10, 3) and colour.X.dtype == np.uint8
    assert colour.source == {"kind": "images", "path": str(pets), "size": [6, 10], "colour": "colour"}
    cat = colour.X[colour.y == 0]
    # Left half red, right half black, whatever the format (JPEG within its loss).
    assert np.all(np.abs(cat[:, :, 1, 0].astype(int) - 200) < 25)
    assert np.all(cat[:, :, 8, :] < 25)
    dog = colour.X[colour.y == 1]
    assert np.all(dog[:, :, 1, 2] > 175) and np.all(dog[:, :, 1, 0] < 55)
    grey = read_image_folder(pets, size=5, colour="grey")
    assert grey.X.shape == (6, 5, 5, 1)
    # Pillow's grey: 0.299 R + 0.587 G + 0.114 B.
    assert abs(int(grey.X[grey.y == 0][0, 0, 0, 0]) - round(0.299 * 200 + 0.587 * 30 + 0.114 * 30)) <= 3
    # "auto" reads colour as soon as one picture has colours.
    assert read_image_folder(pets, size=5).X.shape[3] == 3


def test_auto_colour_is_grey_for_grey_pictures_and_auto_size_is_the_capped_median(tmp_path):
    root = tmp_path / "letters"
    for i, (w, h) in enumerate([(20, 30), (22, 32), (200, 300)]):
        _picture(str(root / "a" / f"{i}.png"), size=(w, h), colour=(90, 90, 90), mode="L")
        _picture(str(root / "b" / f"{i}.png"), size=(w, h), colour=(180, 180, 180), mode="L")
    ds = read_image_folder(root, size="auto")
    assert ds.X.shape == (6, 32, 22, 1)  # median (height 32, width 22), grey
    assert any("different sizes (from 30 x 20 to 300 x 200 pixels)" in n for n in ds.notes)
    big = tmp_path / "photos"
    for c in ("x", "y"):
        _picture(str(big / c / "1.png"), size=(300, 200))
    assert read_image_folder(big, size="auto").X.shape[1:3] == (43, 64)  # longer side capped at 64


def test_a_phone_photo_stored_sideways_is_turned_as_its_exif_note_says(tmp_path):
    root = tmp_path / "phone"
    for c in ("a", "b"):
        os.makedirs(root / c)
        img = Image.new("RGB", (24, 16), (0, 0, 0))
        img.paste((255, 255, 255), (0, 0, 12, 16))  # stored: white on the left
        exif = Image.Exif()
        exif[0x0112] = 6  # "turn 90 degrees clockwise to show"
        img.save(root / c / "p.jpg", exif=exif, quality=95)
    ds = read_image_folder(root, size="auto", colour="grey")
    assert ds.X.shape == (2, 24, 16, 1)  # shown upright: 16 wide, 24 high
    shown = ds.X[0, :, :, 0].astype(int)
    assert shown[:10].mean() > 200 and shown[14:].mean() < 50  # white now on top


def test_transparent_parts_are_white(tmp_path):
    root = tmp_path / "icons"
    for c in ("a", "b"):
        img = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
        img.putpixel((0, 0), (255, 0, 0, 255))
        os.makedirs(root / c)
        img.save(root / c / "i.png")
    X = read_image_folder(root, size=4, colour="colour").X
    assert X[0, 0, 0].tolist() == [255, 0, 0] and X[0, 3, 3].tolist() == [255, 255, 255]


@pytest.mark.parametrize("layout, words", [
    ({"1.png": None, "2.png": None}, "has no class folders (it holds 2 files but no sub-folders)"),
    ({"cat/1.png": None, "cat/2.png": None}, "holds pictures of only one class, 'cat'"),
    ({"cat/1.png": None, "dog/broken.png": b"junk"}, "only one class, 'cat' (the other folder, 'dog', "
                                                     "held no readable pictures)"),
    ({"cat/a.txt": b"x", "dog/b.txt": b"y"}, "None of the class folders"),
])
def test_a_folder_without_two_classes_is_refused_in_plain_words(tmp_path, layout, words):
    for rel, content in layout.items():
        path = tmp_path / "data" / rel
        if content is None:
            _picture(str(path))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    with pytest.raises(DataError) as err:
        read_image_folder(tmp_path / "data")
    assert words in str(err.value)


def test_bad_settings_and_missing_folders_name_the_value(tmp_path):
    with pytest.raises(DataError, match="size must be between 4 and 512 pixels a side, got 2"):
        read_image_folder(tmp_path, size=2)
    with pytest.raises(DataError, match="colour must be one of grey, colour, auto, got 'sepia'"):
        read_image_folder(tmp_path, colour="sepia")
    with pytest.raises(DataError, match="does not exist"):
        read_image_folder(tmp_path / "nowhere")


def test_a_set_too_big_for_memory_is_refused_before_allocating(pets, monkeypatch):
    import nnstudio.engine.memory as memory

    monkeypatch.setattr(memory, "memory_limit", lambda: 100_000)
    with pytest.raises(DataError, match=r"7 pictures of 512 x 512 pixels in colour need 5\.2 MB, more than"):
        read_image_folder(pets, size=512, colour="colour")


def test_memory_held_stays_within_1_2x_the_raw_uint8_pixels(tmp_path):
    root = tmp_path / "many"
    rng = np.random.default_rng(0)
    for c in range(3):
        os.makedirs(root / f"c{c}")
        for i in range(40):
            pixels = rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / f"c{c}" / f"{i}.png")
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        ds = read_image_folder(root, size=48, colour="colour")
        held, peak = (v - before for v in tracemalloc.get_traced_memory())
    finally:
        tracemalloc.stop()
    raw = 120 * 48 * 48 * 3
    assert ds.X.nbytes == raw and ds.X.base is None or ds.X.base.nbytes <= 1.2 * raw
    assert held <= 1.2 * raw, (held, raw)
    assert peak <= 1.2 * raw, (peak, raw)
    # The names of 6,912 values are made only when asked for.
    assert isinstance(ds.feature_names, PixelNames) and ds.feature_names[5] == "pixel (0, 1) blue"
    assert ds.table.shape == (120, 6912) and np.shares_memory(ds.table, ds.X)


def test_progress_reaches_one_and_cancel_stops(pets):
    seen: list[float] = []
    read_image_folder(pets, size=8, progress=seen.append)
    assert seen[-1] == 1.0 and seen.count(1.0) == 1 and seen == sorted(seen) and len(seen) > 3
    polls = []

    def cancel() -> bool:
        polls.append(1)
        return len(polls) > 3

    with pytest.raises(Cancelled, match="Reading the pictures in 'pets' was cancelled"):
        read_image_folder(pets, size=8, progress=seen.append, cancel=cancel)


def test_the_source_reloads_to_the_same_pixels(pets):
    ds = read_image_folder(pets, size="auto", colour="auto")
    again = load_dataset_source(ds.source)
    assert ds.source["size"] == [10, 12] and ds.source["colour"] == "colour"
    np.testing.assert_array_equal(again.X, ds.X)
    np.testing.assert_array_equal(again.y, ds.y)
