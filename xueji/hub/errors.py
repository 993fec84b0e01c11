"""Words of the hub's refusal codes: what the sender of a bad message, and the system administrator reading the
boxes, are told (the services raise them with an English developer message that names the value)."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages

MESSAGES = {
    "bad_envelope": _("The message is not an envelope of the hub: a field is missing or unknown."),
    "bad_schema": _("The message's schema version is not one this side reads."),
    "bad_key": _("The message's key is not a UUID."),
    "bad_kind": _("The message's kind is not of the form app.what."),
    "unknown_message_kind": _("No handler here knows this kind of message."),
    "bad_sender": _("The sender is not a province code."),
    "unknown_sender": _("The sending province is not served by this system."),
    "bad_receiver": _("The receiver is not another province's code."),
    "wrong_receiver": _("The receiving province is not served here: the message went to the wrong side."),
    "bad_subject": _("The message's subject is empty, too long or holds other characters than letters and digits."),
    "bad_seq": _("The message's sequence number is not a whole number from 1."),
    "bad_sent_at": _("The time the message was sent is not an ISO 8601 time with its offset."),
    "bad_payload": _("The message's payload is not a plain JSON object."),
    "payload_too_large": _("The message's payload is too large."),
    "key_reused": _("Another message with this key was received before, with other contents."),
    "seq_taken": _("Another message holds this sequence number for this subject."),
    "unknown_query_kind": _("No handler here answers this kind of question."),
    "bad_answer": _("The other province's answer is not an answer of the hub to this question."),
    "bad_mac": _("The message does not verify: it was changed on the way, or signed with another key. Nothing of "
                 "it was received."),
    "peer_unreachable": _("The other province could not be reached; try again later."),
    "no_pair_key": _("No key of the hub is in force for this pair of provinces: the system administrator adds one to "
                     "the key file."),
}

# Not registered by code (the jobs use "internal" too): what the boxes' pages say of an unexpected failure.
INTERNAL = _("An internal error stopped this message; it is tried again later. The server log has the details.")

messages.register(by_code=MESSAGES)
