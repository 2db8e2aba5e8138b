"""The data the network learns from: choosing a data set, the CSV import dialog, the split and
the scatter plot of the data."""
