"""Messages between colleagues: the list, a thread, sending without script, starting one."""

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ropeteam.concerns import queries as concerns
from ropeteam.conversations import actions, queries
from ropeteam.conversations.access import access_conversation
from ropeteam.conversations.models import Conversation, Message, Participant
from ropeteam.core.errors import InvalidInput
from ropeteam.people.access import access_member
from ropeteam.people.models import Team, User
from ropeteam.thinking import queries as thinking
from ropeteam.web.decorators import in_team, signed_in
from ropeteam.web.forms.base import REFUSED, submit
from ropeteam.web.forms.conversations import MessageForm
from ropeteam.web.views._post import act
from ropeteam.web.views.render import page

# The newest messages a thread page shows; older ones stay a scroll of the API away.
THREAD_LENGTH = 100


@dataclass(frozen=True)
class Shown:
    """A message as the thread shows it, with its state when it is the reader's own."""

    message: Message
    is_mine: bool
    state: str


def _belongs_to(conversation_ids: list[int]) -> dict[int, tuple[str, str]]:
    """The chat beside a Thinking Together or a concern: what it is about, and its page."""
    found: dict[int, tuple[str, str]] = {}
    for conversation_id, pk in thinking.by_conversation(conversation_ids).items():
        found[conversation_id] = (_("Thinking Together"), reverse("web:thinking", args=[pk]))
    for conversation_id, pk in concerns.by_conversation(conversation_ids).items():
        found[conversation_id] = (_("Something raised"), reverse("web:concern", args=[pk]))
    return found


@signed_in
def conversation_list(request: HttpRequest, me: User) -> HttpResponse:
    overviews = queries.list_conversations(me)
    belongs = _belongs_to([o.conversation.pk for o in overviews])
    rows = [
        {
            "overview": o,
            "about": belongs.get(o.conversation.pk),
            "others": [
                _("%(name)s (left the team)") % {"name": p.user.name}
                if p.user_id in o.left
                else p.user.name
                for p in o.participants
                if p.user_id != me.pk
            ],
        }
        for o in overviews
    ]
    return page(request, "web/conversations.html", {"rows": rows})


def _state(seq: int, others: list[Participant]) -> str:
    if others and all(p.last_read_seq >= seq for p in others):
        return "read"
    if others and all(p.last_delivered_seq >= seq for p in others):
        return "delivered"
    return "sent"


def thread_context(
    me: User, conversation: Conversation, form: MessageForm | None = None
) -> dict[str, Any]:
    """What `_thread.html` shows: the newest messages, the send form, the live client's seed."""
    everyone = list(queries.participants(conversation))
    left = queries.left_the_team(conversation)
    # Receipts count those still in the team: someone who left will never read it.
    others = [p for p in everyone if p.user_id != me.pk and p.user_id not in left]
    names = {p.user_id: p.user.name for p in everyone}
    after = max(0, conversation.last_seq - THREAD_LENGTH)
    shown = [
        Shown(m, m.sender_id == me.pk, _state(m.seq, others) if m.sender_id == me.pk else "")
        for m in queries.messages_after(conversation, after=after, limit=THREAD_LENGTH)
    ]
    for item in shown:
        item.message.sender_name = names.get(item.message.sender_id, "")  # type: ignore[attr-defined]
    live: dict[str, Any] = {
        "conversation": conversation.pk,
        "me": me.pk,
        "cursor": conversation.last_seq,
        "marks_url": reverse("api:list_conversations"),
        "names": {str(k): v for k, v in names.items()},
        "marks": {
            str(p.user_id): {"delivered": p.last_delivered_seq, "read": p.last_read_seq}
            for p in others
        },
        "own": [
            {"seq": s.message.seq, "client_id": str(s.message.client_id)}
            for s in shown
            if s.is_mine
        ],
    }
    return {
        "conversation": conversation,
        "others": [p.user.name for p in everyone if p.user_id != me.pk],
        "left": [p.user.name for p in everyone if p.user_id in left],
        "no_one_to_read": not others,
        "shown": shown,
        "earlier": after > 0,
        "form": form or MessageForm(initial={"client_id": uuid4()}),
        "live": live,
    }


def _thread_page(
    request: HttpRequest, me: User, conversation: Conversation, form: MessageForm | None = None
) -> HttpResponse:
    return page(request, "web/conversation.html", thread_context(me, conversation, form))


def read_thread(me: User, conversation: Conversation, participant: Participant) -> None:
    """Opening the thread is reading it: the sender sees "read" without any script here."""
    if conversation.last_seq > participant.last_read_seq:
        actions.mark_receipt(actor=me, participant=participant, read=conversation.last_seq)


@signed_in
def conversation_detail(request: HttpRequest, me: User, conversation_id: int) -> HttpResponse:
    conversation, participant = access_conversation(me, conversation_id)
    if request.method == "POST":
        form = MessageForm(request.POST)
        sent = submit(
            form,
            lambda d: actions.send_message(
                actor=me,
                conversation=conversation,
                client_id=d["client_id"],
                body=d["body"],
                urgent=d["urgent"],
            ),
        )
        if sent is REFUSED:
            return _thread_page(request, me, conversation, form)
        url = reverse("web:conversation", args=[conversation.pk])
        return redirect(f"{url}#message-{sent.message.seq}")
    read_thread(me, conversation, participant)
    return _thread_page(request, me, conversation)


@require_POST
@in_team()
def conversation_start(request: HttpRequest, me: User, team: Team, user_id: int) -> HttpResponse:
    colleague = access_member(me, team.pk, user_id)
    return act(
        request,
        lambda: actions.start_conversation(actor=me, team=team, member_ids=[colleague.user_id]),
        back=redirect("web:member", user_id=user_id),
        then=lambda started: redirect("web:conversation", conversation_id=started[0].pk),
        refusals=(InvalidInput,),
    )
