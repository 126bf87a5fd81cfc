"""What an event may be sent: how many values, their names, and what each input may hold where
Gradio itself logged a traceback for anything else. Each check returns "" or what is wrong, for
guards.event_problem to answer with a 400; studio/server.events builds an Event for each event
the server runs, with checks picked by component.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

Check = Callable[[object], str]


@dataclass(frozen=True)
class Event:
    """What the guards know of one event."""

    inputs: int  # how many values it takes
    checks: dict[int, Check] = field(default_factory=dict)  # by place, for the inputs that have one
    # Its values' names on /call/v2/ (None: not in the public API).
    parameters: tuple[str, ...] | None = None
    # The places of inputs the API leaves out (a gr.State): a /call/ may send no value for
    # them, and Gradio fills them itself.
    skipped: frozenset[int] = frozenset()

    def placed(self, values: list) -> list:
        """A /call/ request's values where Gradio puts them (its prepare_simple_api_data): one
        for each input the API takes, None for those it leaves out, when there are that many;
        otherwise as they are."""
        api = [place for place in range(self.inputs) if place not in self.skipped]
        if len(values) == self.inputs or len(values) != len(api):
            return values
        placed: list = [None] * self.inputs
        for place, value in zip(api, values):
            placed[place] = value
        return placed


def an_example(count: int) -> Check:
    """An example click (gr.Examples' gr.Dataset): the example's number, 0 to count - 1 (Gradio
    also read -1 as the last)."""

    def check(value: object) -> str:
        if type(value) is int and 0 <= value < count:
            return ""
        return f"Pick an example by its number, 0 to {count - 1}." if count else "No examples."

    return check


def a_file(data_model: type) -> Check:
    """A picture input (gr.Image): nothing, or a file reference its own data model (a pydantic
    model, gr.Image's ImageData) takes; Gradio answered anything else with pydantic's error."""

    def check(value: object) -> str:
        try:
            if value is not None:
                data_model.model_validate(value)  # type: ignore[attr-defined]
        except ValueError:  # pydantic's ValidationError
            return (
                "Send the picture as an uploaded file (gradio_client: handle_file), not as a value."
            )
        return ""

    return check


def one_of(choices: list) -> Check:
    """A list to pick from (gr.Dropdown): nothing, or one of its values, of the same type (not
    True for 1)."""

    def check(value: object) -> str:
        if value is None or any(type(value) is type(c) and value == c for c in choices):
            return ""
        return f"Pick one of {', '.join(map(str, choices))}."

    return check
