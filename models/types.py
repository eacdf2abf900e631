"""The vocabulary of the domain: enumerations shared by every module of `models/`."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    NIEUW = "nieuw"                    # before the melding is registered
    TRIAGE = "triage"                  # veiligheidsbeoordeling running (000 §5.1.1)
    DIENST = "dienst"                  # VT carries out V&V or Onderzoek (000 §4)
    TE_OVERDRAGEN = "te_overdragen"    # decided to hand over; no request pending
    OVERDRACHT = "overdracht"          # handover requested, awaiting confirmation
    OVERGEDRAGEN = "overgedragen"      # with the receiving organisation(s)
    GESLOTEN = "gesloten"


OPEN_STATUSES = frozenset(s for s in Status if s not in (Status.NIEUW, Status.GESLOTEN))


class Route(StrEnum):
    """Where the triagebesluit places the next steps (000 §4; 002 §4; 003 §2.2)."""

    LT = "lt"                  # directe overdracht to the lokaal team
    VV = "vv"                  # VT: dienst Voorwaarden & Vervolg
    ONDERZOEK = "onderzoek"    # VT: dienst Onderzoek
    GI = "gi"                  # gecertificeerde instelling (gezinsvoogd involved)
    MDT = "mdt"                # multidisciplinair team (MDA++, Zorg- en Veiligheidshuis)
    ZELF = "zelf"              # the cliëntsysteem itself
    GEEN = "geen"              # no concerns: close


HANDOVER_ROUTES = frozenset({Route.LT, Route.GI, Route.MDT})
SERVICE_ROUTES = frozenset({Route.VV, Route.ONDERZOEK})
CLOSING_ROUTES = frozenset({Route.ZELF, Route.GEEN})


class Weight(StrEnum):
    """Zwaarte van de casus (004 Thema 4)."""

    LICHT = "licht"
    MIDDELZWAAR = "middelzwaar"
    ZWAAR = "zwaar"


class Signal(StrEnum):
    ACUUT = "acuut"
    STRUCTUREEL = "structureel"
    ONVOLDOENDE_INFO = "onvoldoende-info"
    RVDK = "rvdk"
    LETSEL = "letsel"
    ONGEBOREN = "ongeboren"
    PSYCHIATRIE = "psychiatrie"
    EERGERELATEERD = "eergerelateerd"
    STALKING = "stalking"
    STRAFBAAR = "strafbaar"
    MULTIPROBLEEM = "multiprobleem"              # a multiproblematische leefsituatie (001 §1)
    GEEN_HULP_GEWENST = "geen-hulp-gewenst"      # signs the family wants no help from outside (001 §1)
    GEEN_HULP_NODIG = "geen-hulp-nodig"          # the family needs no (extra) help from outside: close (001 §1)


class OrgKind(StrEnum):
    VT = "vt"
    LT = "lt"
    GI = "gi"
    MDT = "mdt"
    GEMEENTE = "gemeente"


class Role(StrEnum):
    MEDEWERKER = "medewerker"
    LEIDINGGEVENDE = "leidinggevende"
    GEDRAGSWETENSCHAPPER = "gedragswetenschapper"
    BESTUURLIJK_CONTACT = "bestuurlijk_contact"


class HandoverKind(StrEnum):
    DIRECT = "direct"          # directe overdracht after triage (000 §5.1)
    NA_DIENST = "na_dienst"    # after V&V or Onderzoek (000 §5.2)


class HandoverState(StrEnum):
    OPEN = "open"
    BEVESTIGD = "bevestigd"
    GEWEIGERD = "geweigerd"
    INGETROKKEN = "ingetrokken"


class DeadlineKind(StrEnum):
    TRIAGE = "triage"
    BEVESTIGING = "bevestiging"
    EERSTE_CONTACT = "eerste_contact"
    DIRECTBETROKKENEN = "directbetrokkenen_geinformeerd"
    THV_LT_GEINFORMEERD = "thv_lt_geinformeerd"
    THV_GESPREK = "thv_gezamenlijk_gesprek"
    THV_ADVIES = "thv_advies"
    THV_EINDE = "thv_einde"
    MONITORING = "monitoring"
    GEMEENTE_ANTWOORD = "gemeente_antwoord"
    STAGNATIE = "stagnatie"                    # escalation of a refused handover or a reported stagnation
    OVERDRACHT_WACHT = "overdracht_wacht"      # a handover waiting longer than the profile allows
    DIENST = "dienst"                          # VT's oordeel after V&V or Onderzoek: within 10 weeks (003 §2.2)
    WEGING = "weging"                          # VT answers a lokaal team that asked for a gezamenlijke weging


# A milestone comes and goes; nobody can fail it (the end of a huisverbod, 000 §6): it is met at its moment.
MILESTONES = frozenset({DeadlineKind.THV_EINDE})
# who in an organisation of each kind receives its report when it has no report channel (the monthly report, issue
# 16); an MDT has nobody in the bot to receive one
REPORT_RECEIVERS = {OrgKind.VT: Role.LEIDINGGEVENDE, OrgKind.LT: Role.LEIDINGGEVENDE, OrgKind.GI: Role.LEIDINGGEVENDE,
                    OrgKind.GEMEENTE: Role.BESTUURLIJK_CONTACT}
# Terms whose lapse is no failure of their owner against the agreements: escalations of a disagreement
# (stagnation, a handover left waiting), the gemeente's own answer, milestones. They never count towards
# "repeatedly" (000 §8.2) and never report the owner to the gemeente.
NOT_A_FAILURE = frozenset({DeadlineKind.STAGNATIE, DeadlineKind.OVERDRACHT_WACHT,
                           DeadlineKind.GEMEENTE_ANTWOORD}) | MILESTONES


class Stabiel(StrEnum):
    """The criteria of stabiele veiligheid (000 §7.1; 002 §6.1): all three, recorded, before the lokaal team's
    responsibility for zicht op veiligheid and its casusregie end."""

    GEEN_INCIDENTEN = "geen-incidenten"    # six months without incidents of unsafety
    RISICOFACTOREN = "risicofactoren"      # the risk factors are addressed or made manageable
    HERSTEL = "herstel"                    # work on recovery has started


class MonitorVraag(StrEnum):
    """The four questions of a monitoring moment (000 §5.2.7; 001 §4; 002 §5.2.6): all four positive ends it."""

    VOORWAARDEN = "voorwaarden"                    # the veiligheidsvoorwaarden are (being) met
    DIRECTE_VEILIGHEID = "directe-veiligheid"      # they have led to directe veiligheid
    STABIELE_VEILIGHEID = "stabiele-veiligheid"    # stabiele veiligheid is sufficiently restored
    HERSTEL = "herstel"                            # there is attention for recovery of the harm done


class MonitorVervolg(StrEnum):
    """What VT and the lokaal team choose when a monitoring moment is not positive (001 §4)."""

    ONDERSTEUNING = "ondersteuning"    # VT supports the lokaal team: dienst Ondersteuning professional
    BESCHERMTAFEL = "beschermtafel"    # the lokaal team brings the case to the beschermtafel
    VV = "vv"                          # VT takes the regie back: dienst Voorwaarden & Vervolg
    ONDERZOEK = "onderzoek"            # ... or dienst Onderzoek


class WegingUitkomst(StrEnum):
    """The outcomes of a gezamenlijke weging when the lokaal team cannot get in (000 bijlage 2)."""

    SLUITEN = "sluiten"        # the dossier is closed
    ADVIES = "advies"          # VT's dienst Advies & Ondersteuning (e.g. joining the conversation with the family)
    VV = "vv"                  # VT opens the dossier and starts Voorwaarden & Vervolg


class DeadlineState(StrEnum):
    OPEN = "open"
    VERLOPEN = "verlopen"      # lapsed, still to be met (escalation runs)
    GEHAALD = "gehaald"        # met (possibly late: met_at > due)
    VERVALLEN = "vervallen"    # withdrawn: the case moved on
