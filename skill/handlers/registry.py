"""The one ordered list of handlers and interceptors: first match wins, catch-all last."""

from __future__ import annotations

from ask_sdk_core.dispatch_components import (
    AbstractRequestHandler,
    AbstractRequestInterceptor,
    AbstractResponseInterceptor,
)

from skill.engine.context import Deps
from skill.handlers import (
    audio,
    general,
    guided,
    interceptors,
    launch,
    menu,
    names,
    pain,
    progress,
    reminders,
    talk,
    timed,
    timers,
)


def request_handlers(deps: Deps) -> list[AbstractRequestHandler]:
    return [
        launch.LaunchHandler(deps),
        general.SkillDisabledHandler(deps),
        general.SessionEndedHandler(deps),
        # Alexa's answers to its permission prompts (requests, not intents): the reminder's
        # (its token says so), then the massage timers'.
        reminders.ReminderPermissionHandler(deps),
        timed.PermissionResponseHandler(deps),
        # Long rituals on AudioPlayer (audio.py): playback events, device buttons, Alexa's
        # directive errors, and the built-in intents while our track is loaded; before the
        # ordinary Stop/Pause/Next so that "Alexa, pause" pauses the track.
        audio.PlaybackEventHandler(deps),
        audio.PlaybackFinishedHandler(deps),
        audio.PlaybackControllerHandler(deps),
        audio.ExceptionEncounteredHandler(deps),
        audio.AudioIntentHandler(deps),
        general.ForgetUsHandler(deps),
        reminders.CancelReminderHandler(deps),
        timers.HugTimerHandler(deps),
        timers.KissHandler(deps),
        timed.BreathingHandler(deps),
        timed.MassageTimerHandler(deps),
        guided.StartRitualHandler(deps),
        guided.ContinueHandler(deps),
        guided.PainLevelHandler(deps),
        pain.HighPainDayHandler(deps),
        pain.TouchHurtsHandler(deps),
        talk.QuestionHandler(deps),
        talk.WordsHandler(deps),
        talk.AnotherOneHandler(deps),
        menu.AddToMenuHandler(deps),
        menu.RemoveFromMenuHandler(deps),
        menu.ListMenuHandler(deps),
        menu.PickFromMenuHandler(deps),
        menu.StartChallengeHandler(deps),
        menu.ChallengeDoneHandler(deps),
        menu.ChallengeStatusHandler(deps),
        progress.HowAreWeDoingHandler(deps),
        progress.PracticeIdeaHandler(deps),
        names.SetNamesHandler(deps),
        names.CallMeHandler(deps),
        names.ForgetNamesHandler(deps),
        names.ThisIsHandler(deps),
        general.AboutHandler(deps),
        general.MoreHandler(deps),
        guided.NextHandler(deps),
        guided.SkipHandler(deps),
        guided.MoreTimeHandler(deps),
        general.RepeatHandler(deps),
        guided.StartOverHandler(deps),
        # Every yes or no: the pending question's answer path first (skill.engine.offers).
        guided.YesNoHandler(deps),
        general.HelpHandler(deps),
        general.StopHandler(deps),
        general.GoFirstHandler(deps),
        general.FallbackHandler(deps),
        general.UnknownRequestHandler(deps),  # must stay last
    ]


def request_interceptors(deps: Deps) -> list[AbstractRequestInterceptor]:
    return [interceptors.TimingInterceptor()]


def response_interceptors(deps: Deps) -> list[AbstractResponseInterceptor]:
    # Save the record first (it may add a spoken note), then the session, then log.
    return [
        interceptors.SaveCoupleInterceptor(deps),
        interceptors.SaveSessionInterceptor(),
        interceptors.LogInterceptor(),
    ]


def exception_handler(deps: Deps) -> general.CatchAllExceptionHandler:
    return general.CatchAllExceptionHandler(deps)
