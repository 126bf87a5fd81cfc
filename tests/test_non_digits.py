import numpy as np

from training.lettering import HAND_FONTS, font_families
from training.non_digits import KINDS, non_digit


def test_the_check_is_measured_on_fonts_and_hands_it_never_learnt_from():
    train, test = font_families("train"), font_families("test")
    assert not {f for family in train for f in family} & {f for family in test for f in family}
    assert not {f.parent for family in train[1:] for f in family} & {
        f.parent for family in test[1:] for f in family
    }  # whole handwriting families apart
    for half, families in (("train", train), ("test", test)):
        assert len(families) == 1 + len(HAND_FONTS[half])  # print, then each hand
        assert all(f.suffix in (".ttf", ".otf") for family in families for f in family)


def test_every_kind_but_noise_draws_ink_on_white_paper():
    rng = np.random.default_rng(0)
    for kind in [k for k in KINDS if k != "noise"]:
        for fonts in ("train", "test"):
            picture = non_digit(kind, rng, fonts=fonts)
            assert picture.shape == (512, 512, 3) and picture.dtype == np.uint8
            assert np.median(picture) == 255 and picture.min() < 128, (kind, fonts)
