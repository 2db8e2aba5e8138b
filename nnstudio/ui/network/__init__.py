"""The network the user builds: the canvas, the layer palette and the inspector of one layer."""
