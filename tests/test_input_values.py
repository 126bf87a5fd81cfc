"""What one input of an event may hold (studio/input_values.py)."""

from gradio.data_classes import ImageData

from studio.input_values import a_file, an_example, one_of


def test_an_example_is_picked_by_its_number_only():
    check = an_example(12)
    assert check(0) == check(11) == ""
    for odd in (None, 12, 9999, -1, "3", [1], 1.5, True, {"a": 1}):
        assert check(odd) == "Pick an example by its number, 0 to 11.", odd
    assert an_example(0)(0) == "No examples."


def test_a_picture_is_what_its_data_model_takes_or_nothing():
    check = a_file(ImageData)
    assert check(None) == check({"path": "x", "meta": {"_type": "gradio.FileData"}}) == ""
    odd_values = (0, -1, 1.5, True, "", "7", "data:image/png;base64,AAAA", [], [{}])
    for odd in (*odd_values, {"size": "x"}, {"meta": 5}, {"orig_name": [1]}):
        assert "uploaded file" in check(odd), odd


def test_a_choice_is_one_of_the_list_of_the_same_type_or_nothing():
    check = one_of([str(d) for d in range(10)])
    assert check(None) == check("0") == check("9") == ""
    for odd in (0, 7, -1, True, 1.5, "10", "", "x" * 5000, [], ["3"], {}, {"3": 1}):
        assert check(odd) == "Pick one of 0, 1, 2, 3, 4, 5, 6, 7, 8, 9.", odd
    numbers = one_of([1, 2.5])
    assert numbers(1) == numbers(2.5) == ""
    assert numbers(True) == numbers("1") == numbers(2) == "Pick one of 1, 2.5."
