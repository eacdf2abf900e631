"""What the overdrachtsdocument must contain, per kind of overdracht (domain.md table).

The bot tracks *that* the document was sent and what it had to contain — never its contents.
"""

from __future__ import annotations

from .case import CaseState
from .types import HandoverKind, Route


def handover_checklist(state: CaseState, kind: HandoverKind) -> tuple[str, ...]:
    two = len(state.gemeenten) == 2
    items: list[str] = ["inhoud_melding"]
    # contact details of the directbetrokkenen and all parents with gezag; both gemeenten (002 §5.2.4)
    items.append("contactgegevens_directbetrokkenen_beide_gemeenten" if two
                 else "contactgegevens_directbetrokkenen")
    if kind is HandoverKind.DIRECT:
        # 000 §5.1.3; 002 §5.1.3; 001 §1 — the melder's details only when not anonymous (003 §2.2)
        if not state.anoniem:
            items.append("contactgegevens_melder")
        items.append("triagebesluit_onderbouwing")
    else:
        # 000 §5.2.4; 002 §5.2.4; 001 §3
        if not state.anoniem:
            items.append("contactgegevens_melder_indien_nodig")
        if state.route is Route.ONDERZOEK:
            items.append("oordeel_vt")
        items += ["veiligheidsvoorwaarden", "taken_lt_na_overdracht", "gevolgen_onveiligheid",
                  "afspraken_plannen", "afspraken_monitoring"]
    items.append("wie_informeert_directbetrokkenen")   # 002 §5.1.2
    return tuple(items)
