"""Training the digit CNN: data -> augmentation -> fit -> calibrate -> check -> finish -> report.
`train.py` is the command line over it."""
