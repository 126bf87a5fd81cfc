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
        gr.Button().click(None, js="() => 1")
    checks = server.input_checks(demo)
    index = next(i for i, fn in demo.fns.items() if fn.api_name == "read")
    assert checks["read"] is checks[index] and sorted(checks[index]) == [0, 1, 2]
    assert checks[index][0](7) and not checks[index][0](None)
    assert checks[index][1]("c") and not checks[index][1]("a")
    assert checks[index][2]("1") and not checks[index][2](1)
    click = next(i for i, fn in demo.fns.items() if fn.name == "load_example")
    assert checks[click][0](1) == "Pick an example by its number, 0 to 0."
    browser = next(i for i, fn in demo.fns.items() if fn.fn is None)
    assert browser not in checks and browser not in server.inputs_by_event(demo)
    assert server.inputs_by_event(demo)["read"] == 4
    assert server.api_parameters(demo)["read"] == ["photo", "letter", "number", "anything"]
