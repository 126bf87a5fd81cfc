"""The two ways an input can fail, each with a message meant for the person who sent it."""


class InvalidImageError(ValueError):
    """The input is not a usable image (unreadable file, unsupported format, wrong values, too
    big)."""


class NoDigitError(ValueError):
    """The image is fine but holds nothing to classify (blank canvas, uniform picture, noise)."""
