"""Multi-turn dialogue: flows as YAML, compiled into ``transitions`` state machines.

Design
------
- **Flows are data** (``flows/*.yml``, ``version: 1``). A flow names the intents that start
  it, its slots (which entity fills each, validation, the question when it is missing, the
  reply when it is invalid, how many tries before giving up), an optional confirmation, one
  action (a device action such as ``turn_on``, or a built-in: ``reply``, ``state.read``,
  ``scene.activate``, ``timer.start``, ``timer.cancel``, ``timer.status``) and its response
  templates. ``DialogueEngine.load`` checks every name against the NLU domain and the device
  actions at start-up and raises one ``FlowValidationError`` (E600) listing every problem
  with file:line.
- **One machine per flow** (``transitions.extensions.asyncio.AsyncMachine`` built from a dict
  config, see ``machine.py``) serves every conversation: states ``start -> choose_<slot> /
  collect_<slot> -> confirm -> act -> done``. Each turn attaches a per-turn model (``Run``)
  initialised from the stored step, fires ``advance``/``decline``/``give_up``/``abort`` and
  detaches it.
- **State lives outside**: ``handle_turn(parses, state, executor, raw_text=...)`` takes a
  ``DialogueState`` and returns a new one in ``TurnResult``; ``to_dict``/``from_dict`` are
  plain JSON for storage, so a restart resumes the conversation where it was.
- **Devices through a Protocol**: the engine never imports ``assistant.actions``; it asks an
  ``Executor`` (implemented by the server) to resolve names, act, read state, run scenes and
  timers. Replies say what the executor reports really happened.
- **Context** (in ``DialogueState.context``): the last devices and flow values ("turn it
  off", "and the bedroom too", "make it warmer" on the last climate device), flows paused by
  a digression, and clauses waiting behind a question.
- **Multi-intent**: the server splits text with ``split_clauses`` and passes one parse per
  clause; the turn's replies are answered together (``TurnResult.text``).

Public API
----------
``DialogueEngine`` (``load``, ``handle_turn``, ``timer_fired``), ``TurnResult``,
``DialogueState``, ``Executor`` with ``DeviceQuery``, ``Resolved``, ``ActionOutcome``,
``TimerInfo``, ``split_clauses``, ``FlowValidationError``, ``FlowsNotFoundError``,
``DialogueStateError``.
"""

from assistant.dialogue.clauses import split_clauses
from assistant.dialogue.engine import DialogueEngine, TurnResult
from assistant.dialogue.errors import DialogueStateError, FlowsNotFoundError, FlowValidationError
from assistant.dialogue.executor import ActionOutcome, DeviceQuery, Executor, Resolved, TimerInfo
from assistant.dialogue.state import DialogueState

__all__ = [
    "ActionOutcome",
    "DeviceQuery",
    "DialogueEngine",
    "DialogueState",
    "DialogueStateError",
    "Executor",
    "FlowValidationError",
    "FlowsNotFoundError",
    "Resolved",
    "TimerInfo",
    "TurnResult",
    "split_clauses",
]
