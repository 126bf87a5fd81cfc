"""Training the digit CNN; `train.py` is the command line over it.

The steps, one module each, read top to bottom:
  data.py       MNIST and its validation split; generated inputs (blurry scans, drawn and
                lettered digits, non-digits), read by the app's own preprocessing
  augment.py    random distortions, in training only
  fit.py        train one network (a checkpoint every epoch, in runs/seed-N/), or distil one
  calibrate.py  a temperature fitted on validation, folded into the networks
  check.py      the cut (or the fitted head) of the "is it a digit at all?" check
  finish.py     join networks, calibrate, check, save .keras + LiteRT, read the test split once
                (recorded in metrics.json under `finish --note`, with the commands that made it)
  report.py     training curves, confusion matrix, model card

Beside them: the generators of training pictures (drawings, lettering, non_digits,
number_paper, continental), convert (the browser model), review (corrections), examples; and an
experiment that does not ship, a learned line reader for whole numbers (line_reader over
number_lines).
"""
