"""digit_core: any picture of one handwritten digit -> the 10 probabilities of a CNN.

Pure functions on numpy arrays and dicts; no UI code here (the Gradio app only wires these up).
"""

from digit_core.errors import InvalidImageError, NoDigitError
from digit_core.number import NumberReading, read_number
from digit_core.predict import DigitReading, predict, predict_proba, read_digit
from digit_core.preprocess import preprocess, preprocess_stages
from digit_core.weights import LoadedModel, load_model

__all__ = [
    "InvalidImageError",
    "NoDigitError",
    "LoadedModel",
    "load_model",
    "DigitReading",
    "NumberReading",
    "predict",
    "predict_proba",
    "preprocess",
    "preprocess_stages",
    "read_digit",
    "read_number",
]
