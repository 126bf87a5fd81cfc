"""What one input of an event may hold (studio/input_values.py)."""

from studio.input_values import a_file, an_example, one_of


def test_an_example_is_picked_by_its_number_only():
    check = an_example(12)
    assert check(0) == check(11) == ""
    for odd in (None, 12, 9999, -1, "3", [1], 1.5, True, {"a": 1}):
        assert check(odd) == "Pick an example by its number, 0 to 11.", odd


def test_a_picture_is_a_file_reference_or_nothing():
    assert a_file(None) == a_file({"path": "x", "meta": {"_type": "gradio.FileData"}}) == ""
    for odd in (0, -1, 1.5, True, "", "7", "data:image/png;base64,AAAA", [], [{}]):
        assert "uploaded file" in a_file(odd), odd


def test_a_choice_is_one_of_the_list_or_nothing():
    check = one_of([str(d) for d in range(10)])
    assert check(None) == check("0") == check("9") == ""
    for odd in (0, 7, -1, True, 1.5, "10", "", "x" * 5000, [], ["3"], {}, {"3": 1}):
        assert check(odd) == "Pick one of 0, 1, 2, 3, 4, 5, 6, 7, 8, 9.", odd
