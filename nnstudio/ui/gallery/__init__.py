"""The gallery of pictures: a tab beside the training views for picture data."""
from __future__ import annotations

from nnstudio.ui.gallery.gallery_panel import GalleryPanel

GALLERY_TAB = "Pictures"
GALLERY_TIP = ("Every picture with its class; after training, the ones the network gets wrong. "
               "Click a training picture to look at it under the magnifying glass.")
CELL_TIP = "Click a cell to see its pictures in the Pictures tab."


def attach_gallery(window) -> GalleryPanel:
    """Add the gallery to ``window.views`` as a tab shown only for picture data, and wire it:
    a confusion-matrix cell click shows that cell's pictures; "Show pictures" in the data panel
    opens the tab. The window calls ``gallery.shutdown()`` when it closes."""
    views, ctl = window.views, window.ctl
    gallery = GalleryPanel(ctl, window.runner)
    gallery.show_snapshot = lambda _snapshot: None  # the views hand snapshots to every tab
    index = views.addTab(gallery, GALLERY_TAB)
    views.setTabToolTip(index, GALLERY_TIP)

    def on_dataset_changed() -> None:
        ds = ctl.dataset
        pictures = ds is not None and ds.is_image and ds.task == "classification"
        if not pictures and views.currentWidget() is gallery:
            views.setCurrentIndex(0)
        views.setTabVisible(views.indexOf(gallery), pictures)
        views.confusion.set_click_tip(CELL_TIP if pictures else "")

    def show_gallery() -> None:
        if views.isTabVisible(views.indexOf(gallery)):
            views.setCurrentWidget(gallery)

    ctl.dataset_changed.connect(on_dataset_changed)
    views.confusion.cell_clicked.connect(
        lambda i, j: views.isTabVisible(views.indexOf(gallery)) and gallery.show_cell(i, j))
    gallery.show_requested.connect(show_gallery)
    window.data_panel.pictures_requested.connect(show_gallery)
    on_dataset_changed()
    return gallery


__all__ = ["GalleryPanel", "attach_gallery"]
