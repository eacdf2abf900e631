"""Slack messages built with `slack_sdk.models.blocks` (which check Block Kit's limits), never as
hand-written JSON. Long texts are split over several sections."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, MarkdownTextObject, SectionBlock

from ..port import RenderedButton

SECTION_LIMIT = 3000
MAX_BLOCKS = 50


def chunks(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split at line ends where possible, so no section exceeds Slack's limit."""
    chunks, current = [], ""
    for line in text.splitlines() or [""]:
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    chunks.append(current)
    return [c for c in chunks if c] or [" "]


def message_blocks(text: str, buttons: list[RenderedButton]) -> list[dict]:
    blocks: list = [SectionBlock(text=MarkdownTextObject(text=chunk)) for chunk in chunks(text)]
    if buttons:
        blocks.append(ActionsBlock(elements=[
            ButtonElement(text=b.label, action_id=b.action, value=b.value,
                          style="danger" if b.style == "danger" else "primary")
            for b in buttons]))
    if len(blocks) > MAX_BLOCKS:
        raise ValueError("message too long for one Slack message")
    return [b.to_dict() for b in blocks]
