"""What the guarded server learns from an app's events (studio/server.py)."""

import gradio as gr

from studio import server


def read_values(photo, letter, number, anything):
    return ""


def test_each_input_that_gradio_fails_on_gets_a_check_and_browser_events_are_left_out():
    with gr.Blocks() as demo:
        picture, pick, number = gr.Image(), gr.Dropdown(["a", "b"]), gr.Dropdown([1, 2])
        free = gr.Dropdown(["a"], allow_custom_value=True)
        out = gr.Textbox()
        gr.Examples([["x.png"]], [gr.Textbox()])  # a gr.Dataset: its clicks
        gr.Button().click(read_values, [picture, pick, number, free], out, api_name="read")
        gr.Button().click(read_values, [picture, gr.State(), pick, free], out, api_name="kept")
        gr.Button().click(None, js="() => 1")
    events = server.events(demo)
    index = next(i for i, fn in demo.fns.items() if fn.api_name == "read")
    read = events[index]
    assert events["read"] is read and read.inputs == 4
    assert read.parameters == ("photo", "letter", "number", "anything")
    assert sorted(read.checks) == [0, 1, 2]
    assert read.checks[0](7) and not read.checks[0](None)
    assert read.checks[1]("c") and not read.checks[1]("a")
    assert read.checks[2]("1") and not read.checks[2](1)
    click = next(i for i, fn in demo.fns.items() if fn.name == "load_example")
    assert events[click].checks[0](1) == "Pick an example by its number, 0 to 0."
    assert events[click].parameters is None  # not part of the public API
    kept = events["kept"]  # a gr.State: no value by name, none on a /call/ of three values
    assert kept.skipped == {1} and kept.parameters == ("photo", "number", "anything")
    assert kept.placed(["p", "n", "a"]) == ["p", None, "n", "a"]
    assert kept.placed(["p", "s", "n", "a"]) == ["p", "s", "n", "a"]
    assert read.skipped == frozenset() and read.placed(["p", "l", "n"]) == ["p", "l", "n"]
    browser = next(i for i, fn in demo.fns.items() if fn.fn is None)
    assert browser not in events
