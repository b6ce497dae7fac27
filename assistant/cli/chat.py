"""`assistant shell`: chat with the assistant in the terminal, in-process (no HTTP)."""

from __future__ import annotations

import asyncio
import uuid

from assistant.cli._printer import console
from assistant.config import Settings
from assistant.errors import AssistantError


async def chat(settings: Settings) -> None:
    from assistant.server.auth import LOCAL
    from assistant.server.services import open_services
    from assistant.server.timers import TimerScheduler
    from assistant.server.turns import handle_message

    async with open_services(settings) as services:
        for part in services.components():
            await part.wait()
        scheduler = TimerScheduler(services)
        scheduler.start()
        conversation = f"shell-{uuid.uuid4().hex[:12]}"
        nlu = services.nlu.get().info()
        console.print(f"Chat with the assistant (conversation {conversation}; NLU: "
                      f"{nlu.backend} backend, model {nlu.model_version}). "
                      "Ctrl-D or /exit to quit.", markup=False)
        loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    line = await loop.run_in_executor(None, input, "you> ")
                except (EOFError, KeyboardInterrupt):
                    console.print()
                    return
                if line.strip() in ("/exit", "/quit"):
                    return
                try:
                    outcome = await handle_message(
                        services, line, conversation_id=conversation, channel="shell",
                        sender="shell", requested_by="shell", owner=LOCAL.id)
                except AssistantError as exc:
                    console.print(f"error {exc.code}: {exc.message}", markup=False)
                    continue
                for reply in [p["text"] for p in outcome.pending_replies] + outcome.replies:
                    console.print(f"assistant> {reply}", markup=False)
        finally:
            await scheduler.close()
