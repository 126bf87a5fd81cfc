"""What one input of an event may hold, for the inputs where Gradio itself logged a traceback
for anything else: each check returns "" or what is wrong, for guards.event_problem to answer
with a 400. studio/server.input_checks picks them by component.
"""

from collections.abc import Callable

Check = Callable[[object], str]


def an_example(count: int) -> Check:
    """An example click (gr.Examples' gr.Dataset): the example's number, 0 to count - 1 (Gradio
    also read -1 as the last)."""

    def check(value: object) -> str:
        if type(value) is int and 0 <= value < count:
            return ""
        return f"Pick an example by its number, 0 to {count - 1}."

    return check


def a_file(value: object) -> str:
    """A picture input (gr.Image): an uploaded file's reference, or nothing (Gradio's own check
    answered with a pydantic error)."""
    if value is None or isinstance(value, dict):
        return ""
    return "Send the picture as an uploaded file (gradio_client: handle_file), not as a value."


def one_of(choices: list[str]) -> Check:
    """A list to pick from (gr.Dropdown): one of its values, or nothing."""

    def check(value: object) -> str:
        if value is None or (isinstance(value, str) and value in choices):
            return ""
        return f"Pick one of {', '.join(choices)}."

    return check
