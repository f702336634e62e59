"""A calm countdown on the terminal while the speaker keeps a long quiet."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.text import Text

from local_speaker.voice import Rendered

MIN_QUIET_S = 5.0  # shorter quiet needs no countdown


def label(remaining_s: float) -> Text:
    minutes, seconds = divmod(max(0, int(remaining_s + 0.999)), 60)
    return Text(f"   quiet · {minutes}:{seconds:02d}", style="dim italic")


class Countdown:
    """Shows the time left in the current stretch of quiet; invisible otherwise."""

    def __init__(
        self, console: Console, rendered: Rendered, *, min_quiet_s: float = MIN_QUIET_S
    ) -> None:
        self.console = console
        self.rendered = rendered
        self.min_quiet = int(min_quiet_s * rendered.rate)
        self._live: Live | None = None
        self._shown = ""

    def __enter__(self) -> Countdown:
        if self.console.is_terminal:
            self._live = Live(
                Text(""),
                console=self.console,
                transient=True,
                refresh_per_second=4,
                auto_refresh=False,
            )
            self._live.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.__exit__(kind, error, trace)
            self._live = None

    def tick(self, sample: int) -> None:
        if self._live is None:
            return
        quiet = self.rendered.quiet_at(sample)
        if quiet is None or quiet.length < self.min_quiet:
            text = Text("")
        else:
            text = label((quiet.end - sample) / self.rendered.rate)
        if text.plain != self._shown:
            self._shown = text.plain
            self._live.update(text, refresh=True)
