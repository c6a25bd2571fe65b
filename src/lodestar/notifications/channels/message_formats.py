"""A notice in one reader's language, and that text in the shape each platform expects.

Chat platforms get markdown or a card (DingTalk `markdown`, Feishu `interactive` card, WeCom `markdown`,
Slack `blocks` with mrkdwn); e-mail gets plain text; the generic webhook gets the notice as JSON data.
What is stored in the outbox is the payload without its signature: signing happens at delivery, since a
signature carries the time it was made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lodestar.kit.text import N_, Text

SEVERITIES = ("info", "warning", "critical")
SEVERITY_LABELS = {"info": N_("Info"), "warning": N_("Warning"), "critical": N_("Critical")}
OPEN_LINK = N_("Open in Lodestar")
_FEISHU_COLOURS = {"info": "blue", "warning": "orange", "critical": "red"}
_WECOM_COLOURS = {"info": "info", "warning": "warning", "critical": "warning"}


def severity_rank(severity: str) -> int:
    """0 for info, 1 for warning, 2 for critical (an unknown value ranks as info)."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


@dataclass(frozen=True)
class Wording:
    """A notice's sentences in one language, ready to be laid out for a platform."""

    severity: str
    severity_label: str
    title: str
    lines: list[str]
    url: str
    link_label: str
    addressee: str | None = None  # a person's name when a shared channel carries their message

    @property
    def subject(self) -> str:
        """The one-line summary: e-mail subject, chat notification preview."""
        return f"[{self.severity_label}] {self.title}"


def word(
    gettext: Callable[[Any], str],
    severity: str,
    title: Text | str,
    lines: list[Text] | list[str],
    url: str,
    addressee: str | None = None,
) -> Wording:
    """Translates a notice's title and lines with the reader's catalogue."""
    return Wording(
        severity=severity,
        severity_label=gettext(SEVERITY_LABELS.get(severity, severity)),
        title=gettext(title),
        lines=[gettext(line) for line in lines],
        url=url,
        link_label=gettext(OPEN_LINK),
        addressee=addressee,
    )


def _markdown_lines(w: Wording, bullet: str = "- ") -> str:
    head = [f"@{w.addressee}", ""] if w.addressee else []
    return "\n".join([*head, *(bullet + line for line in w.lines)])


def email(w: Wording) -> dict[str, Any]:
    """Plain text: the title, the evidence lines, the link."""
    head = [w.addressee + ":", ""] if w.addressee else []
    text = "\n".join(
        [*head, w.title, "", *(f"  - {line}" for line in w.lines), "", f"{w.link_label}: {w.url}"]
    )
    return {"text": text}


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack(w: Wording) -> dict[str, Any]:
    """An incoming-webhook message: `text` (the notification preview) and one mrkdwn section."""
    body = "\n".join(
        [
            *([f"@{_slack_escape(w.addressee)}"] if w.addressee else []),
            f"*{_slack_escape(w.subject)}*",
            *(f"• {_slack_escape(line)}" for line in w.lines),
            f"<{w.url}|{_slack_escape(w.link_label)}>",
        ]
    )
    return {"text": w.subject, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": body}}]}


def dingtalk(w: Wording) -> dict[str, Any]:
    """A custom-robot `markdown` message (its title is what the conversation list shows)."""
    text = f"#### {w.subject}\n\n{_markdown_lines(w)}\n\n[{w.link_label}]({w.url})"
    return {"msgtype": "markdown", "markdown": {"title": w.subject, "text": text}}


def feishu(w: Wording) -> dict[str, Any]:
    """A custom-bot `interactive` card: coloured header, the lines in lark_md, a button to the page."""
    return {
        "msg_type": "interactive",
        "card": {
            "config": {"wide_screen_mode": True},
            "header": {
                "title": {"tag": "plain_text", "content": w.subject},
                "template": _FEISHU_COLOURS.get(w.severity, "blue"),
            },
            "elements": [
                {"tag": "div", "text": {"tag": "lark_md", "content": _markdown_lines(w)}},
                {
                    "tag": "action",
                    "actions": [
                        {
                            "tag": "button",
                            "text": {"tag": "plain_text", "content": w.link_label},
                            "url": w.url,
                            "type": "primary",
                        }
                    ],
                },
            ],
        },
    }


def wecom(w: Wording) -> dict[str, Any]:
    """A group-robot `markdown` message."""
    colour = _WECOM_COLOURS.get(w.severity, "info")
    head = f'**<font color="{colour}">{w.severity_label}</font> {w.title}**'
    text = f"{head}\n{_markdown_lines(w, bullet='> ')}\n[{w.link_label}]({w.url})"
    return {"msgtype": "markdown", "markdown": {"content": text}}


def webhook(
    w: Wording,
    idempotency_key: str,
    notice_key: str,
    alert_id: int | None,
    locale: str,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The generic webhook's JSON: the notice as data, with its idempotency key (and its facts, if any)."""
    extra = {"data": data} if data is not None else {}
    return {
        "idempotency_key": idempotency_key,
        "notice": notice_key,
        "severity": w.severity,
        "title": w.title,
        "lines": w.lines,
        "url": w.url,
        "locale": locale,
        "alert_id": alert_id,
        "addressee": w.addressee,
        **extra,
    }


LAYOUTS: dict[str, Callable[[Wording], dict[str, Any]]] = {
    "email": email,
    "slack": slack,
    "dingtalk": dingtalk,
    "feishu": feishu,
    "wecom": wecom,
}
KINDS = ("email", "slack", "dingtalk", "feishu", "wecom", "webhook")
